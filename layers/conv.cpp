// conv.cpp — Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D and Conv2DTranspose.
#include "temper/layers/conv.hpp"

#include "layers/conv_common.hpp"
#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {

std::string dim(std::int64_t v) { return v < 0 ? std::string("None") : std::to_string(v); }

/// "(None, 0, 0, 8)"-style text of a shape whose batch axis is -1.
std::string shape_text(const Shape& s) { return shape_to_string(s); }

/// Rank and channel checks shared by the convolution layers (Keras InputSpec: ndim and the
/// channel axis; spatial extents may change between calls, as in Keras).
void check_conv_input(const Shape& s, std::size_t rank, const char* layout, const std::optional<Shape>& built,
                      const std::string& who) {
  if (s.size() != rank) {
    std::string m = who;
    m += " expects inputs of rank ";
    m += std::to_string(rank);
    m += " ";
    m += layout;
    m += ", got shape ";
    m += shape_text(s);
    throw ShapeError(m);
  }
  if (built && built->back() >= 0 && s.back() >= 0 && built->back() != s.back()) {
    std::string m = who;
    m += " was built for inputs of shape ";
    m += shape_text(*built);
    m += " (";
    m += std::to_string(built->back());
    m += " channels) but received an input of shape ";
    m += shape_text(s);
    throw ShapeError(m);
  }
}

void require_channels(const Shape& s, const std::string& who) {
  if (s.back() < 0) {
    std::string m = who;
    m += " needs a known channel axis (the last one), got input shape ";
    m += shape_text(s);
    throw ShapeError(m);
  }
}

/// Output height and width of a window over the input's spatial axes; a ShapeError names the
/// layer, the input shape and the (empty) output shape.
Shape spatial_out(const Shape& in, Size2 k, Size2 st, Size2 d, const std::string& padding, std::int64_t channels,
                  const std::string& who) {
  const std::int64_t oh = in[1] < 0 ? -1 : ops::conv_output_length(in[1], k.h, padding, st.h, d.h);
  const std::int64_t ow = in[2] < 0 ? -1 : ops::conv_output_length(in[2], k.w, padding, st.w, d.w);
  Shape out{in[0], oh, ow, channels};
  if ((in[1] >= 0 && oh <= 0) || (in[2] >= 0 && ow <= 0)) {
    std::string m = who;
    m += ": input shape ";
    m += shape_text(in);
    m += " is too small for a window of ";
    m += size2_text(k);
    if (d.h != 1 || d.w != 1) {
      m += " with dilation ";
      m += size2_text(d);
    }
    m += " and padding \"";
    m += padding;
    m += "\": the output shape would be (";
    m += dim(in[0]);
    m += ", ";
    m += std::to_string(oh);
    m += ", ";
    m += std::to_string(ow);
    m += ", ";
    m += dim(channels);
    m += ")";
    throw ShapeError(m);
  }
  return out;
}

Tensor apply_activation(const activations::Activation& act, const Tensor& y, bool fused) {
  if (fused || act.is_linear()) return y;
  return act(y);
}

bool is_relu(const activations::Activation& a) { return a.name() == "relu"; }

template <class O>
void read_common(const Config& c, O& o, const std::string& who) {
  o.padding = c.value("padding", std::string("valid"));
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.activation = activations::get(c.value("activation", Config("linear")));
  o.use_bias = c.value("use_bias", true);
  if (c.contains("bias_initializer")) o.bias_initializer = initializers::get(c["bias_initializer"]);
  o.bias_regularizer = regularizers::get(c.value("bias_regularizer", Config()));
  o.activity_regularizer = regularizers::get(c.value("activity_regularizer", Config()));
  o.name = c.value("name", std::string());
  check_no_constraint(c, "kernel_constraint", who);
  check_no_constraint(c, "bias_constraint", who);
  check_no_constraint(c, "depthwise_constraint", who);
  check_no_constraint(c, "pointwise_constraint", who);
}

template <class O>
void write_common(Config& c, const O& o) {
  c["padding"] = o.padding;
  c["data_format"] = o.data_format;
  c["activation"] = o.activation.get_config();
  c["use_bias"] = o.use_bias;
  c["bias_initializer"] = o.bias_initializer.get_config();
  c["bias_regularizer"] = o.bias_regularizer.get_config();
  c["activity_regularizer"] = o.activity_regularizer.get_config();
  c["bias_constraint"] = nullptr;  // constraints are not supported; read_common rejects others
}

// The `kernel` weight's arguments, shared by Conv1D, Conv2D and Conv2DTranspose.
template <class O>
void write_kernel(Config& c, const O& o) {
  c["kernel_initializer"] = o.kernel_initializer.get_config();
  c["kernel_regularizer"] = o.kernel_regularizer.get_config();
  c["kernel_constraint"] = nullptr;
}

template <class O>
void read_kernel(const Config& c, O& o) {
  if (c.contains("kernel_initializer")) o.kernel_initializer = initializers::get(c["kernel_initializer"]);
  o.kernel_regularizer = regularizers::get(c.value("kernel_regularizer", Config()));
}

void require_key(const Config& c, const char* key, const char* cls) {
  if (!c.contains(key)) {
    std::string m = cls;
    m += " config is missing '";
    m += key;
    m += "'";
    throw ConfigError(m);
  }
}

template <class L>
LayerPtr finish(const Config& c, std::shared_ptr<L> layer) {
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace

// ================================================================================================
// Conv2D
// ================================================================================================
Conv2D::Conv2D(Options o) : Layer(o.name), options_(std::move(o)) {
  const std::string who = describe();
  check_positive(options_.filters, "filters", who);
  check_positive(options_.kernel_size, "kernel_size", who);
  check_positive(options_.strides, "strides", who);
  check_positive(options_.dilation_rate, "dilation_rate", who);
  check_positive(options_.groups, "groups", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
  if (options_.filters % options_.groups != 0)
    throw ValueError(who + ": filters (" + std::to_string(options_.filters) +
                     ") must be divisible by groups (" + std::to_string(options_.groups) + ")");
}

Conv2D::Conv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation)
    : Conv2D(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}

void Conv2D::check_input_shape(const Shape& s) const {
  check_conv_input(s, 4, "(batch, height, width, channels)", build_input_shape(), describe());
}

Shape Conv2D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  if (s.back() >= 0 && s.back() % options_.groups != 0)
    throw ShapeError(describe() + ": input shape " + shape_text(s) + " has " + std::to_string(s.back()) +
                     " channels, which is not divisible by groups (" + std::to_string(options_.groups) + ")");
  return spatial_out(s, options_.kernel_size, options_.strides, options_.dilation_rate, options_.padding,
                     options_.filters, describe());
}

void Conv2D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  kernel_ = add_weight("kernel",
                       {options_.kernel_size.h, options_.kernel_size.w, s.back() / options_.groups, options_.filters},
                       options_.kernel_initializer, options_.kernel_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
  set_built(s);
}

Tensor Conv2D::call(const Tensor& x, bool) {
  const bool fuse = is_relu(options_.activation);
  Tensor y = ops::conv2d(x, kernel_->value, bias_ ? bias_->value : Tensor(), options_.strides, options_.padding,
                         options_.dilation_rate, options_.groups, fuse);
  y = apply_activation(options_.activation, y, fuse);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config Conv2D::get_config() const {
  Config c = base_config();
  c["filters"] = options_.filters;
  c["kernel_size"] = size2_json(options_.kernel_size);
  c["strides"] = size2_json(options_.strides);
  write_common(c, options_);
  c["dilation_rate"] = size2_json(options_.dilation_rate);
  c["groups"] = options_.groups;
  write_kernel(c, options_);
  return c;
}

LayerPtr Conv2D::from_config(const Config& c) {
  const std::string who = "Conv2D";
  require_key(c, "filters", "Conv2D");
  require_key(c, "kernel_size", "Conv2D");
  Options o;
  read_common(c, o, who);
  o.filters = c["filters"].get<std::int64_t>();
  o.kernel_size = read_size2(c, "kernel_size", 0, who);
  o.strides = read_size2(c, "strides", 1, who);
  o.dilation_rate = read_size2(c, "dilation_rate", 1, who);
  o.groups = c.value("groups", std::int64_t{1});
  read_kernel(c, o);
  return finish(c, std::make_shared<Conv2D>(o));
}

// ================================================================================================
// Conv1D
// ================================================================================================
Conv1D::Conv1D(Options o) : Layer(o.name), options_(std::move(o)) {
  const std::string who = describe();
  check_positive(options_.filters, "filters", who);
  check_positive(options_.kernel_size, "kernel_size", who);
  check_positive(options_.strides, "strides", who);
  check_positive(options_.dilation_rate, "dilation_rate", who);
  check_positive(options_.groups, "groups", who);
  options_.padding = check_padding(options_.padding, who, true);
  check_data_format(options_.data_format, who);
  check_strides_dilation(Size2(1, options_.strides), Size2(1, options_.dilation_rate), who);
  if (options_.filters % options_.groups != 0)
    throw ValueError(who + ": filters (" + std::to_string(options_.filters) +
                     ") must be divisible by groups (" + std::to_string(options_.groups) + ")");
}

Conv1D::Conv1D(std::int64_t filters, std::int64_t kernel_size, activations::Activation activation)
    : Conv1D(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}

void Conv1D::check_input_shape(const Shape& s) const {
  check_conv_input(s, 3, "(batch, steps, channels)", build_input_shape(), describe());
}

Shape Conv1D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  if (s.back() >= 0 && s.back() % options_.groups != 0)
    throw ShapeError(describe() + ": input shape " + shape_text(s) + " has " + std::to_string(s.back()) +
                     " channels, which is not divisible by groups (" + std::to_string(options_.groups) + ")");
  const Shape o4 = spatial_out({s[0], 1, s[1], s[2]}, Size2(1, options_.kernel_size), Size2(1, options_.strides),
                               Size2(1, options_.dilation_rate), options_.padding, options_.filters, describe());
  return {s[0], o4[2], options_.filters};
}

void Conv1D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  kernel_ = add_weight("kernel", {options_.kernel_size, s.back() / options_.groups, options_.filters},
                       options_.kernel_initializer, options_.kernel_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
  set_built(s);
}

Tensor Conv1D::call(const Tensor& x, bool) {
  const bool fuse = is_relu(options_.activation);
  Tensor y = ops::conv1d(x, kernel_->value, bias_ ? bias_->value : Tensor(), options_.strides, options_.padding,
                         options_.dilation_rate, options_.groups, fuse);
  y = apply_activation(options_.activation, y, fuse);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config Conv1D::get_config() const {
  Config c = base_config();
  c["filters"] = options_.filters;
  c["kernel_size"] = size1_json(options_.kernel_size);
  c["strides"] = size1_json(options_.strides);
  write_common(c, options_);
  c["dilation_rate"] = size1_json(options_.dilation_rate);
  c["groups"] = options_.groups;
  write_kernel(c, options_);
  return c;
}

LayerPtr Conv1D::from_config(const Config& c) {
  const std::string who = "Conv1D";
  require_key(c, "filters", "Conv1D");
  require_key(c, "kernel_size", "Conv1D");
  Options o;
  read_common(c, o, who);
  o.filters = c["filters"].get<std::int64_t>();
  o.kernel_size = read_size1(c, "kernel_size", 0, who);
  o.strides = read_size1(c, "strides", 1, who);
  o.dilation_rate = read_size1(c, "dilation_rate", 1, who);
  o.groups = c.value("groups", std::int64_t{1});
  read_kernel(c, o);
  return finish(c, std::make_shared<Conv1D>(o));
}

// ================================================================================================
// DepthwiseConv2D
// ================================================================================================
DepthwiseConv2D::DepthwiseConv2D(Options o) : Layer(o.name), options_(std::move(o)) {
  const std::string who = describe();
  check_positive(options_.kernel_size, "kernel_size", who);
  check_positive(options_.strides, "strides", who);
  check_positive(options_.dilation_rate, "dilation_rate", who);
  check_positive(options_.depth_multiplier, "depth_multiplier", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
}

DepthwiseConv2D::DepthwiseConv2D(Size2 kernel_size, std::int64_t depth_multiplier,
                                 activations::Activation activation)
    : DepthwiseConv2D(Options{.kernel_size = kernel_size, .depth_multiplier = depth_multiplier,
                              .activation = std::move(activation)}) {}

void DepthwiseConv2D::check_input_shape(const Shape& s) const {
  check_conv_input(s, 4, "(batch, height, width, channels)", build_input_shape(), describe());
}

Shape DepthwiseConv2D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  const std::int64_t ch = s.back() < 0 ? -1 : s.back() * options_.depth_multiplier;
  return spatial_out(s, options_.kernel_size, options_.strides, options_.dilation_rate, options_.padding, ch,
                     describe());
}

void DepthwiseConv2D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  kernel_ = add_weight("kernel",
                       {options_.kernel_size.h, options_.kernel_size.w, s.back(), options_.depth_multiplier},
                       options_.depthwise_initializer, options_.depthwise_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {s.back() * options_.depth_multiplier}, options_.bias_initializer,
                       options_.bias_regularizer);
  set_built(s);
}

Tensor DepthwiseConv2D::call(const Tensor& x, bool) {
  Tensor y = ops::depthwise_conv2d(x, kernel_->value, bias_ ? bias_->value : Tensor(), options_.strides,
                                   options_.padding, options_.dilation_rate);
  y = apply_activation(options_.activation, y, false);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config DepthwiseConv2D::get_config() const {
  Config c = base_config();
  c["depth_multiplier"] = options_.depth_multiplier;
  c["kernel_size"] = size2_json(options_.kernel_size);
  c["strides"] = size2_json(options_.strides);
  write_common(c, options_);
  c["dilation_rate"] = size2_json(options_.dilation_rate);
  c["depthwise_initializer"] = options_.depthwise_initializer.get_config();
  c["depthwise_regularizer"] = options_.depthwise_regularizer.get_config();
  c["depthwise_constraint"] = nullptr;
  return c;
}

LayerPtr DepthwiseConv2D::from_config(const Config& c) {
  const std::string who = "DepthwiseConv2D";
  require_key(c, "kernel_size", "DepthwiseConv2D");
  Options o;
  read_common(c, o, who);
  o.kernel_size = read_size2(c, "kernel_size", 0, who);
  o.strides = read_size2(c, "strides", 1, who);
  o.dilation_rate = read_size2(c, "dilation_rate", 1, who);
  o.depth_multiplier = c.value("depth_multiplier", std::int64_t{1});
  if (c.contains("depthwise_initializer")) o.depthwise_initializer = initializers::get(c["depthwise_initializer"]);
  o.depthwise_regularizer = regularizers::get(c.value("depthwise_regularizer", Config()));
  return finish(c, std::make_shared<DepthwiseConv2D>(o));
}

// ================================================================================================
// SeparableConv2D
// ================================================================================================
SeparableConv2D::SeparableConv2D(Options o) : Layer(o.name), options_(std::move(o)) {
  const std::string who = describe();
  check_positive(options_.filters, "filters", who);
  check_positive(options_.kernel_size, "kernel_size", who);
  check_positive(options_.strides, "strides", who);
  check_positive(options_.dilation_rate, "dilation_rate", who);
  check_positive(options_.depth_multiplier, "depth_multiplier", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
}

SeparableConv2D::SeparableConv2D(std::int64_t filters, Size2 kernel_size, activations::Activation activation)
    : SeparableConv2D(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}

void SeparableConv2D::check_input_shape(const Shape& s) const {
  check_conv_input(s, 4, "(batch, height, width, channels)", build_input_shape(), describe());
}

Shape SeparableConv2D::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return spatial_out(s, options_.kernel_size, options_.strides, options_.dilation_rate, options_.padding,
                     options_.filters, describe());
}

void SeparableConv2D::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  const std::int64_t dm = options_.depth_multiplier;
  depthwise_ = add_weight("depthwise_kernel", {options_.kernel_size.h, options_.kernel_size.w, s.back(), dm},
                          options_.depthwise_initializer, options_.depthwise_regularizer);
  pointwise_ = add_weight("pointwise_kernel", {1, 1, s.back() * dm, options_.filters}, options_.pointwise_initializer,
                          options_.pointwise_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
  set_built(s);
}

Tensor SeparableConv2D::call(const Tensor& x, bool) {
  Tensor d = ops::depthwise_conv2d(x, depthwise_->value, Tensor(), options_.strides, options_.padding,
                                   options_.dilation_rate);
  const bool fuse = is_relu(options_.activation);
  Tensor y = ops::conv2d(d, pointwise_->value, bias_ ? bias_->value : Tensor(), 1, "valid", 1, 1, fuse);
  y = apply_activation(options_.activation, y, fuse);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config SeparableConv2D::get_config() const {
  Config c = base_config();
  c["depth_multiplier"] = options_.depth_multiplier;
  c["filters"] = options_.filters;
  c["kernel_size"] = size2_json(options_.kernel_size);
  c["strides"] = size2_json(options_.strides);
  write_common(c, options_);
  c["dilation_rate"] = size2_json(options_.dilation_rate);
  c["depthwise_initializer"] = options_.depthwise_initializer.get_config();
  c["pointwise_initializer"] = options_.pointwise_initializer.get_config();
  c["depthwise_regularizer"] = options_.depthwise_regularizer.get_config();
  c["pointwise_regularizer"] = options_.pointwise_regularizer.get_config();
  c["depthwise_constraint"] = nullptr;
  c["pointwise_constraint"] = nullptr;
  return c;
}

LayerPtr SeparableConv2D::from_config(const Config& c) {
  const std::string who = "SeparableConv2D";
  require_key(c, "filters", "SeparableConv2D");
  require_key(c, "kernel_size", "SeparableConv2D");
  Options o;
  read_common(c, o, who);
  o.filters = c["filters"].get<std::int64_t>();
  o.kernel_size = read_size2(c, "kernel_size", 0, who);
  o.strides = read_size2(c, "strides", 1, who);
  o.dilation_rate = read_size2(c, "dilation_rate", 1, who);
  o.depth_multiplier = c.value("depth_multiplier", std::int64_t{1});
  if (c.contains("depthwise_initializer")) o.depthwise_initializer = initializers::get(c["depthwise_initializer"]);
  if (c.contains("pointwise_initializer")) o.pointwise_initializer = initializers::get(c["pointwise_initializer"]);
  o.depthwise_regularizer = regularizers::get(c.value("depthwise_regularizer", Config()));
  o.pointwise_regularizer = regularizers::get(c.value("pointwise_regularizer", Config()));
  return finish(c, std::make_shared<SeparableConv2D>(o));
}

// ================================================================================================
// Conv2DTranspose
// ================================================================================================
Conv2DTranspose::Conv2DTranspose(Options o) : Layer(o.name), options_(std::move(o)) {
  const std::string who = describe();
  check_positive(options_.filters, "filters", who);
  check_positive(options_.kernel_size, "kernel_size", who);
  check_positive(options_.strides, "strides", who);
  check_positive(options_.dilation_rate, "dilation_rate", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
  check_strides_dilation(options_.strides, options_.dilation_rate, who);
  if (const auto& op = options_.output_padding) {
    if (op->h < 0 || op->w < 0 || op->h >= options_.strides.h || op->w >= options_.strides.w)
      throw ValueError(who + ": output_padding " + size2_text(*op) + " must be >= 0 and smaller than the strides " +
                       size2_text(options_.strides));
  }
}

Conv2DTranspose::Conv2DTranspose(std::int64_t filters, Size2 kernel_size, activations::Activation activation)
    : Conv2DTranspose(Options{.filters = filters, .kernel_size = kernel_size, .activation = std::move(activation)}) {}

void Conv2DTranspose::check_input_shape(const Shape& s) const {
  check_conv_input(s, 4, "(batch, height, width, channels)", build_input_shape(), describe());
}

Shape Conv2DTranspose::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  std::optional<std::int64_t> oph, opw;
  if (options_.output_padding) {
    oph = options_.output_padding->h;
    opw = options_.output_padding->w;
  }
  const auto len = [&](std::int64_t n, std::int64_t k, std::int64_t st, std::int64_t d, std::optional<std::int64_t> op) {
    return n < 0 ? std::int64_t{-1} : ops::conv_transpose_output_length(n, k, options_.padding, st, d, op);
  };
  Shape out{s[0], len(s[1], options_.kernel_size.h, options_.strides.h, options_.dilation_rate.h, oph),
            len(s[2], options_.kernel_size.w, options_.strides.w, options_.dilation_rate.w, opw), options_.filters};
  if ((s[1] >= 0 && out[1] <= 0) || (s[2] >= 0 && out[2] <= 0))
    throw ShapeError(describe() + ": input shape " + shape_text(s) + " gives an empty output (" + dim(out[0]) + ", " +
                     std::to_string(out[1]) + ", " + std::to_string(out[2]) + ", " + std::to_string(out[3]) + ")");
  return out;
}

void Conv2DTranspose::build(const Shape& s) {
  compute_output_shape(s);
  require_channels(s, describe());
  kernel_ = add_weight("kernel", {options_.kernel_size.h, options_.kernel_size.w, options_.filters, s.back()},
                       options_.kernel_initializer, options_.kernel_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.filters}, options_.bias_initializer, options_.bias_regularizer);
  set_built(s);
}

Tensor Conv2DTranspose::call(const Tensor& x, bool) {
  Tensor y = ops::conv2d_transpose(x, kernel_->value, bias_ ? bias_->value : Tensor(), options_.strides,
                                   options_.padding, options_.output_padding, options_.dilation_rate);
  y = apply_activation(options_.activation, y, false);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config Conv2DTranspose::get_config() const {
  Config c = base_config();
  c["filters"] = options_.filters;
  c["kernel_size"] = size2_json(options_.kernel_size);
  c["strides"] = size2_json(options_.strides);
  write_common(c, options_);
  c["output_padding"] = options_.output_padding ? size2_json(*options_.output_padding) : Config();
  c["dilation_rate"] = size2_json(options_.dilation_rate);
  write_kernel(c, options_);
  return c;
}

LayerPtr Conv2DTranspose::from_config(const Config& c) {
  const std::string who = "Conv2DTranspose";
  require_key(c, "filters", "Conv2DTranspose");
  require_key(c, "kernel_size", "Conv2DTranspose");
  Options o;
  read_common(c, o, who);
  o.filters = c["filters"].get<std::int64_t>();
  o.kernel_size = read_size2(c, "kernel_size", 0, who);
  o.strides = read_size2(c, "strides", 1, who);
  o.dilation_rate = read_size2(c, "dilation_rate", 1, who);
  if (c.contains("output_padding") && !c["output_padding"].is_null())
    o.output_padding = read_size2(c, "output_padding", 0, who);
  read_kernel(c, o);
  return finish(c, std::make_shared<Conv2DTranspose>(o));
}

}  // namespace temper::layers
