#include "temper/layers/gaussian_dropout.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<GaussianDropout::Options>& GaussianDropout::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("GaussianDropout").required("rate", &O::rate, in_range(0.0, 1.0)).add("seed", &O::seed);
  return args;
}

namespace {
const LayerRegistration<GaussianDropout> registered{{"GaussianDropout"}};
}  // namespace

GaussianDropout::GaussianDropout(double rate) : GaussianDropout(Options{.rate = rate}) {}

void GaussianDropout::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor GaussianDropout::call(const Tensor& x, bool training) {
  if (!training || options_.rate == 0.0) return x;
  return ops::gaussian_dropout(x, options_.rate, generator());
}

}  // namespace temper::layers
