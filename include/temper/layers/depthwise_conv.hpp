// depthwise_conv.hpp — depthwise and depthwise-separable 2-D convolutions (Keras:
// keras.layers.DepthwiseConv2D, SeparableConv2D). Inputs are (batch, height, width, channels);
// kernels are stored as Keras stores them: DepthwiseConv2D (kh, kw, in, depth_multiplier),
// SeparableConv2D depthwise (kh, kw, in, dm) + pointwise (1, 1, in * dm, filters).
#pragma once
#include <string>

#include "temper/activations.hpp"
#include "temper/initializers.hpp"
#include "temper/layers/layer_class.hpp"
#include "temper/layers/sizes.hpp"
#include "temper/regularizers.hpp"

namespace temper::layers {

/// Constructor arguments of DepthwiseConv2D, with Keras's names and defaults.
struct DepthwiseConv2DOptions {
  Size2 kernel_size = 0;  ///< required
  Size2 strides = 1;
  std::string padding = "valid";
  std::int64_t depth_multiplier = 1;
  std::string data_format = "channels_last";
  Size2 dilation_rate = 1;
  activations::Activation activation = "linear";
  bool use_bias = true;
  initializers::Initializer depthwise_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer depthwise_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint depthwise_constraint = {};
  constraints::Constraint bias_constraint = {};
  std::string name{};
};

/// Depthwise 2-D convolution (Keras: keras.layers.DepthwiseConv2D): each input channel c is
/// convolved with its own depth_multiplier filters, giving channels c * dm + m. Kernel
/// (kh, kw, in, depth_multiplier) (named "kernel", as in Keras 3), bias (in * dm).
class DepthwiseConv2D final : public LayerClass<DepthwiseConv2D, DepthwiseConv2DOptions> {
 public:
  static constexpr const char* keras_class = "DepthwiseConv2D";
  explicit DepthwiseConv2D(Options options);
  /// `layers::DepthwiseConv2D(3)`.
  explicit DepthwiseConv2D(Size2 kernel_size, std::int64_t depth_multiplier = 1,
                           activations::Activation activation = "linear");

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

/// Constructor arguments of SeparableConv2D, with Keras's names and defaults.
struct SeparableConv2DOptions {
  std::int64_t filters = 0;
  Size2 kernel_size = 0;  ///< required
  Size2 strides = 1;
  std::string padding = "valid";
  std::string data_format = "channels_last";
  Size2 dilation_rate = 1;
  std::int64_t depth_multiplier = 1;
  activations::Activation activation = "linear";
  bool use_bias = true;
  initializers::Initializer depthwise_initializer = "glorot_uniform";
  initializers::Initializer pointwise_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer depthwise_regularizer = {};
  regularizers::Regularizer pointwise_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint depthwise_constraint = {};
  constraints::Constraint pointwise_constraint = {};
  constraints::Constraint bias_constraint = {};
  std::string name{};
};

/// Depthwise separable 2-D convolution (Keras: keras.layers.SeparableConv2D): a depthwise
/// convolution (kh, kw, in, dm) with the strides, padding and dilation, then a 1x1
/// pointwise convolution (1, 1, in * dm, filters), then bias and activation.
class SeparableConv2D final : public LayerClass<SeparableConv2D, SeparableConv2DOptions> {
 public:
  static constexpr const char* keras_class = "SeparableConv2D";
  explicit SeparableConv2D(Options options);
  /// `layers::SeparableConv2D(64, 3, "relu")`.
  SeparableConv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear");

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  static const Arguments<Options>& arguments();

  const VariablePtr& depthwise_kernel() const noexcept { return depthwise_; }
  const VariablePtr& pointwise_kernel() const noexcept { return pointwise_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  VariablePtr depthwise_, pointwise_, bias_;
};

}  // namespace temper::layers
