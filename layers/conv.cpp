// conv.cpp — ConvND<Rank> (Keras BaseConv) and its thin classes Conv1D, Conv2D and Conv3D.
#include "temper/layers/conv.hpp"

#include "layers/conv_common.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {

/// The arguments every Conv writes (Keras BaseConv.get_config); Conv1D also takes "causal".
template <int R> Arguments<ConvOptions<R>> conv_arguments(std::string owner) {
  using O = ConvOptions<R>;
  using S = SizeN<R>;
  return Arguments<O>(std::move(owner))
      .required("filters", &O::filters, positive())
      .required("kernel_size", &O::kernel_size, positive_sizes<S>())
      .add("strides", &O::strides, positive_sizes<S>())
      .add("padding", &O::padding, padding_names(R == 1))
      .add("data_format", &O::data_format, channels_last())
      .add("dilation_rate", &O::dilation_rate, positive_sizes<S>())
      .add("groups", &O::groups, positive())
      .add("activation", &O::activation)
      .add("use_bias", &O::use_bias)
      .add("kernel_initializer", &O::kernel_initializer)
      .add("bias_initializer", &O::bias_initializer)
      .add("kernel_regularizer", &O::kernel_regularizer)
      .add("bias_regularizer", &O::bias_regularizer)
      .add("activity_regularizer", &O::activity_regularizer)
      .add("kernel_constraint", &O::kernel_constraint)
      .add("bias_constraint", &O::bias_constraint)
      // Keras 3.3+ writes lora_rank when set and saves the merged kernel: inert once loaded.
      .unsupported("lora_rank", nullptr, Effect::training_only, false)
      .unsupported("lora_alpha", nullptr, Effect::training_only, false);
}

/// 3-D convolution from 2-D ones: output depth o sums, over the kernel's depth taps i, the
/// 2-D convolution of input depth o * stride + i * dilation (after "same" zero padding of the
/// depth axis) with kernel[i]. Every op used is differentiable.
Tensor conv3d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size3 st, const std::string& padding,
              Size3 dil, std::int64_t groups) {
  const Shape& s = x.shape();  // (N, D, H, W, C)
  const Shape& ks = kernel.shape();
  const std::int64_t N = s[0], D = s[1], H = s[2], W = s[3], C = s[4], KD = ks[0];
  const std::int64_t OD = ops::conv_output_length(D, KD, padding, st.d, dil.d);
  const std::int64_t before = ops::conv_padding_before(D, KD, padding, st.d, dil.d);
  const std::int64_t total = std::max(D + before, (KD - 1) * dil.d + OD * st.d);
  Tensor xp = x;
  if (before > 0 || total > D) {  // zero-pad the depth axis through a (N, D, H * W, C) view
    xp = ops::zero_pad2d(ops::reshape(x, {N, D, H * W, C}), before, total - D - before, 0, 0);
    xp = ops::reshape(xp, {N, total, H, W, C});
  }
  Tensor y;
  for (std::int64_t i = 0; i < KD; ++i) {
    Tensor xi = ops::slice(xp, 1, i * dil.d, i * dil.d + OD * st.d);
    if (st.d > 1)  // every st.d-th depth: (N, OD, st.d, ...) and its first entry
      xi = ops::slice(ops::reshape(xi, {N, OD, st.d, H, W, C}), 2, 0, 1);
    xi = ops::reshape(xi, {N * OD, H, W, C});
    const Tensor ki = ops::reshape(ops::slice(kernel, 0, i, i + 1), {ks[1], ks[2], ks[3], ks[4]});
    Tensor yi = ops::conv2d(xi, ki, i == 0 ? bias : Tensor(), Size2(st.h, st.w), padding, Size2(dil.h, dil.w), groups);
    y = i == 0 ? yi : ops::add(y, yi);
  }
  const Shape& ys = y.shape();
  return ops::reshape(y, {N, OD, ys[1], ys[2], ys[3]});
}

}  // namespace

// ---- ConvND<R> --------------------------------------------------------------------------------
template <int R>
ConvND<R>::ConvND(Options o, const Arguments<Options>& args)
    : LayerWithOptions<Options>(layout_checked(std::move(o), args.owner()), args) {
  const std::string who = args.owner();
  options_.padding = lower(options_.padding);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
  if (options_.filters % options_.groups != 0)
    throw ValueError(who + ": filters (" + std::to_string(options_.filters) + ") must be divisible by groups (" +
                     std::to_string(options_.groups) + ")");
}

template <int R> void ConvND<R>::check_input_shape(const Shape& s) const {
  check_rank(s, R + 2, this->describe());
  check_channels(s, this->build_input_shape(), this->describe());
}

template <int R> Shape ConvND<R>::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  if (s.back() >= 0 && s.back() % options_.groups != 0)
    throw ShapeError(this->describe() + ": input shape " + shape_to_string(s) + " has " + std::to_string(s.back()) +
                     " channels, which is not divisible by groups (" + std::to_string(options_.groups) + ")");
  return window_output(s, axes_of(options_.kernel_size), axes_of(options_.strides), axes_of(options_.dilation_rate),
                       options_.padding, options_.filters, this->describe());
}

template <int R> void ConvND<R>::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, this->describe());
  Shape ks;
  for (auto k : axes_of(options_.kernel_size)) ks.push_back(k);
  ks.push_back(s.back() / options_.groups);
  ks.push_back(options_.filters);
  kernel_ = this->add_weight("kernel", ks, options_.kernel_initializer, options_.kernel_regularizer);
  kernel_->constraint = options_.kernel_constraint;
  if (options_.use_bias) {
    bias_ = this->add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
    bias_->constraint = options_.bias_constraint;
  }
  this->set_built(s);
}

template <int R> Tensor ConvND<R>::call(const Tensor& x, bool) {
  const Options& o = options_;
  const Tensor b = bias_ ? bias_->value : Tensor();
  const bool fuse = R < 3 && o.activation.name() == "relu";
  Tensor y;
  if constexpr (R == 1)
    y = ops::conv1d(x, kernel_->value, b, o.strides, o.padding, o.dilation_rate, o.groups, fuse);
  else if constexpr (R == 2)
    y = ops::conv2d(x, kernel_->value, b, o.strides, o.padding, o.dilation_rate, o.groups, fuse);
  else
    y = conv3d(x, kernel_->value, b, o.strides, o.padding, o.dilation_rate, o.groups);
  if (!fuse && !o.activation.is_linear()) y = o.activation(y);
  if (o.activity_regularizer.active()) this->add_loss(o.activity_regularizer(y));
  return y;
}

template class ConvND<1>;
template class ConvND<2>;
template class ConvND<3>;

// ---- Conv1D, Conv2D, Conv3D ---------------------------------------------------------------------
const Arguments<Conv1D::Options>& Conv1D::arguments() {
  static const auto args = conv_arguments<1>("Conv1D");
  return args;
}
const Arguments<Conv2D::Options>& Conv2D::arguments() {
  static const auto args = conv_arguments<2>("Conv2D");
  return args;
}
const Arguments<Conv3D::Options>& Conv3D::arguments() {
  static const auto args = conv_arguments<3>("Conv3D");
  return args;
}

namespace {
const LayerRegistration<Conv1D> conv1d_registered{{"Conv1D", "Convolution1D"}};
const LayerRegistration<Conv2D> conv2d_registered{{"Conv2D", "Convolution2D"}};
const LayerRegistration<Conv3D> conv3d_registered{{"Conv3D", "Convolution3D"}};
}  // namespace

}  // namespace temper::layers
