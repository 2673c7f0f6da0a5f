// spatial_resize.cpp — ZeroPadding2D, Cropping2D and UpSampling2D.
#include "layers/conv_common.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/layers/cropping.hpp"
#include "temper/layers/up_sampling.hpp"
#include "temper/layers/zero_padding.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {
Check<Pad2> non_negative_amounts() {
  return {"amounts >= 0", [](const Pad2& p) { return p.top >= 0 && p.bottom >= 0 && p.left >= 0 && p.right >= 0; }};
}

Check<std::string> interpolations() {
  return {"\"nearest\" or \"bilinear\"", [](const std::string& s) {
            const std::string l = lower(s);
            return l == "nearest" || l == "bilinear";
          }};
}
}  // namespace

// ---- ZeroPadding2D ---------------------------------------------------------------------------
const Arguments<ZeroPadding2D::Options>& ZeroPadding2D::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("ZeroPadding2D")
                               .add("padding", &O::padding, non_negative_amounts())
                               .add("data_format", &O::data_format, channels_last());
  return args;
}

ZeroPadding2D::ZeroPadding2D(Options o) : LayerClass(layout_checked(std::move(o), keras_class)) {}

Shape ZeroPadding2D::compute_output_shape(const Shape& s) const {
  check_rank(s, 4, describe());
  const Pad2& p = options_.padding;
  return {s[0], s[1] < 0 ? -1 : s[1] + p.top + p.bottom, s[2] < 0 ? -1 : s[2] + p.left + p.right, s[3]};
}

Tensor ZeroPadding2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  const Pad2& p = options_.padding;
  return ops::zero_pad2d(x, p.top, p.bottom, p.left, p.right);
}

// ---- Cropping2D ------------------------------------------------------------------------------
const Arguments<Cropping2D::Options>& Cropping2D::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Cropping2D")
                               .add("cropping", &O::cropping, non_negative_amounts())
                               .add("data_format", &O::data_format, channels_last());
  return args;
}

Cropping2D::Cropping2D(Options o) : LayerClass(layout_checked(std::move(o), keras_class)) {}

Shape Cropping2D::compute_output_shape(const Shape& s) const {
  check_rank(s, 4, describe());
  const Pad2& p = options_.cropping;
  Shape out{s[0], s[1] < 0 ? -1 : s[1] - p.top - p.bottom, s[2] < 0 ? -1 : s[2] - p.left - p.right, s[3]};
  if ((s[1] >= 0 && out[1] <= 0) || (s[2] >= 0 && out[2] <= 0))
    throw ShapeError(describe() + ": cropping " + ArgTraits<Pad2>::write(p).dump() + " leaves nothing of input shape " +
                     shape_to_string(s) + " (output shape " + shape_to_string(out) + ")");
  return out;
}

Tensor Cropping2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  const Pad2& p = options_.cropping;
  return ops::crop2d(x, p.top, p.bottom, p.left, p.right);
}

// ---- UpSampling2D ----------------------------------------------------------------------------
const Arguments<UpSampling2D::Options>& UpSampling2D::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("UpSampling2D")
                               .add("size", &O::size, positive_sizes<Size2>())
                               .add("data_format", &O::data_format, channels_last())
                               .add("interpolation", &O::interpolation, interpolations());
  return args;
}

namespace {
/// The layout checked and the interpolation lower-cased and checked, before the table's checks.
UpSampling2D::Options up_sampling_checked(UpSampling2D::Options o) {
  o = layout_checked(std::move(o), "UpSampling2D");
  o.interpolation = lower(o.interpolation);
  if (o.interpolation != "nearest" && o.interpolation != "bilinear")
    throw ConfigError("UpSampling2D: interpolation \"" + o.interpolation +
                      "\" is not supported; supported: \"nearest\", \"bilinear\"");
  return o;
}
}  // namespace

UpSampling2D::UpSampling2D(Options o) : LayerClass(up_sampling_checked(std::move(o))) {}

Shape UpSampling2D::compute_output_shape(const Shape& s) const {
  check_rank(s, 4, describe());
  return {s[0], s[1] < 0 ? -1 : s[1] * options_.size.h, s[2] < 0 ? -1 : s[2] * options_.size.w, s[3]};
}

Tensor UpSampling2D::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return ops::upsample2d(x, options_.size, options_.interpolation);
}

namespace {
const LayerRegistration<ZeroPadding2D> zero_padding_registered{{"ZeroPadding2D"}};
const LayerRegistration<Cropping2D> cropping_registered{{"Cropping2D"}};
const LayerRegistration<UpSampling2D> up_sampling_registered{{"UpSampling2D"}};
}  // namespace

}  // namespace temper::layers
