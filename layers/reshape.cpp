#include "temper/layers/reshape.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

Reshape::Reshape(Options o) : Layer(o.name), options_(std::move(o)) {
  int unknown = 0;
  for (auto d : options_.target_shape) {
    if (d == -1) ++unknown;
    else if (d <= 0)
      throw ValueError("Reshape: target_shape " + shape_to_string(options_.target_shape) +
                       " has an invalid extent (use positive integers and at most one -1)");
  }
  if (unknown > 1)
    throw ValueError("Reshape: target_shape " + shape_to_string(options_.target_shape) +
                     " may contain at most one -1");
}

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

Config Reshape::get_config() const {
  Config c = base_config();
  c["target_shape"] = options_.target_shape;
  return c;
}

LayerPtr Reshape::from_config(const Config& c) {
  if (!c.contains("target_shape")) throw ConfigError("Reshape config is missing 'target_shape'");
  return std::make_shared<Reshape>(Options{c["target_shape"].get<Shape>(), c.value("name", std::string())});
}

}  // namespace temper::layers
