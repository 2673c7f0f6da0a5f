#include "temper/layers/activation.hpp"

#include "temper/error.hpp"

namespace temper::layers {

Activation::Activation(Options o) : Layer(o.name), options_(std::move(o)) {}

Tensor Activation::call(const Tensor& x, bool) { return options_.activation(x); }

Config Activation::get_config() const {
  Config c = base_config();
  c["activation"] = options_.activation.get_config();
  return c;
}

LayerPtr Activation::from_config(const Config& c) {
  if (!c.contains("activation")) throw ConfigError("Activation config is missing 'activation'");
  auto l = std::make_shared<Activation>(Options{activations::get(c["activation"]), c.value("name", std::string())});
  l->set_trainable(c.value("trainable", true));
  return l;
}

}  // namespace temper::layers
