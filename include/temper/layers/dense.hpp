// dense.hpp — fully connected layer (Keras: keras.layers.Dense).
#pragma once
#include "temper/activations.hpp"
#include "temper/layer.hpp"

namespace temper::layers {

/// `activation(inputs @ kernel + bias)` over the last axis (Keras: keras.layers.Dense).
/// The kernel has shape (input_dim, units) exactly as in Keras, so weights map one to one.
class Dense final : public Layer {
 public:
  struct Options {
    std::int64_t units = 0;
    activations::Activation activation = "linear";
    bool use_bias = true;
    initializers::Initializer kernel_initializer = "glorot_uniform";
    initializers::Initializer bias_initializer = "zeros";
    regularizers::Regularizer kernel_regularizer = {};
    regularizers::Regularizer bias_regularizer = {};
    regularizers::Regularizer activity_regularizer = {};
    constraints::Constraint kernel_constraint = {};
    constraints::Constraint bias_constraint = {};
    std::string name{};
  };
  explicit Dense(Options options);
  /// `layers::Dense(256, "relu")`.
  explicit Dense(std::int64_t units, activations::Activation activation = "linear");

  std::string class_name() const override { return "Dense"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

}  // namespace temper::layers
