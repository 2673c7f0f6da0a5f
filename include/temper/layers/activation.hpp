// activation.hpp — applies an activation function (Keras: keras.layers.Activation).
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

 private:
  Options options_;
};

}  // namespace temper::layers
