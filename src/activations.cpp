#include "temper/activations.hpp"

#include <algorithm>
#include <memory>

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"
#include "temper/registry.hpp"

namespace temper::activations {

namespace {

using Fn = Tensor (*)(const Tensor&);

struct BuiltIn {
  const char* name;
  Fn fn;
  std::vector<std::string> aliases{};
};

// Keras resolves an alias to the function itself, so configs carry the registered name
// ("swish" serialises as "silu").
void add_built_ins(Registry<ActivationFunction>& r) {
  const BuiltIn built_ins[] = {
      {"linear", [](const Tensor& x) { return x; }, {"None"}},
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
      {"silu", [](const Tensor& x) { return ops::silu(x); }, {"swish"}},
      {"hard_sigmoid", [](const Tensor& x) { return ops::hard_sigmoid(x); }},
      {"exponential", [](const Tensor& x) { return ops::exponential(x); }},
  };
  for (const auto& b : built_ins) {
    Registry<ActivationFunction>::Entry e;
    e.name = b.name;
    e.aliases = b.aliases;
    e.make = [fn = b.fn](ArgReader&) { return std::make_shared<ActivationFunction>(ActivationFunction{fn}); };
    r.add(std::move(e));
  }
}

}  // namespace

Registry<ActivationFunction>& registry() {
  // Built in on first use: layer argument tables made during static initialisation in other
  // files already construct activations by name.
  static Registry<ActivationFunction> r("activation");
  static const bool populated = (add_built_ins(r), true);
  (void)populated;
  return r;
}

void register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn,
                         std::vector<std::string> aliases) {
  if (name.empty()) throw ValueError("register_activation: the name is empty");
  if (!fn) throw ValueError("register_activation: the function of activation '" + name + "' is empty");
  Registry<ActivationFunction>::Entry e;
  e.name = name;
  e.aliases = std::move(aliases);
  e.make = [fn = std::move(fn)](ArgReader&) { return std::make_shared<ActivationFunction>(ActivationFunction{fn}); };
  registry().add(std::move(e));
}

Activation::Activation() : Activation("linear") {}
Activation::Activation(const char* name) : Activation(std::string(name)) {}
Activation::Activation(const std::string& name) {
  const auto entry = registry().get(name.empty() ? "linear" : name);  // UnknownNameError with a did-you-mean
  name_ = entry.name;
  fn_ = registry().create(entry.name, Config::object())->fn;
}
Activation::Activation(std::string name, std::function<Tensor(const Tensor&)> fn)
    : name_(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw ValueError("activation '" + name_ + "': the function is empty");
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (auto& n : registry().names(true))
    if (n != "None") out.push_back(std::move(n));
  std::sort(out.begin(), out.end());
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
