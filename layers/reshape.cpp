#include "temper/layers/reshape.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<Reshape::Options>& Reshape::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Reshape").required(
      "target_shape", &O::target_shape,
      Check<Shape>{"a list of positive integers with at most one -1 (an extent to infer)", [](const Shape& s) {
                     int unknown = 0;
                     for (auto d : s) {
                       if (d == -1) ++unknown;
                       else if (d <= 0) return false;
                     }
                     return unknown <= 1;
                   }});
  return args;
}

namespace {
const LayerRegistration<Reshape> registered{{"Reshape"}};
}  // namespace

Shape Reshape::compute_output_shape(const Shape& s) const {
  if (s.empty()) throw ShapeError(describe() + " needs inputs with a batch axis");
  std::int64_t in = 1;
  bool in_known = true;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < 0) in_known = false;
    else in *= s[i];
  }
  Shape out{s[0]};
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < options_.target_shape.size(); ++i) {
    auto d = options_.target_shape[i];
    if (d == -1) infer = static_cast<int>(i);
    else known *= d;
    out.push_back(d);
  }
  if (!in_known) return out;
  if (infer >= 0) {
    if (in % known != 0)
      throw ShapeError(describe() + ": cannot reshape input " + shape_to_string(s) + " (" + std::to_string(in) +
                       " values per sample) to " + shape_to_string(options_.target_shape));
    out[static_cast<std::size_t>(infer) + 1] = in / known;
  } else if (known != in) {
    throw ShapeError(describe() + ": cannot reshape input " + shape_to_string(s) + " (" + std::to_string(in) +
                     " values per sample) to " + shape_to_string(options_.target_shape) + " (" +
                     std::to_string(known) + " values)");
  }
  return out;
}

Tensor Reshape::call(const Tensor& x, bool) {
  // Resolve a -1 from the per-sample size (not the total), so that an empty batch reshapes
  // like any other; compute_output_shape also rejects a target that does not fit.
  return ops::reshape(x, compute_output_shape(x.shape()));
}

}  // namespace temper::layers
