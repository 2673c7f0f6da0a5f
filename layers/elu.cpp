#include "temper/layers/elu.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<ELU::Options>& ELU::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("ELU").add("alpha", &O::alpha);
  return args;
}

namespace {
const LayerRegistration<ELU> registered{{"ELU"}};
}  // namespace

ELU::ELU(double alpha) : ELU(Options{.alpha = alpha}) {}

Tensor ELU::call(const Tensor& x, bool) { return ops::elu(x, options_.alpha); }

}  // namespace temper::layers
