#include "temper/layers/leaky_relu.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<LeakyReLU::Options>& LeakyReLU::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("LeakyReLU")
                               .add("negative_slope", &O::negative_slope, non_negative_number())
                               .renamed("alpha", "negative_slope");  // tf.keras 2
  return args;
}

namespace {
const LayerRegistration<LeakyReLU> registered{{"LeakyReLU"}};
}  // namespace

LeakyReLU::LeakyReLU() : LeakyReLU(Options{}) {}

LeakyReLU::LeakyReLU(Options o) : Layer(o.name), options_(std::move(o)) { arguments().validate(options_); }

LeakyReLU::LeakyReLU(double negative_slope) : LeakyReLU(Options{.negative_slope = negative_slope}) {}

Tensor LeakyReLU::call(const Tensor& x, bool) { return ops::leaky_relu(x, options_.negative_slope); }

Config LeakyReLU::get_config() const {
  Config c = base_config();
  arguments().write(options_, c);
  return c;
}

LayerPtr LeakyReLU::from_config(const Config& c) { return registry().create("LeakyReLU", c); }

}  // namespace temper::layers
