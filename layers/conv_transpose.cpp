// conv_transpose.cpp — ConvTransposeND<Rank> (Keras BaseConvTranspose) and its thin classes
// Conv1DTranspose and Conv2DTranspose. The 1-D form runs the 2-D op on a height-1 view.
#include "layers/conv_common.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/layers/conv.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {

template <int R> Arguments<ConvTransposeOptions<R>> conv_transpose_arguments(std::string owner) {
  using O = ConvTransposeOptions<R>;
  using S = SizeN<R>;
  return Arguments<O>(std::move(owner))
      .required("filters", &O::filters, positive())
      .required("kernel_size", &O::kernel_size, positive_sizes<S>())
      .add("strides", &O::strides, positive_sizes<S>())
      .add("padding", &O::padding, padding_names(false))
      .add("output_padding", &O::output_padding)
      .add("data_format", &O::data_format, channels_last())
      .add("dilation_rate", &O::dilation_rate, positive_sizes<S>())
      .add("activation", &O::activation)
      .add("use_bias", &O::use_bias)
      .add("kernel_initializer", &O::kernel_initializer)
      .add("bias_initializer", &O::bias_initializer)
      .add("kernel_regularizer", &O::kernel_regularizer)
      .add("bias_regularizer", &O::bias_regularizer)
      .add("activity_regularizer", &O::activity_regularizer)
      .add("kernel_constraint", &O::kernel_constraint)
      .add("bias_constraint", &O::bias_constraint)
      // tf.keras 2.x writes Conv's groups (always 1 for a transposed convolution); Keras 3 does not.
      .unsupported("groups", 1, Effect::computation, false);
}

/// A 1-D size as the 2-D size of a height-1 view (`fill` along the height).
Size2 as2(Size1 s, std::int64_t fill = 1) { return {fill, s.value}; }
Size2 as2(Size2 s, std::int64_t = 1) { return s; }

}  // namespace

template <int R>
ConvTransposeND<R>::ConvTransposeND(Options o, const Arguments<Options>& args)
    : LayerWithOptions<Options>(layout_checked(std::move(o), args.owner()), args) {
  const std::string who = args.owner();
  options_.padding = lower(options_.padding);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
  if (const auto& op = options_.output_padding) {
    const auto p = axes_of(*op), s = axes_of(options_.strides);
    for (std::size_t i = 0; i < p.size(); ++i)
      if (p[i] < 0 || p[i] >= s[i])
        throw ValueError(who + ": output_padding " + tuple_text(p) + " must be >= 0 and smaller than the strides " +
                         tuple_text(s));
  }
}

template <int R> void ConvTransposeND<R>::check_input_shape(const Shape& s) const {
  check_rank(s, R + 2, this->describe());
  check_channels(s, this->build_input_shape(), this->describe());
}

template <int R> Shape ConvTransposeND<R>::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  const auto k = axes_of(options_.kernel_size), st = axes_of(options_.strides), d = axes_of(options_.dilation_rate);
  Shape out{s[0]};
  bool empty = false;
  for (std::size_t i = 0; i < k.size(); ++i) {
    std::optional<std::int64_t> op;
    if (options_.output_padding) op = axes_of(*options_.output_padding)[i];
    const std::int64_t n = s[i + 1];
    out.push_back(n < 0 ? -1 : ops::conv_transpose_output_length(n, k[i], options_.padding, st[i], d[i], op));
    if (n >= 0 && out.back() <= 0) empty = true;
  }
  out.push_back(options_.filters);
  if (empty)
    throw ShapeError(this->describe() + ": input shape " + shape_to_string(s) + " gives an empty output " +
                     shape_to_string(out));
  return out;
}

template <int R> void ConvTransposeND<R>::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, this->describe());
  Shape ks;
  for (auto k : axes_of(options_.kernel_size)) ks.push_back(k);
  ks.push_back(options_.filters);
  ks.push_back(s.back());
  kernel_ = this->add_weight("kernel", ks, options_.kernel_initializer, options_.kernel_regularizer);
  kernel_->constraint = options_.kernel_constraint;
  if (options_.use_bias) {
    bias_ = this->add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
    bias_->constraint = options_.bias_constraint;
  }
  this->set_built(s);
}

template <int R> Tensor ConvTransposeND<R>::call(const Tensor& x, bool) {
  const Options& o = options_;
  std::optional<Size2> op;
  if (o.output_padding) op = as2(*o.output_padding, 0);
  Tensor xv = x, k = kernel_->value;
  if constexpr (R == 1) {  // (N, L, C) as (N, 1, L, C); kernel (k, F, C) as (1, k, F, C)
    xv = ops::reshape(x, {x.shape()[0], 1, x.shape()[1], x.shape()[2]});
    k = ops::expand_dims(k, 0);
  }
  Tensor y = ops::conv2d_transpose(xv, k, bias_ ? bias_->value : Tensor(), as2(o.strides), o.padding, op,
                                   as2(o.dilation_rate));
  if constexpr (R == 1) y = ops::squeeze(y, 1);
  if (!o.activation.is_linear()) y = o.activation(y);
  if (o.activity_regularizer.active()) this->add_loss(o.activity_regularizer(y));
  return y;
}

template class ConvTransposeND<1>;
template class ConvTransposeND<2>;

// ---- Conv1DTranspose, Conv2DTranspose -----------------------------------------------------------
const Arguments<Conv1DTranspose::Options>& Conv1DTranspose::arguments() {
  static const auto args = conv_transpose_arguments<1>("Conv1DTranspose");
  return args;
}
const Arguments<Conv2DTranspose::Options>& Conv2DTranspose::arguments() {
  static const auto args = conv_transpose_arguments<2>("Conv2DTranspose");
  return args;
}

namespace {
const LayerRegistration<Conv1DTranspose> conv1d_transpose_registered{{"Conv1DTranspose", "Convolution1DTranspose"}};
const LayerRegistration<Conv2DTranspose> conv2d_transpose_registered{{"Conv2DTranspose", "Convolution2DTranspose"}};
}  // namespace

}  // namespace temper::layers
