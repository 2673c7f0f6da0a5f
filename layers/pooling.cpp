// pooling.cpp — MaxPooling1D/2D, AveragePooling1D/2D and the global pooling layers.
#include "temper/layers/pooling.hpp"

#include "layers/conv_common.hpp"
#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {
void check_rank(const Shape& s, std::size_t rank, const char* layout, const std::string& who) {
  if (s.size() == rank) return;
  std::string m = who;
  m += " expects inputs of rank ";
  m += std::to_string(rank);
  m += " ";
  m += layout;
  m += ", got shape ";
  m += shape_to_string(s);
  throw ShapeError(m);
}

std::string pool_too_small(const std::string& who, const Shape& in, const Shape& out, const std::string& pool,
                           const std::string& padding) {
  std::string m = who;
  m += ": input shape ";
  m += shape_to_string(in);
  m += " is too small for pool_size ";
  m += pool;
  m += " with padding \"";
  m += padding;
  m += "\": the output shape would be ";
  m += shape_to_string(out);
  return m;
}
}  // namespace

// ---- Pooling2D -------------------------------------------------------------------------------
Pooling2D::Pooling2D(Options o, bool is_max) : Layer(o.name), options_(std::move(o)), is_max_(is_max) {
  const std::string who = is_max ? "MaxPooling2D" : "AveragePooling2D";
  check_positive(options_.pool_size, "pool_size", who);
  if (options_.strides) check_positive(*options_.strides, "strides", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
}

Shape Pooling2D::compute_output_shape(const Shape& s) const {
  check_rank(s, 4, "(batch, height, width, channels)", describe());
  const Size2 k = options_.pool_size, st = strides();
  const std::int64_t oh = s[1] < 0 ? -1 : ops::conv_output_length(s[1], k.h, options_.padding, st.h);
  const std::int64_t ow = s[2] < 0 ? -1 : ops::conv_output_length(s[2], k.w, options_.padding, st.w);
  Shape out{s[0], oh, ow, s[3]};
  if ((s[1] >= 0 && oh <= 0) || (s[2] >= 0 && ow <= 0))
    throw ShapeError(pool_too_small(describe(), s, out, size2_text(k), options_.padding));
  return out;
}

Tensor Pooling2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return is_max_ ? ops::max_pool2d(x, options_.pool_size, strides(), options_.padding)
                 : ops::avg_pool2d(x, options_.pool_size, strides(), options_.padding);
}

Config Pooling2D::get_config() const {
  Config c = base_config();
  c["pool_size"] = size2_json(options_.pool_size);
  c["padding"] = options_.padding;
  c["strides"] = size2_json(strides());
  c["data_format"] = options_.data_format;
  return c;
}

Pooling2D::Options Pooling2D::read_config(const Config& c, const std::string& who) {
  Options o;
  o.pool_size = read_size2(c, "pool_size", 2, who);
  if (c.contains("strides") && !c["strides"].is_null()) o.strides = read_size2(c, "strides", 1, who);
  o.padding = c.value("padding", std::string("valid"));
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.name = c.value("name", std::string());
  return o;
}

LayerPtr MaxPooling2D::from_config(const Config& c) {
  auto l = std::make_shared<MaxPooling2D>(read_config(c, "MaxPooling2D"));
  l->set_trainable(c.value("trainable", true));
  return l;
}

LayerPtr AveragePooling2D::from_config(const Config& c) {
  auto l = std::make_shared<AveragePooling2D>(read_config(c, "AveragePooling2D"));
  l->set_trainable(c.value("trainable", true));
  return l;
}

// ---- Pooling1D -------------------------------------------------------------------------------
Pooling1D::Pooling1D(Options o, bool is_max) : Layer(o.name), options_(std::move(o)), is_max_(is_max) {
  const std::string who = is_max ? "MaxPooling1D" : "AveragePooling1D";
  check_positive(options_.pool_size, "pool_size", who);
  if (options_.strides) check_positive(*options_.strides, "strides", who);
  options_.padding = check_padding(options_.padding, who, false);
  check_data_format(options_.data_format, who);
}

Shape Pooling1D::compute_output_shape(const Shape& s) const {
  check_rank(s, 3, "(batch, steps, channels)", describe());
  const std::int64_t ol =
      s[1] < 0 ? -1 : ops::conv_output_length(s[1], options_.pool_size, options_.padding, strides());
  Shape out{s[0], ol, s[2]};
  if (s[1] >= 0 && ol <= 0)
    throw ShapeError(pool_too_small(describe(), s, out, "(" + std::to_string(options_.pool_size) + ",)",
                                    options_.padding));
  return out;
}

Tensor Pooling1D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return is_max_ ? ops::max_pool1d(x, options_.pool_size, strides(), options_.padding)
                 : ops::avg_pool1d(x, options_.pool_size, strides(), options_.padding);
}

Config Pooling1D::get_config() const {
  Config c = base_config();
  c["pool_size"] = size1_json(options_.pool_size);
  c["padding"] = options_.padding;
  c["strides"] = size1_json(strides());
  c["data_format"] = options_.data_format;
  return c;
}

Pooling1D::Options Pooling1D::read_config(const Config& c, const std::string& who) {
  Options o;
  o.pool_size = read_size1(c, "pool_size", 2, who);
  if (c.contains("strides") && !c["strides"].is_null()) o.strides = read_size1(c, "strides", 1, who);
  o.padding = c.value("padding", std::string("valid"));
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.name = c.value("name", std::string());
  return o;
}

LayerPtr MaxPooling1D::from_config(const Config& c) {
  auto l = std::make_shared<MaxPooling1D>(read_config(c, "MaxPooling1D"));
  l->set_trainable(c.value("trainable", true));
  return l;
}

LayerPtr AveragePooling1D::from_config(const Config& c) {
  auto l = std::make_shared<AveragePooling1D>(read_config(c, "AveragePooling1D"));
  l->set_trainable(c.value("trainable", true));
  return l;
}

// ---- global pooling --------------------------------------------------------------------------
GlobalPooling::GlobalPooling(Options o, bool is_max, int rank)
    : Layer(o.name), options_(std::move(o)), is_max_(is_max), rank_(rank) {
  check_data_format(options_.data_format, rank == 3 ? "GlobalPooling1D" : "GlobalPooling2D");
}

Shape GlobalPooling::compute_output_shape(const Shape& s) const {
  check_rank(s, static_cast<std::size_t>(rank_),
             rank_ == 3 ? "(batch, steps, channels)" : "(batch, height, width, channels)", describe());
  Shape out{s[0]};
  if (options_.keepdims)
    for (int i = 1; i + 1 < rank_; ++i) out.push_back(1);
  out.push_back(s.back());
  return out;
}

Tensor GlobalPooling::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return is_max_ ? ops::global_max_pool(x, options_.keepdims) : ops::global_avg_pool(x, options_.keepdims);
}

Config GlobalPooling::get_config() const {
  Config c = base_config();
  c["data_format"] = options_.data_format;
  c["keepdims"] = options_.keepdims;
  return c;
}

GlobalPooling::Options GlobalPooling::read_config(const Config& c, const std::string&) {
  Options o;
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.keepdims = c.value("keepdims", false);
  o.name = c.value("name", std::string());
  return o;
}

#define TEMPER_GLOBAL_POOL_FROM_CONFIG(Cls)                          \
  LayerPtr Cls::from_config(const Config& c) {                       \
    auto l = std::make_shared<Cls>(read_config(c, #Cls));           \
    l->set_trainable(c.value("trainable", true));                    \
    return l;                                                        \
  }
TEMPER_GLOBAL_POOL_FROM_CONFIG(GlobalAveragePooling1D)
TEMPER_GLOBAL_POOL_FROM_CONFIG(GlobalAveragePooling2D)
TEMPER_GLOBAL_POOL_FROM_CONFIG(GlobalMaxPooling1D)
TEMPER_GLOBAL_POOL_FROM_CONFIG(GlobalMaxPooling2D)
#undef TEMPER_GLOBAL_POOL_FROM_CONFIG

}  // namespace temper::layers
