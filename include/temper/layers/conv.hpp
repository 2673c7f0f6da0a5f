// conv.hpp — convolution layers (Keras: keras.layers.Conv1D, Conv2D, Conv3D,
// Conv1DTranspose, Conv2DTranspose; DepthwiseConv2D and SeparableConv2D in depthwise_conv.hpp).
//
// Inputs are channels_last: (batch, steps, channels) for the 1-D layers, (batch, height, width,
// channels) for the 2-D ones and (batch, depth, height, width, channels) for Conv3D. Kernels
// are stored exactly as Keras stores them, so weights map one to one: Conv (k..., in / groups,
// filters), ConvTranspose (k..., filters, in). `data_format` exists for config compatibility
// and accepts only "channels_last"; constraints are accepted only from Keras files (and ignored).
// Each class is a thin class over ConvND<Rank> / ConvTransposeND<Rank> (conv_base.hpp).
#pragma once
#include "temper/layers/conv_base.hpp"
#include "temper/layers/depthwise_conv.hpp"

namespace temper::layers {

using Conv1DOptions = ConvOptions<1>;
using Conv2DOptions = ConvOptions<2>;
using Conv3DOptions = ConvOptions<3>;
using Conv1DTransposeOptions = ConvTransposeOptions<1>;
using Conv2DTransposeOptions = ConvTransposeOptions<2>;

/// 1-D convolution over (batch, steps, channels) (Keras: keras.layers.Conv1D), kernel
/// (kernel_size, in / groups, filters). "causal" padding pads dilation * (kernel_size - 1)
/// zeros on the left, so output t never sees inputs after t.
class Conv1D final : public LayerClass<Conv1D, Conv1DOptions, ConvND<1>> {
 public:
  static constexpr const char* keras_class = "Conv1D";
  using LayerClass::LayerClass;
  /// `layers::Conv1D(16, 5, "relu")`.
  Conv1D(std::int64_t filters, Size1 kernel_size, activations::Activation activation = "linear")
      : LayerClass(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();
};

/// 2-D convolution over (batch, height, width, channels) (Keras: keras.layers.Conv2D), kernel
/// (kh, kw, in / groups, filters).
class Conv2D final : public LayerClass<Conv2D, Conv2DOptions, ConvND<2>> {
 public:
  static constexpr const char* keras_class = "Conv2D";
  using LayerClass::LayerClass;
  /// `layers::Conv2D(32, 3, "relu")`.
  Conv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear")
      : LayerClass(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}
  static const Arguments<Options>& arguments();
};

/// 3-D convolution over (batch, depth, height, width, channels) (Keras: keras.layers.Conv3D),
/// kernel (kd, kh, kw, in / groups, filters). Computed as a sum over the kernel's depth taps of
/// 2-D convolutions of depth slices.
class Conv3D final : public LayerClass<Conv3D, Conv3DOptions, ConvND<3>> {
 public:
  static constexpr const char* keras_class = "Conv3D";
  using LayerClass::LayerClass;
  /// `layers::Conv3D(8, 3, "relu")`.
  Conv3D(std::int64_t filters, Size3 kernel_size, activations::Activation activation = "linear")
      : LayerClass(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}
  static const Arguments<Options>& arguments();
};

/// Transposed 1-D convolution over (batch, steps, channels) (Keras: keras.layers.Conv1DTranspose),
/// kernel (kernel_size, filters, in).
class Conv1DTranspose final : public LayerClass<Conv1DTranspose, Conv1DTransposeOptions, ConvTransposeND<1>> {
 public:
  static constexpr const char* keras_class = "Conv1DTranspose";
  using LayerClass::LayerClass;
  /// `layers::Conv1DTranspose(16, 3)`.
  Conv1DTranspose(std::int64_t filters, Size1 kernel_size, activations::Activation activation = "linear")
      : LayerClass(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}
  static const Arguments<Options>& arguments();
};

/// Transposed 2-D convolution (Keras: keras.layers.Conv2DTranspose), kernel (kh, kw, filters, in).
class Conv2DTranspose final : public LayerClass<Conv2DTranspose, Conv2DTransposeOptions, ConvTransposeND<2>> {
 public:
  static constexpr const char* keras_class = "Conv2DTranspose";
  using LayerClass::LayerClass;
  /// `layers::Conv2DTranspose(32, 3)`.
  Conv2DTranspose(std::int64_t filters, Size2 kernel_size, activations::Activation activation = "linear")
      : LayerClass(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
