#include "temper/layers/activation.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"

namespace temper::layers {

const Arguments<Activation::Options>& Activation::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Activation").required("activation", &O::activation);
  return args;
}

namespace {
const LayerRegistration<Activation> registered{{"Activation"}};
}  // namespace

Tensor Activation::call(const Tensor& x, bool) { return options_.activation(x); }

}  // namespace temper::layers
