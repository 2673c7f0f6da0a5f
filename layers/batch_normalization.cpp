#include "temper/layers/batch_normalization.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

namespace {

void check_no_constraint(const Config& c, const char* key, const char* cls) {
  if (c.contains(key) && !c[key].is_null())
    throw ConfigError(std::string(cls) + ": " + key + " is not supported (only null), got " + c[key].dump());
}

int axis_from_config(const Config& c, const char* cls) {
  if (!c.contains("axis")) return -1;
  const Config& a = c["axis"];
  if (a.is_number_integer()) return a.get<int>();
  if (a.is_array() && a.size() == 1 && a[0].is_number_integer()) return a[0].get<int>();  // tf.keras wrote [3]
  throw ConfigError(std::string(cls) + ": axis must be an integer, got " + a.dump());
}

/// moving = moving * momentum + batch * (1 - momentum), in place (Keras's assign).
void update_moving(Variable& v, const Tensor& batch, double momentum) {
  Tensor b = batch.dtype() == v.value.dtype() ? batch : batch.astype(v.value.dtype());
  Backend& be = v.value.backend();
  be.scale(v.value, momentum);
  be.axpy(1.0 - momentum, b, v.value);
}

}  // namespace

BatchNormalization::BatchNormalization() : BatchNormalization(Options{}) {}

BatchNormalization::BatchNormalization(Options o) : Layer(o.name), options_(std::move(o)) {
  if (!(options_.epsilon > 0.0))
    throw ValueError("BatchNormalization: epsilon must be > 0, got " + std::to_string(options_.epsilon));
  if (!(options_.momentum >= 0.0 && options_.momentum <= 1.0))
    throw ValueError("BatchNormalization: momentum must be in [0, 1], got " + std::to_string(options_.momentum));
}

void BatchNormalization::check_input_shape(const Shape& s) const {
  const int r = static_cast<int>(s.size());
  if (options_.axis >= r || options_.axis < -r || (r > 0 && (options_.axis == 0 || options_.axis == -r)))
    throw ShapeError(describe() + ": axis " + std::to_string(options_.axis) + " is not a channels axis of inputs of shape " +
                     shape_to_string(s) + " (expected an axis in [1, " + std::to_string(r - 1) + "] or [" +
                     std::to_string(-r + 1) + ", -1])");
  if (const auto& b = build_input_shape()) {
    const int a = normalize_axis(options_.axis, r);
    if (b->size() != s.size() || (*b)[static_cast<std::size_t>(a)] != s[static_cast<std::size_t>(a)])
      throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) +
                       " but received an input of shape " + shape_to_string(s) +
                       " (expected the same rank and channels axis)");
  }
}

Shape BatchNormalization::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return s;
}

void BatchNormalization::build(const Shape& input_shape) {
  check_input_shape(input_shape);
  const int a = normalize_axis(options_.axis, static_cast<int>(input_shape.size()));
  const std::int64_t C = input_shape[static_cast<std::size_t>(a)];
  if (C <= 0)
    throw ShapeError(describe() + " needs a known channels axis " + std::to_string(options_.axis) +
                     ", got input shape " + shape_to_string(input_shape));
  if (options_.scale) gamma_ = add_weight("gamma", {C}, options_.gamma_initializer, options_.gamma_regularizer);
  if (options_.center) beta_ = add_weight("beta", {C}, options_.beta_initializer, options_.beta_regularizer);
  moving_mean_ = add_weight("moving_mean", {C}, options_.moving_mean_initializer, {}, false);
  moving_variance_ = add_weight("moving_variance", {C}, options_.moving_variance_initializer, {}, false);
  set_built(input_shape);
}

Tensor BatchNormalization::call(const Tensor& x, bool training) {
  const Tensor gamma = gamma_ ? gamma_->value : Tensor();
  const Tensor beta = beta_ ? beta_->value : Tensor();
  if (training && trainable()) {
    Tensor bm, bv;
    Tensor y = ops::batch_normalization_training(x, gamma, beta, options_.epsilon, options_.axis, &bm, &bv);
    update_moving(*moving_mean_, bm, options_.momentum);
    update_moving(*moving_variance_, bv, options_.momentum);
    return y;
  }
  return ops::batch_normalization(x, moving_mean_->value, moving_variance_->value, gamma, beta,
                                  options_.epsilon, options_.axis);
}

Config BatchNormalization::get_config() const {
  Config c = base_config();
  c["axis"] = options_.axis;
  c["momentum"] = options_.momentum;
  c["epsilon"] = options_.epsilon;
  c["center"] = options_.center;
  c["scale"] = options_.scale;
  c["beta_initializer"] = options_.beta_initializer.get_config();
  c["gamma_initializer"] = options_.gamma_initializer.get_config();
  c["moving_mean_initializer"] = options_.moving_mean_initializer.get_config();
  c["moving_variance_initializer"] = options_.moving_variance_initializer.get_config();
  c["beta_regularizer"] = options_.beta_regularizer.get_config();
  c["gamma_regularizer"] = options_.gamma_regularizer.get_config();
  c["beta_constraint"] = nullptr;
  c["gamma_constraint"] = nullptr;
  c["synchronized"] = false;
  return c;
}

LayerPtr BatchNormalization::from_config(const Config& c) {
  const char* cls = "BatchNormalization";
  check_no_constraint(c, "beta_constraint", cls);
  check_no_constraint(c, "gamma_constraint", cls);
  if (c.value("synchronized", false))
    throw ConfigError("BatchNormalization: synchronized=true is not supported (Keras allows it only on TensorFlow)");
  Options o;
  o.axis = axis_from_config(c, cls);
  o.momentum = c.value("momentum", 0.99);
  o.epsilon = c.value("epsilon", 1e-3);
  o.center = c.value("center", true);
  o.scale = c.value("scale", true);
  if (c.contains("beta_initializer")) o.beta_initializer = initializers::get(c["beta_initializer"]);
  if (c.contains("gamma_initializer")) o.gamma_initializer = initializers::get(c["gamma_initializer"]);
  if (c.contains("moving_mean_initializer"))
    o.moving_mean_initializer = initializers::get(c["moving_mean_initializer"]);
  if (c.contains("moving_variance_initializer"))
    o.moving_variance_initializer = initializers::get(c["moving_variance_initializer"]);
  o.beta_regularizer = regularizers::get(c.value("beta_regularizer", Config()));
  o.gamma_regularizer = regularizers::get(c.value("gamma_regularizer", Config()));
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<BatchNormalization>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
