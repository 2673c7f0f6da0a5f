#include "temper/layers/group_normalization.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<GroupNormalization::Options>& GroupNormalization::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("GroupNormalization")
          .add("groups", &O::groups,
               Check<std::int64_t>{"a positive integer or -1 (one group per channel)",
                                   [](const std::int64_t& g) { return g > 0 || g == -1; }})
          .add("axis", &O::axis)
          .add("epsilon", &O::epsilon, positive_number())
          .add("center", &O::center)
          .add("scale", &O::scale)
          .add("beta_initializer", &O::beta_initializer)
          .add("gamma_initializer", &O::gamma_initializer)
          .add("beta_regularizer", &O::beta_regularizer)
          .add("gamma_regularizer", &O::gamma_regularizer)
          .add("beta_constraint", &O::beta_constraint)
          .add("gamma_constraint", &O::gamma_constraint);
  return args;
}

namespace {
const detail::LayerRegistrationWithAxisList<GroupNormalization> registered{{"GroupNormalization"}};
}  // namespace

GroupNormalization::GroupNormalization(std::int64_t groups)
    : GroupNormalization(Options{.groups = groups}) {}

void GroupNormalization::check_input_shape(const Shape& s) const {
  const int r = static_cast<int>(s.size());
  if (r < 2 || options_.axis >= r || options_.axis < -r || options_.axis == 0 || options_.axis == -r)
    throw ShapeError(describe() + ": axis " + std::to_string(options_.axis) + " is not a channels axis of inputs of shape " +
                     shape_to_string(s) + " (expected rank >= 2 and an axis other than the batch axis)");
  const auto a = static_cast<std::size_t>(normalize_axis(options_.axis, r));
  if (const auto& b = build_input_shape(); b && (b->size() != s.size() || (*b)[a] != s[a]))
    throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) +
                     " but received an input of shape " + shape_to_string(s) +
                     " (expected the same rank and channels axis)");
  const std::int64_t C = s[a];
  if (C < 0 || options_.groups == -1) return;
  if (C < options_.groups)
    throw ValueError(describe() + ": the number of groups (" + std::to_string(options_.groups) +
                     ") cannot be more than the number of channels (" + std::to_string(C) + ")");
  if (C % options_.groups != 0)
    throw ValueError(describe() + ": the number of channels (" + std::to_string(C) +
                     ") must be a multiple of the number of groups (" + std::to_string(options_.groups) + ")");
}

Shape GroupNormalization::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return s;
}

void GroupNormalization::build(const Shape& input_shape) {
  check_input_shape(input_shape);
  const auto a = static_cast<std::size_t>(normalize_axis(options_.axis, static_cast<int>(input_shape.size())));
  const std::int64_t C = input_shape[a];
  if (C <= 0)
    throw ShapeError(describe() + " needs a known channels axis " + std::to_string(options_.axis) +
                     ", got input shape " + shape_to_string(input_shape));
  if (options_.groups == -1) options_.groups = C;  // Keras: one group per channel
  if (options_.scale) {
    gamma_ = add_weight("gamma", {C}, options_.gamma_initializer, options_.gamma_regularizer);
    gamma_->constraint = options_.gamma_constraint;
  }
  if (options_.center) {
    beta_ = add_weight("beta", {C}, options_.beta_initializer, options_.beta_regularizer);
    beta_->constraint = options_.beta_constraint;
  }
  set_built(input_shape);
}

Tensor GroupNormalization::call(const Tensor& x, bool) {
  return ops::group_normalization(x, gamma_ ? gamma_->value : Tensor(), beta_ ? beta_->value : Tensor(),
                                  options_.groups, options_.epsilon, options_.axis);
}

}  // namespace temper::layers
