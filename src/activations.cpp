#include "temper/activations.hpp"

#include <map>

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper::activations {

namespace {

using Fn = Tensor (*)(const Tensor&);

const std::map<std::string, Fn>& table() {
  static const std::map<std::string, Fn> t = {
      {"linear", [](const Tensor& x) { return x; }},
      {"relu", [](const Tensor& x) { return ops::relu(x); }},
      {"relu6", [](const Tensor& x) { return ops::relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return ops::leaky_relu(x, 0.2); }},
      {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return ops::tanh(x); }},
      {"softmax", [](const Tensor& x) { return ops::softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return ops::log_softmax(x, -1); }},
      {"gelu", [](const Tensor& x) { return ops::gelu(x, false); }},
      {"elu", [](const Tensor& x) { return ops::elu(x, 1.0); }},
      {"selu", [](const Tensor& x) { return ops::selu(x); }},
      {"softplus", [](const Tensor& x) { return ops::softplus(x); }},
      {"softsign", [](const Tensor& x) { return ops::softsign(x); }},
      {"silu", [](const Tensor& x) { return ops::silu(x); }},
      {"swish", [](const Tensor& x) { return ops::silu(x); }},
      {"hard_sigmoid", [](const Tensor& x) { return ops::hard_sigmoid(x); }},
      {"exponential", [](const Tensor& x) { return ops::exponential(x); }},
  };
  return t;
}

Fn lookup(const std::string& name) {
  const auto& t = table();
  auto it = t.find(name == "None" || name.empty() ? "linear" : name);
  if (it == t.end()) throw UnknownNameError(unknown_name_message("activation", name, names()));
  return it->second;
}

}  // namespace

Activation::Activation() : Activation("linear") {}
Activation::Activation(const char* name) : Activation(std::string(name)) {}
// Keras resolves aliases to the function itself, so its configs carry the canonical name
// ("swish" serialises as "silu").
Activation::Activation(const std::string& name)
    : name_(name.empty() || name == "None" ? "linear" : name == "swish" ? "silu" : name),
      fn_(lookup(name)) {}
Activation::Activation(std::string name, std::function<Tensor(const Tensor&)> fn)
    : name_(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw ValueError("activation '" + name_ + "': the function is empty");
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : table()) out.push_back(k);
  return out;
}

Activation get(const Config& config) {
  if (config.is_null()) return Activation();
  if (config.is_string()) return Activation(config.get<std::string>());
  if (config.is_object() && config.contains("class_name")) {
    // Keras 3 may serialise activations as {"module": "keras.activations", "class_name": "function",
    // "config": "relu", ...}.
    if (config.contains("config") && config["config"].is_string())
      return Activation(config["config"].get<std::string>());
    return Activation(config["class_name"].get<std::string>());
  }
  throw ConfigError("activation must be a name such as \"relu\", got " + config.dump());
}

}  // namespace temper::activations
