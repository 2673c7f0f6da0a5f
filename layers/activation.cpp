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

Activation::Activation(Options o) : Layer(o.name), options_(std::move(o)) { arguments().validate(options_); }

Tensor Activation::call(const Tensor& x, bool) { return options_.activation(x); }

Config Activation::get_config() const {
  Config c = base_config();
  arguments().write(options_, c);
  return c;
}

LayerPtr Activation::from_config(const Config& c) { return registry().create("Activation", c); }

}  // namespace temper::layers
