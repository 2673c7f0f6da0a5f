// conv_base.hpp — the shared bases of the convolution layers (Keras: BaseConv and
// BaseConvTranspose; PyTorch: ConvNdImpl<D>): ConvND<Rank> and ConvTransposeND<Rank>, with
// their options. The layers themselves (Conv1D, Conv2D, Conv3D, Conv1DTranspose,
// Conv2DTranspose) are thin classes in conv.hpp.
#pragma once
#include <optional>
#include <string>

#include "temper/activations.hpp"
#include "temper/initializers.hpp"
#include "temper/layers/layer_class.hpp"
#include "temper/layers/sizes.hpp"
#include "temper/regularizers.hpp"

namespace temper::layers {

/// Constructor arguments of Conv1D, Conv2D and Conv3D, with Keras's names and defaults.
template <int Rank> struct ConvOptions {
  std::int64_t filters = 0;
  SizeN<Rank> kernel_size = 0;  ///< required; `3` means 3 along every spatial axis
  SizeN<Rank> strides = 1;
  std::string padding = "valid";  ///< "valid" or "same" ("causal" too for Conv1D)
  std::string data_format = "channels_last";
  SizeN<Rank> dilation_rate = 1;
  std::int64_t groups = 1;
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

/// N-D convolution over (batch, spatial..., channels) (Keras: BaseConv):
/// `activation(conv(inputs, kernel) + bias)` with kernel (k..., in / groups, filters). Output
/// length along an axis with "valid" padding is floor((n - dilation * (k - 1) - 1) / stride) + 1,
/// with "same" (and "causal") ceil(n / stride), exactly as in Keras. A relu activation is fused
/// into the 1-D and 2-D convolution kernels.
/// Each concrete class derives from LayerClass<Itself, ConvOptions<Rank>, ConvND<Rank>>.
template <int Rank> class ConvND : public LayerWithOptions<ConvOptions<Rank>> {
 public:
  using Options = ConvOptions<Rank>;

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  /// `args` is the class's argument table (its checks run here).
  ConvND(Options options, const Arguments<Options>& args);
  using LayerWithOptions<Options>::options_;

 private:
  VariablePtr kernel_, bias_;
};

/// Constructor arguments of Conv1DTranspose and Conv2DTranspose (Keras names and defaults).
template <int Rank> struct ConvTransposeOptions {
  std::int64_t filters = 0;
  SizeN<Rank> kernel_size = 0;  ///< required
  SizeN<Rank> strides = 1;
  std::string padding = "valid";
  std::optional<SizeN<Rank>> output_padding{};  ///< each < its stride; null = inferred (Keras None)
  std::string data_format = "channels_last";
  SizeN<Rank> dilation_rate = 1;
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

/// N-D transposed convolution (Keras: BaseConvTranspose), the gradient of a convolution with
/// respect to its input: upsamples by the strides. Kernel (k..., filters, in) (the last two
/// axes swapped relative to Conv), bias (filters). Output length with "valid" padding is
/// n * stride + max(k - stride, 0), with "same" n * stride, or
/// (n - 1) * stride + k - 2 * pad + output_padding when output_padding is given.
/// Each concrete class derives from LayerClass<Itself, ConvTransposeOptions<Rank>, ConvTransposeND<Rank>>.
template <int Rank> class ConvTransposeND : public LayerWithOptions<ConvTransposeOptions<Rank>> {
 public:
  using Options = ConvTransposeOptions<Rank>;

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;

  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  ConvTransposeND(Options options, const Arguments<Options>& args);
  using LayerWithOptions<Options>::options_;

 private:
  VariablePtr kernel_, bias_;
};

extern template class ConvND<1>;
extern template class ConvND<2>;
extern template class ConvND<3>;
extern template class ConvTransposeND<1>;
extern template class ConvTransposeND<2>;

}  // namespace temper::layers
