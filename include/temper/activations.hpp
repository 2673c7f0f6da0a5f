// activations.hpp — activation functions by name or as callables (Keras: keras.activations).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/tensor.hpp"

namespace temper {
template <class Base> class Registry;
}  // namespace temper

namespace temper::activations {

/// What the activation registry holds for one name: the function (Keras: the object
/// `keras.activations.get` returns for it).
struct ActivationFunction {
  std::function<Tensor(const Tensor&)> fn;
};

/// An activation function, given by Keras name ("relu", "softmax", ...) or as a callable
/// (Keras: what `keras.activations.get(identifier)` returns). Default-constructed it is the
/// identity ("linear"), like Keras's `activation=None`. Unknown names throw UnknownNameError
/// listing the known ones and suggesting the closest.
class Activation {
 public:
  Activation();
  Activation(const char* name);         // NOLINT(google-explicit-constructor): Keras-style strings
  Activation(const std::string& name);  // NOLINT(google-explicit-constructor)
  /// A custom activation; `name` is what get_config() reports.
  Activation(std::string name, std::function<Tensor(const Tensor&)> fn);

  Tensor operator()(const Tensor& x) const { return fn_(x); }
  const std::string& name() const noexcept { return name_; }
  bool is_linear() const noexcept { return name_ == "linear"; }
  /// Keras serialises built-in activations as their name.
  Config get_config() const { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> fn_;
};

/// The activation registry: Keras names ("relu", "silu") with their aliases ("swish").
/// Built-in activations are in it from the first use; custom ones join with
/// register_activation.
Registry<ActivationFunction>& registry();

/// Registers a custom activation under `name` (Keras: `register_keras_serializable` on a
/// function), so that `Activation("name")`, YAML configs and model files that name it find
/// it. Re-registering a name replaces it; an empty function is a ValueError.
void register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn,
                         std::vector<std::string> aliases = {});

/// Every name Activation accepts (registered names and aliases), sorted.
std::vector<std::string> names();

/// Keras: keras.activations.get — from a name or a JSON config (string or {class_name,...}).
Activation get(const Config& config);

}  // namespace temper::activations
