// batch_normalization.hpp — batch normalization (Keras: keras.layers.BatchNormalization).
#pragma once
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Arguments of BatchNormalization, with Keras's names and defaults.
struct BatchNormalizationOptions {
  int axis = -1;           ///< the channels axis (the one that is not reduced)
  double momentum = 0.99;  ///< moving = moving * momentum + batch * (1 - momentum)
  double epsilon = 1e-3;   ///< added to the variance
  bool center = true;      ///< learn beta
  bool scale = true;       ///< learn gamma
  initializers::Initializer beta_initializer = "zeros";
  initializers::Initializer gamma_initializer = "ones";
  initializers::Initializer moving_mean_initializer = "zeros";
  initializers::Initializer moving_variance_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  std::string name{};
};

/// Normalizes each channel with batch statistics in training and moving statistics at
/// inference (Keras: keras.layers.BatchNormalization). In training (`training=true` on a
/// trainable layer) it uses the mean and biased variance of the batch over every axis but
/// `axis`, and updates the non-trainable moving_mean / moving_variance in place as
/// `moving * momentum + batch * (1 - momentum)`; otherwise, and always when the layer is frozen
/// (`trainable=false`, as in Keras), it uses the moving statistics. Weights, in Keras order:
/// gamma, beta (trainable; omitted when scale / center is false), moving_mean,
/// moving_variance (non-trainable), each of shape (C,). One fused kernel forward and backward.
class BatchNormalization final : public LayerClass<BatchNormalization, BatchNormalizationOptions> {
 public:
  static constexpr const char* keras_class = "BatchNormalization";
  using LayerClass::LayerClass;
  BatchNormalization() : LayerClass(Options{}) {}

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  /// The weights (null when disabled by scale / center).
  const VariablePtr& gamma() const noexcept { return gamma_; }
  const VariablePtr& beta() const noexcept { return beta_; }
  const VariablePtr& moving_mean() const noexcept { return moving_mean_; }
  const VariablePtr& moving_variance() const noexcept { return moving_variance_; }

 private:
  VariablePtr gamma_, beta_, moving_mean_, moving_variance_;
};

}  // namespace temper::layers
