#include "temper/layers/gaussian_noise.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<GaussianNoise::Options>& GaussianNoise::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("GaussianNoise").required("stddev", &O::stddev, in_range(0.0, 1.0, true)).add("seed", &O::seed);
  return args;
}

namespace {
const LayerRegistration<GaussianNoise> registered{{"GaussianNoise"}};
}  // namespace

GaussianNoise::GaussianNoise(double stddev) : GaussianNoise(Options{.stddev = stddev}) {}

void GaussianNoise::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor GaussianNoise::call(const Tensor& x, bool training) {
  if (!training || options_.stddev == 0.0) return x;
  return ops::gaussian_noise(x, options_.stddev, generator());
}

}  // namespace temper::layers
