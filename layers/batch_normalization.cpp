#include "temper/layers/batch_normalization.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<BatchNormalization::Options>& BatchNormalization::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("BatchNormalization")
          .add("axis", &O::axis)
          .add("momentum", &O::momentum, in_range(0.0, 1.0, true))
          .add("epsilon", &O::epsilon, positive_number())
          .add("center", &O::center)
          .add("scale", &O::scale)
          .add("beta_initializer", &O::beta_initializer)
          .add("gamma_initializer", &O::gamma_initializer)
          .add("moving_mean_initializer", &O::moving_mean_initializer)
          .add("moving_variance_initializer", &O::moving_variance_initializer)
          .add("beta_regularizer", &O::beta_regularizer)
          .add("gamma_regularizer", &O::gamma_regularizer)
          .add("beta_constraint", &O::beta_constraint)
          .add("gamma_constraint", &O::gamma_constraint)
          // Keras 3 (TensorFlow only): batch statistics across replicas; inference is unchanged.
          .unsupported("synchronized", false, Effect::training_only)
          // Batch renormalization (tf.keras 2 writes these only when on, Keras 3.14+ always): it
          // adds the variables moving_stddev, renorm_mean and renorm_stddev, so a model trained
          // with it does not load into Temper's four weights.
          .unsupported("renorm", false, Effect::computation, false)
          .unsupported("renorm_clipping", nullptr, Effect::training_only, false)
          .unsupported("renorm_momentum", 0.99, Effect::training_only, false)
          // tf.keras 2 ghost batch normalization (written only when set): training statistics.
          .unsupported("virtual_batch_size", nullptr, Effect::training_only, false);
  return args;
}

namespace {
// tf.keras 2 writes axis as a list after build ([3]).
const detail::LayerRegistrationWithAxisList<BatchNormalization> registered{{"BatchNormalization"}};

/// moving = moving * momentum + batch * (1 - momentum), in place (Keras's assign).
void update_moving(Variable& v, const Tensor& batch, double momentum) {
  Tensor b = batch.dtype() == v.value.dtype() ? batch : batch.astype(v.value.dtype());
  Backend& be = v.value.backend();
  be.scale(v.value, momentum);
  be.axpy(1.0 - momentum, b, v.value);
}

}  // namespace

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
  if (options_.scale) {
    gamma_ = add_weight("gamma", {C}, options_.gamma_initializer, options_.gamma_regularizer);
    gamma_->constraint = options_.gamma_constraint;
  }
  if (options_.center) {
    beta_ = add_weight("beta", {C}, options_.beta_initializer, options_.beta_regularizer);
    beta_->constraint = options_.beta_constraint;
  }
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

}  // namespace temper::layers
