// losses/regression.hpp — regression losses (Keras: keras.losses MeanSquaredError, ...,
// Huber, LogCosh, CosineSimilarity).
#pragma once
#include "temper/losses/loss.hpp"

namespace temper::losses {

// ---- function forms (Keras: keras.losses.mean_squared_error etc.) ---------------------------
// Each returns per-sample values (the last axis reduced) and is differentiable w.r.t. y_pred.
// y_true is cast to y_pred's floating dtype; shapes that disagree (after Keras's squeeze/expand
// of a trailing 1) throw ShapeError naming both shapes.

/// mean(square(y_true - y_pred), axis=-1)
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
/// mean(abs(y_true - y_pred), axis=-1)
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
/// 100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
/// mean(square(log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1)), axis=-1)
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred);
/// Quadratic for |error| <= delta, linear beyond; mean over the last axis.
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
/// mean(log(cosh(y_pred - y_true)), axis=-1), computed as x + softplus(-2x) - log 2.
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
/// -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis).
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis = -1);

// ---- classes --------------------------------------------------------------------------------
// Option structs live at namespace scope (and are aliased as X::Options) so that
// `X({.reduction = Reduction::Sum})` works with designated initializers.

struct MeanSquaredErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_squared_error";
};
/// Keras: keras.losses.MeanSquaredError — mean(square(y_true - y_pred), axis=-1) per sample;
/// the usual regression loss.
class MeanSquaredError : public LossWithOptions<MeanSquaredError, MeanSquaredErrorOptions> {
 public:
  explicit MeanSquaredError(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanSquaredError"; }
  static const Arguments<Options>& arguments();
};

struct MeanAbsoluteErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_absolute_error";
};
/// Keras: keras.losses.MeanAbsoluteError — mean(abs(y_true - y_pred), axis=-1) per sample; a
/// regression loss less sensitive to outliers than MSE.
class MeanAbsoluteError : public LossWithOptions<MeanAbsoluteError, MeanAbsoluteErrorOptions> {
 public:
  explicit MeanAbsoluteError(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanAbsoluteError"; }
  static const Arguments<Options>& arguments();
};

struct MeanAbsolutePercentageErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_absolute_percentage_error";
};
/// Keras: keras.losses.MeanAbsolutePercentageError — 100 * mean(|(y_true - y_pred) / y_true|)
/// with the denominator kept away from zero by epsilon, as Keras does.
class MeanAbsolutePercentageError
    : public LossWithOptions<MeanAbsolutePercentageError, MeanAbsolutePercentageErrorOptions> {
 public:
  explicit MeanAbsolutePercentageError(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanAbsolutePercentageError"; }
  static const Arguments<Options>& arguments();
};

struct MeanSquaredLogarithmicErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_squared_logarithmic_error";
};
/// Keras: keras.losses.MeanSquaredLogarithmicError — MSE between log(1 + y) values (inputs
/// floored at epsilon), for targets spanning orders of magnitude.
class MeanSquaredLogarithmicError
    : public LossWithOptions<MeanSquaredLogarithmicError, MeanSquaredLogarithmicErrorOptions> {
 public:
  explicit MeanSquaredLogarithmicError(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanSquaredLogarithmicError"; }
  static const Arguments<Options>& arguments();
};

struct HuberOptions {
  double delta = 1.0;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "huber_loss";
};
/// Keras: keras.losses.Huber(delta=1.0) — 0.5 * x^2 for |x| <= delta, delta * |x| - 0.5 *
/// delta^2 beyond, averaged over the last axis. (Keras 3 up to 3.15 omits delta from its
/// config; Temper writes it, as tf.keras and Keras HEAD do, so that a config round-trips.)
class Huber : public LossWithOptions<Huber, HuberOptions> {
 public:
  explicit Huber(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Huber"; }
  static const Arguments<Options>& arguments();
  double delta() const noexcept { return options_.delta; }
};

struct LogCoshOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "log_cosh";
};
/// Keras: keras.losses.LogCosh — mean(log(cosh(y_pred - y_true))): quadratic near zero, linear
/// for large errors, smooth everywhere.
class LogCosh : public LossWithOptions<LogCosh, LogCoshOptions> {
 public:
  explicit LogCosh(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "LogCosh"; }
  static const Arguments<Options>& arguments();
};

struct CosineSimilarityOptions {
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "cosine_similarity";
};
/// Keras: keras.losses.CosineSimilarity(axis=-1) — the negated cosine similarity, so that
/// minimising it aligns predictions with targets.
class CosineSimilarity : public LossWithOptions<CosineSimilarity, CosineSimilarityOptions> {
 public:
  explicit CosineSimilarity(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CosineSimilarity"; }
  static const Arguments<Options>& arguments();
  int axis() const noexcept { return options_.axis; }
};

}  // namespace temper::losses
