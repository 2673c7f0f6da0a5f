// activation.hpp — applies an activation function (Keras: keras.layers.Activation), and the
// activation layer classes (Keras: keras.layers.ReLU, LeakyReLU, PReLU, ELU, Softmax).
#pragma once
#include "temper/activations.hpp"
#include "temper/layer.hpp"

namespace temper::layers {

/// Applies an activation to its input (Keras: keras.layers.Activation).
class Activation final : public Layer {
 public:
  struct Options {
    activations::Activation activation{};
    std::string name{};
  };
  explicit Activation(Options options);
  explicit Activation(activations::Activation activation) : Activation(Options{std::move(activation), ""}) {}

  std::string class_name() const override { return "Activation"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace temper::layers

#include "temper/layers/elu.hpp"
#include "temper/layers/leaky_relu.hpp"
#include "temper/layers/prelu.hpp"
#include "temper/layers/relu.hpp"
#include "temper/layers/softmax.hpp"
