// Regression losses (Keras: keras/src/losses/losses.py — MeanSquaredError, MeanAbsoluteError,
// MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity).
#include <cmath>
#include <limits>

#include "src/losses/common.hpp"
#include "temper/losses/regression.hpp"

namespace temper::losses {

using namespace detail;

namespace {

// x * min(rsqrt(sum(x^2)), 1/eps) — Keras ops.normalize(order=2). Clipping the squared sum at
// eps^2 gives the same value and keeps the gradient finite for an all-zero vector.
Tensor l2_normalize(const Tensor& x, int axis) {
  Tensor ss = ops::sum(ops::square(x), {axis}, true);
  Tensor inv = ops::reciprocal(
      ops::sqrt(ops::clip(ss, kEpsilon * kEpsilon, std::numeric_limits<double>::max())));
  return ops::multiply(x, inv);
}

}  // namespace

// ---- function forms -------------------------------------------------------------------------

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_squared_error", y_true, y_pred);
  require_rank("mean_squared_error", p, 1);
  return ops::mean(ops::square(ops::subtract(t, p)), {-1});
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_absolute_error", y_true, y_pred);
  require_rank("mean_absolute_error", p, 1);
  return ops::mean(ops::abs(ops::subtract(t, p)), {-1});
}

Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_absolute_percentage_error", y_true, y_pred);
  require_rank("mean_absolute_percentage_error", p, 1);
  Tensor den = ops::clip(ops::abs(t), kEpsilon, std::numeric_limits<double>::max());
  Tensor diff = ops::abs(ops::divide(ops::subtract(t, p), den));
  return ops::multiply(ops::mean(diff, {-1}), 100.0);
}

Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_squared_logarithmic_error", y_true, y_pred);
  require_rank("mean_squared_logarithmic_error", p, 1);
  const double big = std::numeric_limits<double>::max();
  Tensor first = ops::log(ops::add(ops::clip(p, kEpsilon, big), 1.0));
  Tensor second = ops::log(ops::add(ops::clip(t, kEpsilon, big), 1.0));
  return ops::mean(ops::square(ops::subtract(first, second)), {-1});
}

Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  auto [t, p] = prepare("huber", y_true, y_pred);
  require_rank("huber", p, 1);
  Tensor error = ops::subtract(p, t);
  Tensor abs_error = ops::abs(error);
  Tensor quadratic = ops::multiply(ops::square(error), 0.5);
  Tensor linear = ops::add(ops::multiply(abs_error, delta), -0.5 * delta * delta);
  // Keras: where(abs_error <= delta, quadratic, linear).
  return ops::mean(ops::where(ops::greater(abs_error, delta), linear, quadratic), {-1});
}

Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("log_cosh", y_true, y_pred);
  require_rank("log_cosh", p, 1);
  Tensor x = ops::subtract(p, t);
  Tensor lc = ops::add(ops::add(x, ops::softplus(ops::multiply(x, -2.0))), -std::log(2.0));
  return ops::mean(lc, {-1});
}

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis) {
  auto [t, p] = prepare("cosine_similarity", y_true, y_pred);
  require_rank("cosine_similarity", p, 1);
  return ops::negative(ops::sum(ops::multiply(l2_normalize(t, axis), l2_normalize(p, axis)), {axis}));
}

// ---- classes --------------------------------------------------------------------------------

const Arguments<MeanSquaredError::Options>& MeanSquaredError::arguments() {
  static const auto args = loss_arguments<Options>("MeanSquaredError");
  return args;
}
Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_error(y_true, y_pred);
}

const Arguments<MeanAbsoluteError::Options>& MeanAbsoluteError::arguments() {
  static const auto args = loss_arguments<Options>("MeanAbsoluteError");
  return args;
}
Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_error(y_true, y_pred);
}

const Arguments<MeanAbsolutePercentageError::Options>& MeanAbsolutePercentageError::arguments() {
  static const auto args = loss_arguments<Options>("MeanAbsolutePercentageError");
  return args;
}
Tensor MeanAbsolutePercentageError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_percentage_error(y_true, y_pred);
}

const Arguments<MeanSquaredLogarithmicError::Options>& MeanSquaredLogarithmicError::arguments() {
  static const auto args = loss_arguments<Options>("MeanSquaredLogarithmicError");
  return args;
}
Tensor MeanSquaredLogarithmicError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_logarithmic_error(y_true, y_pred);
}

const Arguments<Huber::Options>& Huber::arguments() {
  static const auto args = loss_arguments<Options>("Huber").add("delta", &Options::delta, positive_number());
  return args;
}
Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
  return huber(y_true, y_pred, options_.delta);
}

const Arguments<LogCosh::Options>& LogCosh::arguments() {
  static const auto args = loss_arguments<Options>("LogCosh");
  return args;
}
Tensor LogCosh::call(const Tensor& y_true, const Tensor& y_pred) const {
  return log_cosh(y_true, y_pred);
}

const Arguments<CosineSimilarity::Options>& CosineSimilarity::arguments() {
  static const auto args = loss_arguments<Options>("CosineSimilarity").add("axis", &Options::axis);
  return args;
}
Tensor CosineSimilarity::call(const Tensor& y_true, const Tensor& y_pred) const {
  return cosine_similarity(y_true, y_pred, options_.axis);
}

namespace {
const LossRegistration<MeanSquaredError> mse{{"MeanSquaredError", "mean_squared_error", "mse", "MSE"}};
const LossRegistration<MeanAbsoluteError> mae{{"MeanAbsoluteError", "mean_absolute_error", "mae", "MAE"}};
const LossRegistration<MeanAbsolutePercentageError> mape{
    {"MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE"}};
const LossRegistration<MeanSquaredLogarithmicError> msle{
    {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE"}};
const LossRegistration<Huber> huber_loss{{"Huber", "huber", "huber_loss"}};
const LossRegistration<LogCosh> logcosh{{"LogCosh", "log_cosh", "logcosh"}};
const LossRegistration<CosineSimilarity> cosine{{"CosineSimilarity", "cosine_similarity"}};
}  // namespace

}  // namespace temper::losses
