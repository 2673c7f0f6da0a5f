// spatial_resize.cpp — ZeroPadding2D, Cropping2D and UpSampling2D.
#include "layers/conv_common.hpp"
#include "temper/error.hpp"
#include "temper/layers/cropping.hpp"
#include "temper/layers/up_sampling.hpp"
#include "temper/layers/zero_padding.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {
void check_image(const Shape& s, const std::string& who) {
  if (s.size() == 4) return;
  std::string m = who;
  m += " expects inputs of rank 4 (batch, height, width, channels), got shape ";
  m += shape_to_string(s);
  throw ShapeError(m);
}

Config pad_json(const Pad2& p) { return Config::array({Config::array({p.top, p.bottom}), Config::array({p.left, p.right})}); }

/// Keras accepts an int, (sym_h, sym_w) or ((top, bottom), (left, right)).
Pad2 read_pad(const Config& c, const char* key, Pad2 fallback, const std::string& who) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  const Config& v = c[key];
  if (v.is_number_integer()) return Pad2(v.get<std::int64_t>());
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return Pad2(v[0].get<std::int64_t>(), v[1].get<std::int64_t>());
  if (v.is_array() && v.size() == 2 && v[0].is_array() && v[1].is_array() && v[0].size() == 2 && v[1].size() == 2)
    return Pad2(Size2(v[0][0].get<std::int64_t>(), v[0][1].get<std::int64_t>()),
                Size2(v[1][0].get<std::int64_t>(), v[1][1].get<std::int64_t>()));
  std::string m = who;
  m += " config: '";
  m += key;
  m += "' must be an integer, 2 integers or 2 pairs of integers, got ";
  m += v.dump();
  throw ConfigError(m);
}

void check_amounts(const Pad2& p, const char* what, const std::string& who) {
  if (p.top >= 0 && p.bottom >= 0 && p.left >= 0 && p.right >= 0) return;
  std::string m = who;
  m += ": ";
  m += what;
  m += " must be >= 0, got ";
  m += pad_json(p).dump();
  throw ValueError(m);
}
}  // namespace

// ---- ZeroPadding2D ---------------------------------------------------------------------------
ZeroPadding2D::ZeroPadding2D(Options o) : Layer(o.name), options_(std::move(o)) {
  check_amounts(options_.padding, "padding", "ZeroPadding2D");
  check_data_format(options_.data_format, "ZeroPadding2D");
}

Shape ZeroPadding2D::compute_output_shape(const Shape& s) const {
  check_image(s, describe());
  const Pad2& p = options_.padding;
  return {s[0], s[1] < 0 ? -1 : s[1] + p.top + p.bottom, s[2] < 0 ? -1 : s[2] + p.left + p.right, s[3]};
}

Tensor ZeroPadding2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  const Pad2& p = options_.padding;
  return ops::zero_pad2d(x, p.top, p.bottom, p.left, p.right);
}

Config ZeroPadding2D::get_config() const {
  Config c = base_config();
  c["padding"] = pad_json(options_.padding);
  c["data_format"] = options_.data_format;
  return c;
}

LayerPtr ZeroPadding2D::from_config(const Config& c) {
  Options o;
  o.padding = read_pad(c, "padding", 1, "ZeroPadding2D");
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.name = c.value("name", std::string());
  auto l = std::make_shared<ZeroPadding2D>(o);
  l->set_trainable(c.value("trainable", true));
  return l;
}

// ---- Cropping2D ------------------------------------------------------------------------------
Cropping2D::Cropping2D(Options o) : Layer(o.name), options_(std::move(o)) {
  check_amounts(options_.cropping, "cropping", "Cropping2D");
  check_data_format(options_.data_format, "Cropping2D");
}

Shape Cropping2D::compute_output_shape(const Shape& s) const {
  check_image(s, describe());
  const Pad2& p = options_.cropping;
  Shape out{s[0], s[1] < 0 ? -1 : s[1] - p.top - p.bottom, s[2] < 0 ? -1 : s[2] - p.left - p.right, s[3]};
  if ((s[1] >= 0 && out[1] <= 0) || (s[2] >= 0 && out[2] <= 0))
    throw ShapeError(describe() + ": cropping " + pad_json(p).dump() + " leaves nothing of input shape " +
                     shape_to_string(s) + " (output shape " + shape_to_string(out) + ")");
  return out;
}

Tensor Cropping2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  const Pad2& p = options_.cropping;
  return ops::crop2d(x, p.top, p.bottom, p.left, p.right);
}

Config Cropping2D::get_config() const {
  Config c = base_config();
  c["cropping"] = pad_json(options_.cropping);
  c["data_format"] = options_.data_format;
  return c;
}

LayerPtr Cropping2D::from_config(const Config& c) {
  Options o;
  o.cropping = read_pad(c, "cropping", 0, "Cropping2D");
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.name = c.value("name", std::string());
  auto l = std::make_shared<Cropping2D>(o);
  l->set_trainable(c.value("trainable", true));
  return l;
}

// ---- UpSampling2D ----------------------------------------------------------------------------
UpSampling2D::UpSampling2D(Options o) : Layer(o.name), options_(std::move(o)) {
  check_positive(options_.size, "size", "UpSampling2D");
  check_data_format(options_.data_format, "UpSampling2D");
  options_.interpolation = lower(options_.interpolation);
  if (options_.interpolation != "nearest" && options_.interpolation != "bilinear")
    throw ConfigError("UpSampling2D: interpolation \"" + options_.interpolation +
                      "\" is not supported; supported: \"nearest\", \"bilinear\"");
}

Shape UpSampling2D::compute_output_shape(const Shape& s) const {
  check_image(s, describe());
  return {s[0], s[1] < 0 ? -1 : s[1] * options_.size.h, s[2] < 0 ? -1 : s[2] * options_.size.w, s[3]};
}

Tensor UpSampling2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return ops::upsample2d(x, options_.size, options_.interpolation);
}

Config UpSampling2D::get_config() const {
  Config c = base_config();
  c["size"] = size2_json(options_.size);
  c["data_format"] = options_.data_format;
  c["interpolation"] = options_.interpolation;
  return c;
}

LayerPtr UpSampling2D::from_config(const Config& c) {
  Options o;
  o.size = read_size2(c, "size", 2, "UpSampling2D");
  o.data_format = c.value("data_format", std::string("channels_last"));
  o.interpolation = c.value("interpolation", std::string("nearest"));
  o.name = c.value("name", std::string());
  auto l = std::make_shared<UpSampling2D>(o);
  l->set_trainable(c.value("trainable", true));
  return l;
}

}  // namespace temper::layers
