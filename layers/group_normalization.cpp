#include "temper/layers/group_normalization.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

GroupNormalization::GroupNormalization() : GroupNormalization(Options{}) {}

GroupNormalization::GroupNormalization(std::int64_t groups)
    : GroupNormalization(Options{.groups = groups}) {}

GroupNormalization::GroupNormalization(Options o) : Layer(o.name), options_(std::move(o)) {
  if (options_.groups == 0 || options_.groups < -1)
    throw ValueError("GroupNormalization: groups must be a positive integer or -1 (one group per channel), got " +
                     std::to_string(options_.groups));
  if (!(options_.epsilon > 0.0))
    throw ValueError("GroupNormalization: epsilon must be > 0, got " + std::to_string(options_.epsilon));
}

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
  if (options_.scale) gamma_ = add_weight("gamma", {C}, options_.gamma_initializer, options_.gamma_regularizer);
  if (options_.center) beta_ = add_weight("beta", {C}, options_.beta_initializer, options_.beta_regularizer);
  set_built(input_shape);
}

Tensor GroupNormalization::call(const Tensor& x, bool) {
  return ops::group_normalization(x, gamma_ ? gamma_->value : Tensor(), beta_ ? beta_->value : Tensor(),
                                  options_.groups, options_.epsilon, options_.axis);
}

Config GroupNormalization::get_config() const {
  Config c = base_config();
  c["groups"] = options_.groups;
  c["axis"] = options_.axis;
  c["epsilon"] = options_.epsilon;
  c["center"] = options_.center;
  c["scale"] = options_.scale;
  c["beta_initializer"] = options_.beta_initializer.get_config();
  c["gamma_initializer"] = options_.gamma_initializer.get_config();
  c["beta_regularizer"] = options_.beta_regularizer.get_config();
  c["gamma_regularizer"] = options_.gamma_regularizer.get_config();
  c["beta_constraint"] = nullptr;
  c["gamma_constraint"] = nullptr;
  return c;
}

LayerPtr GroupNormalization::from_config(const Config& c) {
  for (const char* key : {"beta_constraint", "gamma_constraint"})
    if (c.contains(key) && !c[key].is_null())
      throw ConfigError(std::string("GroupNormalization: ") + key + " is not supported (only null), got " +
                        c[key].dump());
  Options o;
  o.groups = c.value("groups", std::int64_t{32});
  if (c.contains("axis")) {
    const Config& a = c["axis"];
    if (a.is_number_integer()) o.axis = a.get<int>();
    else if (a.is_array() && a.size() == 1 && a[0].is_number_integer()) o.axis = a[0].get<int>();
    else throw ConfigError("GroupNormalization: axis must be an integer, got " + a.dump());
  }
  o.epsilon = c.value("epsilon", 1e-3);
  o.center = c.value("center", true);
  o.scale = c.value("scale", true);
  if (c.contains("beta_initializer")) o.beta_initializer = initializers::get(c["beta_initializer"]);
  if (c.contains("gamma_initializer")) o.gamma_initializer = initializers::get(c["gamma_initializer"]);
  o.beta_regularizer = regularizers::get(c.value("beta_regularizer", Config()));
  o.gamma_regularizer = regularizers::get(c.value("gamma_regularizer", Config()));
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<GroupNormalization>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
