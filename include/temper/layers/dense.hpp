// dense.hpp — fully connected layer (Keras: keras.layers.Dense).
#pragma once
#include "temper/activations.hpp"
#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Dense, with Keras's names and defaults.
struct DenseOptions {
  std::int64_t units = 0;  ///< required, > 0
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

/// `activation(inputs @ kernel + bias)` over the last axis (Keras: keras.layers.Dense).
/// The kernel has shape (input_dim, units) exactly as in Keras, so weights map one to one.
class Dense final : public LayerClass<Dense, DenseOptions> {
 public:
  static constexpr const char* keras_class = "Dense";
  using LayerClass::LayerClass;
  /// `layers::Dense(256, "relu")`.
  explicit Dense(std::int64_t units, activations::Activation activation = "linear")
      : LayerClass(Options{.units = units, .activation = std::move(activation)}) {}

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  VariablePtr kernel_, bias_;
};

}  // namespace temper::layers
