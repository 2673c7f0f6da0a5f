// conv.hpp — convolution layers (Keras: keras.layers.Conv1D, Conv2D, DepthwiseConv2D,
// SeparableConv2D, Conv2DTranspose).
//
// Inputs are channels_last: (batch, steps, channels) for Conv1D and (batch, height, width,
// channels) for the 2-D layers. Kernels are stored exactly as Keras stores them, so weights
// map one to one: Conv (k..., in / groups, filters), DepthwiseConv2D (kh, kw, in,
// depth_multiplier), SeparableConv2D depthwise (kh, kw, in, dm) + pointwise (1, 1, in * dm,
// filters), Conv2DTranspose (kh, kw, filters, in). `data_format` exists for config
// compatibility and accepts only "channels_last"; constraints are accepted only as null.
#pragma once
#include <optional>

#include "temper/activations.hpp"
#include "temper/layer.hpp"
#include "temper/ops/convolution.hpp"

namespace temper::layers {

using ops::Size2;

/// Constructor arguments of Conv2D, with Keras's names and defaults.
struct Conv2DOptions {
  std::int64_t filters = 0;
  Size2 kernel_size = 0;  ///< required; `3` means (3, 3)
  Size2 strides = 1;
  std::string padding = "valid";  ///< "valid" or "same"
  std::string data_format = "channels_last";
  Size2 dilation_rate = 1;
  std::int64_t groups = 1;
  activations::Activation activation = "linear";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  std::string name{};
};

/// 2-D convolution over (batch, height, width, channels) (Keras: keras.layers.Conv2D):
/// `activation(conv(inputs, kernel) + bias)` with kernel (kh, kw, in / groups, filters).
/// Output height with "valid" padding is floor((H - dilation * (kh - 1) - 1) / stride) + 1,
/// with "same" ceil(H / stride) (width likewise), exactly as in Keras. A relu activation is
/// fused into the convolution kernel.
class Conv2D final : public Layer {
 public:
  using Options = Conv2DOptions;
  explicit Conv2D(Options options);
  /// `layers::Conv2D(32, 3, "relu")`.
  Conv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear");

  std::string class_name() const override { return "Conv2D"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

/// Constructor arguments of Conv1D, with Keras's names and defaults.
struct Conv1DOptions {
  std::int64_t filters = 0;
  std::int64_t kernel_size = 0;  ///< required
  std::int64_t strides = 1;
  std::string padding = "valid";  ///< "valid", "same" or "causal"
  std::string data_format = "channels_last";
  std::int64_t dilation_rate = 1;
  std::int64_t groups = 1;
  activations::Activation activation = "linear";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  std::string name{};
};

/// 1-D convolution over (batch, steps, channels) (Keras: keras.layers.Conv1D), kernel
/// (kernel_size, in / groups, filters). "causal" padding pads dilation * (kernel_size - 1)
/// zeros on the left, so output t never sees inputs after t.
class Conv1D final : public Layer {
 public:
  using Options = Conv1DOptions;
  explicit Conv1D(Options options);
  /// `layers::Conv1D(16, 5, "relu")`.
  Conv1D(std::int64_t filters, std::int64_t kernel_size, activations::Activation activation = "linear");

  std::string class_name() const override { return "Conv1D"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

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
  std::string name{};
};

/// Depthwise 2-D convolution (Keras: keras.layers.DepthwiseConv2D): each input channel c is
/// convolved with its own depth_multiplier filters, giving channels c * dm + m. Kernel
/// (kh, kw, in, depth_multiplier) (named "kernel", as in Keras 3), bias (in * dm).
class DepthwiseConv2D final : public Layer {
 public:
  using Options = DepthwiseConv2DOptions;
  explicit DepthwiseConv2D(Options options);
  /// `layers::DepthwiseConv2D(3)`.
  explicit DepthwiseConv2D(Size2 kernel_size, std::int64_t depth_multiplier = 1,
                           activations::Activation activation = "linear");

  std::string class_name() const override { return "DepthwiseConv2D"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
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
  std::string name{};
};

/// Depthwise separable 2-D convolution (Keras: keras.layers.SeparableConv2D): a depthwise
/// convolution (kh, kw, in, dm) with the strides, padding and dilation, then a 1x1
/// pointwise convolution (1, 1, in * dm, filters), then bias and activation.
class SeparableConv2D final : public Layer {
 public:
  using Options = SeparableConv2DOptions;
  explicit SeparableConv2D(Options options);
  /// `layers::SeparableConv2D(64, 3, "relu")`.
  SeparableConv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear");

  std::string class_name() const override { return "SeparableConv2D"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  const Options& options() const noexcept { return options_; }
  const VariablePtr& depthwise_kernel() const noexcept { return depthwise_; }
  const VariablePtr& pointwise_kernel() const noexcept { return pointwise_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
  VariablePtr depthwise_, pointwise_, bias_;
};

/// Constructor arguments of Conv2DTranspose, with Keras's names and defaults.
struct Conv2DTransposeOptions {
  std::int64_t filters = 0;
  Size2 kernel_size = 0;  ///< required
  Size2 strides = 1;
  std::string padding = "valid";
  std::optional<Size2> output_padding{};  ///< each < its stride; null = inferred (Keras None)
  std::string data_format = "channels_last";
  Size2 dilation_rate = 1;
  activations::Activation activation = "linear";
  bool use_bias = true;
  initializers::Initializer kernel_initializer = "glorot_uniform";
  initializers::Initializer bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  std::string name{};
};

/// Transposed 2-D convolution (Keras: keras.layers.Conv2DTranspose), the gradient of a
/// Conv2D with respect to its input: upsamples by the strides. Kernel (kh, kw, filters, in)
/// (the last two axes swapped relative to Conv2D), bias (filters). Output height with
/// "valid" padding is H * stride + max(kh - stride, 0), with "same" H * stride, or
/// (H - 1) * stride + kh - 2 * pad + output_padding when output_padding is given.
class Conv2DTranspose final : public Layer {
 public:
  using Options = Conv2DTransposeOptions;
  explicit Conv2DTranspose(Options options);
  /// `layers::Conv2DTranspose(32, 3)`.
  Conv2DTranspose(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear");

  std::string class_name() const override { return "Conv2DTranspose"; }
  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

}  // namespace temper::layers
