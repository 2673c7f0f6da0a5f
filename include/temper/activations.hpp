// activations.hpp — activation functions by name or as callables (Keras: keras.activations).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/tensor.hpp"

namespace temper::activations {

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

/// Names of the built-in activations.
std::vector<std::string> names();

/// Keras: keras.activations.get — from a name or a JSON config (string or {class_name,...}).
Activation get(const Config& config);

}  // namespace temper::activations
