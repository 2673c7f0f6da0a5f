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

LeakyReLU::LeakyReLU(double negative_slope) : LeakyReLU(Options{.negative_slope = negative_slope}) {}

Tensor LeakyReLU::call(const Tensor& x, bool) { return ops::leaky_relu(x, options_.negative_slope); }

}  // namespace temper::layers
