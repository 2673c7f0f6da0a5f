// depthwise_conv.cpp — DepthwiseConv2D and SeparableConv2D.
#include "temper/layers/depthwise_conv.hpp"

#include "layers/conv_common.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

// ---- DepthwiseConv2D --------------------------------------------------------------------------
const Arguments<DepthwiseConv2D::Options>& DepthwiseConv2D::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("DepthwiseConv2D")
                               .required("kernel_size", &O::kernel_size, positive_sizes<Size2>())
                               .add("strides", &O::strides, positive_sizes<Size2>())
                               .add("padding", &O::padding, padding_names(false))
                               .add("depth_multiplier", &O::depth_multiplier, positive())
                               .add("data_format", &O::data_format, channels_last())
                               .add("dilation_rate", &O::dilation_rate, positive_sizes<Size2>())
                               .add("activation", &O::activation)
                               .add("use_bias", &O::use_bias)
                               .add("depthwise_initializer", &O::depthwise_initializer)
                               .add("bias_initializer", &O::bias_initializer)
                               .add("depthwise_regularizer", &O::depthwise_regularizer)
                               .add("bias_regularizer", &O::bias_regularizer)
                               .add("activity_regularizer", &O::activity_regularizer)
                               .add("depthwise_constraint", &O::depthwise_constraint)
                               .add("bias_constraint", &O::bias_constraint)
                               // tf.keras 2.x also writes Conv's groups (always 1 here); Keras 3 does not.
                               .unsupported("groups", 1, Effect::computation, false);
  return args;
}

namespace {
const LayerRegistration<DepthwiseConv2D> depthwise_registered{{"DepthwiseConv2D"}};
}  // namespace

DepthwiseConv2D::DepthwiseConv2D(Options o) : LayerClass(layout_checked(std::move(o), keras_class)) {
  options_.padding = lower(options_.padding);
  check_strides_dilation(options_.strides, options_.dilation_rate, keras_class);
}

DepthwiseConv2D::DepthwiseConv2D(Size2 kernel_size, std::int64_t depth_multiplier, activations::Activation activation)
    : DepthwiseConv2D(Options{.kernel_size = kernel_size, .depth_multiplier = depth_multiplier,
                              .activation = std::move(activation)}) {}

void DepthwiseConv2D::check_input_shape(const Shape& s) const {
  check_rank(s, 4, describe());
  check_channels(s, build_input_shape(), describe());
}

Shape DepthwiseConv2D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  const std::int64_t ch = s.back() < 0 ? -1 : s.back() * options_.depth_multiplier;
  return window_output(s, axes_of(options_.kernel_size), axes_of(options_.strides), axes_of(options_.dilation_rate),
                       options_.padding, ch, describe());
}

void DepthwiseConv2D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  const Size2 k = options_.kernel_size;
  kernel_ = add_weight("kernel", {k.h, k.w, s.back(), options_.depth_multiplier}, options_.depthwise_initializer,
                       options_.depthwise_regularizer);
  kernel_->constraint = options_.depthwise_constraint;
  if (options_.use_bias) {
    bias_ = add_weight("bias", {s.back() * options_.depth_multiplier}, options_.bias_initializer,
                       options_.bias_regularizer);
    bias_->constraint = options_.bias_constraint;
  }
  set_built(s);
}

Tensor DepthwiseConv2D::call(const Tensor& x, bool) {
  Tensor y = ops::depthwise_conv2d(x, kernel_->value, bias_ ? bias_->value : Tensor(), options_.strides,
                                   options_.padding, options_.dilation_rate);
  if (!options_.activation.is_linear()) y = options_.activation(y);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

// ---- SeparableConv2D --------------------------------------------------------------------------
const Arguments<SeparableConv2D::Options>& SeparableConv2D::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("SeparableConv2D")
                               .required("filters", &O::filters, positive())
                               .required("kernel_size", &O::kernel_size, positive_sizes<Size2>())
                               .add("strides", &O::strides, positive_sizes<Size2>())
                               .add("padding", &O::padding, padding_names(false))
                               .add("data_format", &O::data_format, channels_last())
                               .add("dilation_rate", &O::dilation_rate, positive_sizes<Size2>())
                               .add("depth_multiplier", &O::depth_multiplier, positive())
                               .add("activation", &O::activation)
                               .add("use_bias", &O::use_bias)
                               .add("depthwise_initializer", &O::depthwise_initializer)
                               .add("pointwise_initializer", &O::pointwise_initializer)
                               .add("bias_initializer", &O::bias_initializer)
                               .add("depthwise_regularizer", &O::depthwise_regularizer)
                               .add("pointwise_regularizer", &O::pointwise_regularizer)
                               .add("bias_regularizer", &O::bias_regularizer)
                               .add("activity_regularizer", &O::activity_regularizer)
                               .add("depthwise_constraint", &O::depthwise_constraint)
                               .add("pointwise_constraint", &O::pointwise_constraint)
                               .add("bias_constraint", &O::bias_constraint)
                               // Stray Conv keys that tf.keras 2.x writes for SeparableConv; unused.
                               .unsupported("groups", 1, Effect::computation, false)
                               .unsupported("kernel_initializer", nullptr, Effect::training_only, false)
                               .unsupported("kernel_regularizer", nullptr, Effect::training_only, false)
                               .unsupported("kernel_constraint", nullptr, Effect::training_only, false);
  return args;
}

namespace {
const LayerRegistration<SeparableConv2D> separable_registered{{"SeparableConv2D", "SeparableConvolution2D"}};
}  // namespace

SeparableConv2D::SeparableConv2D(Options o) : LayerClass(layout_checked(std::move(o), keras_class)) {
  options_.padding = lower(options_.padding);
  check_strides_dilation(options_.strides, options_.dilation_rate, keras_class);
}

SeparableConv2D::SeparableConv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation)
    : SeparableConv2D(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}

void SeparableConv2D::check_input_shape(const Shape& s) const {
  check_rank(s, 4, describe());
  check_channels(s, build_input_shape(), describe());
}

Shape SeparableConv2D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return window_output(s, axes_of(options_.kernel_size), axes_of(options_.strides), axes_of(options_.dilation_rate),
                       options_.padding, options_.filters, describe());
}

void SeparableConv2D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  const std::int64_t dm = options_.depth_multiplier;
  const Size2 k = options_.kernel_size;
  depthwise_ = add_weight("depthwise_kernel", {k.h, k.w, s.back(), dm}, options_.depthwise_initializer,
                          options_.depthwise_regularizer);
  pointwise_ = add_weight("pointwise_kernel", {1, 1, s.back() * dm, options_.filters}, options_.pointwise_initializer,
                          options_.pointwise_regularizer);
  depthwise_->constraint = options_.depthwise_constraint;
  pointwise_->constraint = options_.pointwise_constraint;
  if (options_.use_bias) {
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
    bias_->constraint = options_.bias_constraint;
  }
  set_built(s);
}

Tensor SeparableConv2D::call(const Tensor& x, bool) {
  Tensor d = ops::depthwise_conv2d(x, depthwise_->value, Tensor(), options_.strides, options_.padding,
                                   options_.dilation_rate);
  const bool fuse = options_.activation.name() == "relu";
  Tensor y = ops::conv2d(d, pointwise_->value, bias_ ? bias_->value : Tensor(), 1, "valid", 1, 1, fuse);
  if (!fuse && !options_.activation.is_linear()) y = options_.activation(y);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

}  // namespace temper::layers
