#include "temper/layers/layer_normalization.hpp"

#include <algorithm>

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

namespace {

std::string axes_text(const std::vector<int>& axes) {
  std::string s = "[";
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(axes[i]);
  }
  s += "]";
  return s;
}

const LayerRegistration<LayerNormalization> registered{{"LayerNormalization"}};

}  // namespace

const Arguments<LayerNormalization::Options>& LayerNormalization::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("LayerNormalization")
          .add("axis", &O::axis,
               Check<std::vector<int>>{"an axis or a non-empty list of axes",
                                       [](const std::vector<int>& v) { return !v.empty(); }})
          .add("epsilon", &O::epsilon, positive_number())
          .add("center", &O::center)
          .add("scale", &O::scale)
          .add("rms_scaling", &O::rms_scaling)  // Keras 3.4+ writes it; older files mean false
          .add("beta_initializer", &O::beta_initializer)
          .add("gamma_initializer", &O::gamma_initializer)
          .add("beta_regularizer", &O::beta_regularizer)
          .add("gamma_regularizer", &O::gamma_regularizer)
          .add("beta_constraint", &O::beta_constraint)
          .add("gamma_constraint", &O::gamma_constraint);
  return args;
}

std::vector<int> LayerNormalization::axes_for(std::size_t rank) const {
  const int r = static_cast<int>(rank);
  std::vector<int> out;
  for (int a : options_.axis) {
    if (a >= r || a < -r || a == 0 || a == -r)
      throw ShapeError(describe() + ": axis " + std::to_string(a) + " is out of bounds for inputs of rank " +
                       std::to_string(r) + " (expected axes in [1, " + std::to_string(r - 1) + "] or [" +
                       std::to_string(-r + 1) + ", -1]; axis 0 is the batch)");
    out.push_back(normalize_axis(a, r));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw ValueError(describe() + ": axis " + axes_text(options_.axis) + " repeats an axis");
  return out;
}

void LayerNormalization::check_input_shape(const Shape& s) const {
  const auto axes = axes_for(s.size());
  if (const auto& b = build_input_shape()) {
    bool ok = b->size() == s.size();
    for (int a : axes) ok = ok && (*b)[static_cast<std::size_t>(a)] == s[static_cast<std::size_t>(a)];
    if (!ok)
      throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) +
                       " but received an input of shape " + shape_to_string(s) +
                       " (expected the same rank and normalized axes " + axes_text(options_.axis) + ")");
  }
}

Shape LayerNormalization::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return s;
}

void LayerNormalization::build(const Shape& input_shape) {
  check_input_shape(input_shape);
  Shape ps;
  for (int a : axes_for(input_shape.size())) {
    const std::int64_t d = input_shape[static_cast<std::size_t>(a)];
    if (d <= 0)
      throw ShapeError(describe() + " needs known extents on the normalized axes " + axes_text(options_.axis) +
                       ", got input shape " + shape_to_string(input_shape));
    ps.push_back(d);
  }
  if (options_.scale || options_.rms_scaling) {
    gamma_ = add_weight("gamma", ps, options_.gamma_initializer, options_.gamma_regularizer);
    gamma_->constraint = options_.gamma_constraint;
  }
  if (options_.center && !options_.rms_scaling) {
    beta_ = add_weight("beta", ps, options_.beta_initializer, options_.beta_regularizer);
    beta_->constraint = options_.beta_constraint;
  }
  set_built(input_shape);
}

Tensor LayerNormalization::call(const Tensor& x, bool) {
  const auto axes = axes_for(static_cast<std::size_t>(x.rank()));
  if (!options_.rms_scaling)
    return ops::layer_normalization(x, gamma_ ? gamma_->value : Tensor(), beta_ ? beta_->value : Tensor(), axes,
                                    options_.epsilon);
  // Keras's rms_scaling: inputs * rsqrt(var(inputs) + epsilon) * gamma (composed; rarely used).
  Tensor xf = is_floating(x.dtype()) ? x : x.astype(DType::Float32);
  Tensor centred = ops::subtract(xf, ops::mean(xf, axes, true));
  Tensor var = ops::mean(ops::square(centred), axes, true);
  Tensor y = ops::multiply(xf, ops::unary(UnaryOp::Rsqrt, ops::add(var, options_.epsilon)));
  if (gamma_) {
    Shape bs(static_cast<std::size_t>(x.rank()), 1);
    for (int a : axes) bs[static_cast<std::size_t>(a)] = x.shape()[static_cast<std::size_t>(a)];
    y = ops::multiply(y, ops::reshape(ops::cast(gamma_->value, y.dtype()), bs));
  }
  return y;
}

}  // namespace temper::layers
