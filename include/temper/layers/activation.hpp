// activation.hpp — applies an activation function (Keras: keras.layers.Activation), and the
// activation layer classes (Keras: keras.layers.ReLU, LeakyReLU, PReLU, ELU, Softmax).
#pragma once
#include "temper/activations.hpp"
#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Activation, with Keras's names and defaults.
struct ActivationOptions {
  activations::Activation activation{};
  std::string name{};
};

/// Applies an activation to its input (Keras: keras.layers.Activation).
class Activation final : public LayerClass<Activation, ActivationOptions> {
 public:
  static constexpr const char* keras_class = "Activation";
  using LayerClass::LayerClass;
  explicit Activation(activations::Activation activation) : LayerClass(Options{std::move(activation), ""}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers

#include "temper/layers/elu.hpp"
#include "temper/layers/leaky_relu.hpp"
#include "temper/layers/prelu.hpp"
#include "temper/layers/relu.hpp"
#include "temper/layers/softmax.hpp"
