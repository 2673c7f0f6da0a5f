#include "temper/layers/merging.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

namespace {

std::string shapes_to_string(const std::vector<Shape>& shapes) {
  std::string s;
  for (const auto& x : shapes) {
    if (!s.empty()) s += ", ";
    s += shape_to_string(x);
  }
  return s;
}

int normalize_axis(int axis, std::size_t rank, const std::string& who) {
  const int r = static_cast<int>(rank);
  const int a = axis < 0 ? axis + r : axis;
  if (a < 1 || a >= r)
    throw ValueError(who + ": axis " + std::to_string(axis) + " is out of range for inputs of rank " +
                     std::to_string(r) + " (the batch axis 0 cannot be used)");
  return a;
}

}  // namespace

// ---- element-wise merges -------------------------------------------------------------------
Merge::Merge(MergeOptions options) : Layer(std::move(options.name)) {}

Tensor Merge::call(const Tensor&, bool) {
  throw ValueError(describe() + " merges a list of at least " + std::to_string(min_inputs()) +
                   " inputs; it was called on a single tensor");
}

Shape Merge::compute_output_shape(const Shape& s) const { return compute_output_shape_multi({s}); }

Shape Merge::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (shapes.size() < min_inputs() || (max_inputs() > 0 && shapes.size() > max_inputs())) {
    const std::string want = max_inputs() == min_inputs() ? "exactly " + std::to_string(min_inputs())
                                                           : "at least " + std::to_string(min_inputs());
    throw ValueError(describe() + " expects " + want + " inputs but was called on " +
                     std::to_string(shapes.size()) + ": " + shapes_to_string(shapes));
  }
  // Keras's rule: extents must agree, except 1 (broadcast) and None (unknown).
  Shape out = shapes[0];
  for (std::size_t k = 1; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    if (s.size() != out.size())
      throw ShapeError(describe() + " needs inputs of the same rank, got shapes " + shapes_to_string(shapes));
    for (std::size_t i = 1; i < s.size(); ++i) {
      if (out[i] == s[i] || s[i] == 1) continue;
      if (out[i] == 1) { out[i] = s[i]; continue; }
      if (out[i] < 0 || s[i] < 0) { out[i] = std::max(out[i], s[i]); continue; }
      throw ShapeError(describe() + " cannot merge inputs of shapes " + shapes_to_string(shapes) +
                       ": axis " + std::to_string(i) + " has extents " + std::to_string(out[i]) + " and " +
                       std::to_string(s[i]));
    }
    if (out[0] < 0 || s[0] < 0) out[0] = -1;
  }
  return out;
}

void Merge::build_multi(const std::vector<Shape>& shapes) {
  compute_output_shape_multi(shapes);
  set_built(shapes[0]);
}

Tensor Merge::call_multi(const std::vector<Tensor>& inputs, bool) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  compute_output_shape_multi(shapes);
  Tensor acc = inputs[0];
  for (std::size_t k = 1; k < inputs.size(); ++k) acc = merge(acc, inputs[k]);
  return finish(acc, inputs.size());
}

Tensor Merge::finish(const Tensor& merged, std::size_t) const { return merged; }

Config Merge::get_config() const { return base_config(); }

// The element-wise merges take only the base keys (Keras: Merge(**kwargs)).
#define TEMPER_MERGE_IMPL(NAME, EXPR, MAX)                                                 \
  const Arguments<MergeOptions>& NAME::arguments() {                                       \
    static const auto args = Arguments<MergeOptions>(#NAME);                               \
    return args;                                                                           \
  }                                                                                        \
  namespace {                                                                              \
  const LayerRegistration<NAME> registered_##NAME{{#NAME}};                                \
  }                                                                                        \
  LayerPtr NAME::from_config(const Config& c) { return registry().create(#NAME, c); }      \
  Tensor NAME::merge(const Tensor& a, const Tensor& b) const { return EXPR; }              \
  std::size_t NAME::max_inputs() const { return MAX; }

TEMPER_MERGE_IMPL(Add, ops::add(a, b), 0)
TEMPER_MERGE_IMPL(Subtract, ops::subtract(a, b), 2)
TEMPER_MERGE_IMPL(Multiply, ops::multiply(a, b), 0)
TEMPER_MERGE_IMPL(Maximum, ops::maximum(a, b), 0)
TEMPER_MERGE_IMPL(Minimum, ops::minimum(a, b), 0)
#undef TEMPER_MERGE_IMPL

const Arguments<MergeOptions>& Average::arguments() {
  static const auto args = Arguments<MergeOptions>("Average");
  return args;
}
namespace {
const LayerRegistration<Average> registered_Average{{"Average"}};
}  // namespace
LayerPtr Average::from_config(const Config& c) { return registry().create("Average", c); }
Tensor Average::merge(const Tensor& a, const Tensor& b) const { return ops::add(a, b); }

Tensor Average::finish(const Tensor& m, std::size_t n) const {
  return ops::multiply(m, 1.0 / static_cast<double>(n));
}

// ---- Concatenate ---------------------------------------------------------------------------
const Arguments<ConcatenateOptions>& Concatenate::arguments() {
  using O = ConcatenateOptions;
  static const auto args = Arguments<O>("Concatenate").add("axis", &O::axis);
  return args;
}
namespace {
const LayerRegistration<Concatenate> registered_Concatenate{{"Concatenate"}};
}  // namespace

Concatenate::Concatenate(int axis) : Concatenate(ConcatenateOptions{axis, ""}) {}

Tensor Concatenate::call(const Tensor&, bool) {
  throw ValueError(describe() + " joins a list of at least 2 inputs; it was called on a single tensor");
}

Shape Concatenate::compute_output_shape(const Shape& s) const { return compute_output_shape_multi({s}); }

Shape Concatenate::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (shapes.size() < 2)
    throw ValueError(describe() + " expects at least 2 inputs but was called on " + std::to_string(shapes.size()));
  const std::size_t rank = shapes[0].size();
  for (const auto& s : shapes)
    if (s.size() != rank)
      throw ShapeError(describe() + " needs inputs of the same rank, got shapes " + shapes_to_string(shapes));
  const int axis = normalize_axis(options_.axis, rank, describe());
  Shape out = shapes[0];
  for (std::size_t k = 1; k < shapes.size(); ++k) {
    for (std::size_t i = 1; i < rank; ++i) {
      if (static_cast<int>(i) == axis) {
        out[i] = (out[i] < 0 || shapes[k][i] < 0) ? -1 : out[i] + shapes[k][i];
      } else if (out[i] >= 0 && shapes[k][i] >= 0 && out[i] != shapes[k][i]) {
        throw ShapeError(describe() + " requires inputs with matching shapes except for the concatenation axis " +
                         std::to_string(options_.axis) + ", got shapes " + shapes_to_string(shapes));
      } else if (out[i] < 0) {
        out[i] = shapes[k][i];
      }
    }
  }
  out[0] = -1;
  for (const auto& s : shapes)
    if (s[0] >= 0) out[0] = s[0];
  return out;
}

void Concatenate::build_multi(const std::vector<Shape>& shapes) {
  compute_output_shape_multi(shapes);
  set_built(shapes[0]);
}

Tensor Concatenate::call_multi(const std::vector<Tensor>& inputs, bool) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  compute_output_shape_multi(shapes);
  return ops::concatenate(inputs, normalize_axis(options_.axis, inputs[0].rank(), describe()));
}

// ---- Dot -----------------------------------------------------------------------------------
const Arguments<DotOptions>& Dot::arguments() {
  using O = DotOptions;
  static const auto args =
      Arguments<O>("Dot")
          .required("axes", &O::axes,
                    Check<std::vector<int>>{"one axis or a pair of axes (one per input)",
                                            [](const std::vector<int>& a) { return a.size() == 1 || a.size() == 2; }})
          .add("normalize", &O::normalize);
  return args;
}
namespace {
const LayerRegistration<Dot> registered_Dot{{"Dot"}};
}  // namespace

Dot::Dot(int axes, bool normalize) : Dot(DotOptions{{axes}, normalize, ""}) {}

Tensor Dot::call(const Tensor&, bool) {
  throw ValueError(describe() + " takes exactly 2 inputs; it was called on a single tensor");
}

std::pair<int, int> Dot::resolved_axes(const Shape& a, const Shape& b) const {
  const int xa = options_.axes[0];
  const int ya = options_.axes.size() == 2 ? options_.axes[1] : options_.axes[0];
  return {normalize_axis(xa, a.size(), describe()), normalize_axis(ya, b.size(), describe())};
}

Shape Dot::compute_output_shape(const Shape& s) const { return compute_output_shape_multi({s}); }

Shape Dot::compute_output_shape_multi(const std::vector<Shape>& shapes) const {
  if (shapes.size() != 2)
    throw ValueError(describe() + " expects exactly 2 inputs but was called on " + std::to_string(shapes.size()));
  const Shape& a = shapes[0];
  const Shape& b = shapes[1];
  if (a.size() != b.size() || a.size() < 2 || a.size() > 3)
    throw ShapeError(describe() + " supports two inputs of rank 2 or two of rank 3, got shapes " +
                     shapes_to_string(shapes));
  auto [xa, ya] = resolved_axes(a, b);
  if (a[static_cast<std::size_t>(xa)] >= 0 && b[static_cast<std::size_t>(ya)] >= 0 &&
      a[static_cast<std::size_t>(xa)] != b[static_cast<std::size_t>(ya)])
    throw ShapeError(describe() + " cannot take the dot product of shapes " + shapes_to_string(shapes) + " along axes (" +
                     std::to_string(xa) + ", " + std::to_string(ya) + "): extents " +
                     std::to_string(a[static_cast<std::size_t>(xa)]) + " and " +
                     std::to_string(b[static_cast<std::size_t>(ya)]) + " differ");
  Shape out{a[0] >= 0 ? a[0] : b[0]};
  for (std::size_t i = 1; i < a.size(); ++i)
    if (static_cast<int>(i) != xa) out.push_back(a[i]);
  for (std::size_t i = 1; i < b.size(); ++i)
    if (static_cast<int>(i) != ya) out.push_back(b[i]);
  if (out.size() == 1) out.push_back(1);
  return out;
}

void Dot::build_multi(const std::vector<Shape>& shapes) {
  compute_output_shape_multi(shapes);
  set_built(shapes[0]);
}

Tensor Dot::call_multi(const std::vector<Tensor>& inputs, bool) {
  compute_output_shape_multi({inputs.size() > 0 ? inputs[0].shape() : Shape{},
                              inputs.size() > 1 ? inputs[1].shape() : Shape{}});
  Tensor a = inputs[0], b = inputs[1];
  auto [xa, ya] = resolved_axes(a.shape(), b.shape());
  if (options_.normalize) {
    // Keras l2_normalize: x / sqrt(max(sum(x^2), 1e-12)).
    auto l2n = [](const Tensor& x, int axis) {
      Tensor ss = ops::sum(ops::square(x), {axis}, true);
      return ops::divide(x, ops::sqrt(ops::clip(ss, 1e-12, std::numeric_limits<double>::infinity())));
    };
    a = l2n(a, xa);
    b = l2n(b, ya);
  }
  if (a.rank() == 2) return ops::sum(ops::multiply(a, b), {1}, true);
  // Rank 3: batched matrix products over the sample axis.
  return ops::matmul(a, b, /*transpose_a=*/xa == 1, /*transpose_b=*/ya == 2);
}

}  // namespace temper::layers
