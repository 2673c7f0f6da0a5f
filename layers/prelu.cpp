#include "temper/layers/prelu.hpp"

#include <algorithm>

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<PReLU::Options>& PReLU::arguments() {
  using O = Options;
  using Axes = std::optional<std::vector<std::int64_t>>;
  static const auto args =
      Arguments<O>("PReLU")
          .add("alpha_initializer", &O::alpha_initializer)
          .add("alpha_regularizer", &O::alpha_regularizer)
          .add("alpha_constraint", &O::alpha_constraint)
          .add("shared_axes", &O::shared_axes,
               Check<Axes>{"null or a list of sample axes >= 1 (axis 0 is the batch)", [](const Axes& a) {
                             return !a || std::all_of(a->begin(), a->end(), [](std::int64_t i) { return i >= 1; });
                           }});
  return args;
}

namespace {
const LayerRegistration<PReLU> registered{{"PReLU"}};
}  // namespace

bool PReLU::shared(std::size_t axis) const {
  if (!options_.shared_axes) return false;
  const auto& s = *options_.shared_axes;
  return std::find(s.begin(), s.end(), static_cast<std::int64_t>(axis)) != s.end();
}

void PReLU::check_input_shape(const Shape& s) const {
  if (s.size() < 2)
    throw ShapeError(describe() + " expects inputs of rank >= 2 (batch, ...), got " + shape_to_string(s));
  if (options_.shared_axes)
    for (auto a : *options_.shared_axes)
      if (a >= static_cast<std::int64_t>(s.size()))
        throw ShapeError(describe() + ": shared axis " + std::to_string(a) + " is out of range for inputs of shape " +
                         shape_to_string(s));
  // Keras's input spec: the same rank, and the same extents on the axes alpha is not shared on.
  if (const auto& b = build_input_shape()) {
    bool ok = b->size() == s.size();
    for (std::size_t i = 1; ok && i < s.size(); ++i) ok = shared(i) || (*b)[i] == s[i] || s[i] < 0;
    if (!ok)
      throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) + " but received " +
                       shape_to_string(s) + " (only the batch axis and the shared axes may differ)");
  }
}

Shape PReLU::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return s;
}

void PReLU::build(const Shape& input_shape) {
  check_input_shape(input_shape);
  Shape param(input_shape.begin() + 1, input_shape.end());
  for (std::size_t i = 1; i < input_shape.size(); ++i) {
    if (shared(i)) param[i - 1] = 1;
    else if (param[i - 1] < 0)
      throw ShapeError(describe() + " needs known extents on every axis that is not shared, got input shape " +
                       shape_to_string(input_shape));
  }
  alpha_ = add_weight("alpha", param, options_.alpha_initializer, options_.alpha_regularizer);
  alpha_->constraint = options_.alpha_constraint;
  set_built(input_shape);
}

// Keras: relu(x) - alpha * relu(-x).
Tensor PReLU::call(const Tensor& x, bool) {
  const Tensor alpha = alpha_->value.dtype() == x.dtype() ? alpha_->value : ops::cast(alpha_->value, x.dtype());
  return ops::subtract(ops::relu(x), ops::multiply(alpha, ops::relu(ops::negative(x))));
}

}  // namespace temper::layers
