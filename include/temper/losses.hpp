// losses.hpp — loss functions (Keras: keras.losses).
//
// Every loss is written only with temper::ops, so autodiff provides its gradient and it runs on
// whichever backend holds the tensors. A loss object computes per-sample values (`call`), then
// applies the sample weights and the reduction (`operator()`), exactly as Keras's
// `Loss.__call__` does.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "temper/config.hpp"
#include "temper/shape.hpp"
#include "temper/tensor.hpp"

namespace temper::losses {

/// How per-sample losses become the returned value (Keras: the `reduction` argument).
/// SumOverBatchSize and Mean divide the weighted sum by the number of loss elements (Keras treats
/// them identically); MeanWithSampleWeight divides by the sum of the sample weights instead.
enum class Reduction { SumOverBatchSize, Sum, Mean, None, MeanWithSampleWeight };

/// Keras spelling: "sum_over_batch_size", "sum", "mean", "none", "mean_with_sample_weight".
std::string reduction_name(Reduction r);
/// Parses a Keras reduction string ("none" also for JSON null); ValueError listing the valid ones.
Reduction reduction_from_name(const std::string& name);

class Loss;
using LossPtr = std::shared_ptr<Loss>;

/// Keras: keras.losses.Loss. The base of every loss: subclasses compute per-sample values in
/// `call`; `operator()` multiplies them by the sample weights and reduces them the way Keras's
/// `Loss.__call__` does, so a user-defined loss only has to supply `call`, `class_name` and
/// `clone`. Losses are small copyable values (a name, a reduction and their arguments).
class Loss {
 public:
  virtual ~Loss();

  /// Per-sample losses: y_pred's shape without its last axis for the built-in losses (Keras
  /// Loss.call; the last axis is averaged or summed where Keras does so).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;

  /// Keras Loss.__call__: call(), multiply by `sample_weight` (shape (batch,) or broadcastable
  /// to the per-sample losses; Keras squeezes/expands a trailing 1 to match ranks), then reduce.
  /// Returns a 0-d tensor, or the weighted per-sample losses for Reduction::None.
  /// Differentiable with respect to y_pred.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) const;

  /// Keras class name, e.g. "SparseCategoricalCrossentropy".
  virtual std::string class_name() const = 0;
  /// Keras instance name, e.g. "sparse_categorical_crossentropy".
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  Reduction reduction() const noexcept { return reduction_; }
  /// Keras get_config(): {"name", "reduction"} plus the class's own arguments.
  virtual Config get_config() const;
  /// A copy of this loss behind a LossPtr (losses are held polymorphically by models).
  virtual LossPtr clone() const = 0;

 protected:
  Loss(std::string name, Reduction reduction);
  Loss(const Loss&) = default;
  Loss& operator=(const Loss&) = default;

  /// Per-sample losses plus an optional 0/1 mask of the entries that count (Keras attaches
  /// such a mask to the output of SparseCategoricalCrossentropy with ignore_class; the
  /// reduction then averages over the valid entries only). Defaults to {call(), undefined}.
  virtual std::pair<Tensor, Tensor> call_with_mask(const Tensor& y_true,
                                                   const Tensor& y_pred) const;

 private:
  std::string name_;
  Reduction reduction_;
};

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
/// sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [1e-7, 1].
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
/// mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);
/// mean(max(1 - y_true * y_pred, 0), axis=-1); {0, 1} labels are mapped to {-1, 1}.
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
/// mean(square(max(1 - y_true * y_pred, 0)), axis=-1); {0, 1} labels are mapped to {-1, 1}.
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
/// max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis.
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);
/// -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis).
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis = -1);
/// Elementwise -[y log p + (1 - y) log(1 - p)], p clipped to [1e-7, 1 - 1e-7] (or the stable
/// logits form), then the mean over `axis`. Label smoothing: y * (1 - ls) + 0.5 * ls.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, int axis = -1);
/// -sum(y * log p, axis) with p = y_pred / sum(y_pred) clipped to [1e-7, 1 - 1e-7], or
/// log_softmax(y_pred) when from_logits. Label smoothing: y * (1 - ls) + ls / num_classes.
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                bool from_logits = false, double label_smoothing = 0.0,
                                int axis = -1);
/// Integer labels of shape y_pred.shape[:-1] (a trailing 1 is squeezed), int32 or float.
/// from_logits uses the fused ops::sparse_softmax_cross_entropy. Entries whose label equals
/// `ignore_class` get loss 0 (the class form also excludes them from the reduction). Only the
/// last axis is supported as the class axis.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                       bool from_logits = false,
                                       std::optional<int> ignore_class = std::nullopt,
                                       int axis = -1);

/// Keras keras.src.losses.loss.squeeze_or_expand_to_same_rank: when the ranks differ by one and
/// the longer has a trailing 1, squeeze it (or, for a rank-1 partner and expand_rank_1, expand
/// the partner instead). Used by losses and metrics to line up labels, predictions and weights.
std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2,
                                                         bool expand_rank_1 = true);

// ---- loss classes ---------------------------------------------------------------------------
// Option structs live at namespace scope (and are aliased as X::Options) so that
// `X({.from_logits = true})` works with designated initializers.

struct MeanSquaredErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_squared_error";
};
/// Keras: keras.losses.MeanSquaredError — mean(square(y_true - y_pred), axis=-1) per sample;
/// the usual regression loss.
class MeanSquaredError : public Loss {
 public:
  using Options = MeanSquaredErrorOptions;
  explicit MeanSquaredError(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanSquaredError"; }
  LossPtr clone() const override { return std::make_shared<MeanSquaredError>(*this); }
};

/// A per-sample loss function: (y_true, y_pred) -> values whose first axis is the batch.
using LossFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

/// Keras: keras.losses.LossFunctionWrapper — turns a per-sample function of differentiable
/// ops into a Loss (sample weights and the reduction are applied as for the built-in losses).
/// This is how a custom loss written as a plain function is passed to compile().
class LossFunctionWrapper : public Loss {
 public:
  LossFunctionWrapper(LossFn fn, std::string name, Reduction reduction = Reduction::SumOverBatchSize);
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "LossFunctionWrapper"; }
  LossPtr clone() const override { return std::make_shared<LossFunctionWrapper>(*this); }

 private:
  LossFn fn_;
};

struct MeanAbsoluteErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_absolute_error";
};
/// Keras: keras.losses.MeanAbsoluteError — mean(abs(y_true - y_pred), axis=-1) per sample; a
/// regression loss less sensitive to outliers than MSE.
class MeanAbsoluteError : public Loss {
 public:
  using Options = MeanAbsoluteErrorOptions;
  explicit MeanAbsoluteError(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanAbsoluteError"; }
  LossPtr clone() const override { return std::make_shared<MeanAbsoluteError>(*this); }
};

struct MeanAbsolutePercentageErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_absolute_percentage_error";
};
/// Keras: keras.losses.MeanAbsolutePercentageError — 100 * mean(|(y_true - y_pred) / y_true|)
/// with the denominator kept away from zero by epsilon, as Keras does.
class MeanAbsolutePercentageError : public Loss {
 public:
  using Options = MeanAbsolutePercentageErrorOptions;
  explicit MeanAbsolutePercentageError(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanAbsolutePercentageError"; }
  LossPtr clone() const override { return std::make_shared<MeanAbsolutePercentageError>(*this); }
};

struct MeanSquaredLogarithmicErrorOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "mean_squared_logarithmic_error";
};
/// Keras: keras.losses.MeanSquaredLogarithmicError — MSE between log(1 + y) values (inputs
/// floored at epsilon), for targets spanning orders of magnitude.
class MeanSquaredLogarithmicError : public Loss {
 public:
  using Options = MeanSquaredLogarithmicErrorOptions;
  explicit MeanSquaredLogarithmicError(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "MeanSquaredLogarithmicError"; }
  LossPtr clone() const override { return std::make_shared<MeanSquaredLogarithmicError>(*this); }
};

struct HuberOptions {
  double delta = 1.0;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "huber_loss";
};
/// Keras: keras.losses.Huber(delta=1.0) — 0.5 * x^2 for |x| <= delta, delta * |x| - 0.5 *
/// delta^2 beyond, averaged over the last axis. (Keras's get_config omits delta; Temper
/// includes it so that a config round-trips.)
class Huber : public Loss {
 public:
  using Options = HuberOptions;
  explicit Huber(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Huber"; }
  Config get_config() const override;
  LossPtr clone() const override { return std::make_shared<Huber>(*this); }
  double delta() const noexcept { return delta_; }

 private:
  double delta_;
};

struct LogCoshOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "log_cosh";
};
/// Keras: keras.losses.LogCosh — mean(log(cosh(y_pred - y_true))): quadratic near zero, linear
/// for large errors, smooth everywhere.
class LogCosh : public Loss {
 public:
  using Options = LogCoshOptions;
  explicit LogCosh(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "LogCosh"; }
  LossPtr clone() const override { return std::make_shared<LogCosh>(*this); }
};

struct KLDivergenceOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "kl_divergence";
};
/// Keras: keras.losses.KLDivergence — sum(y_true * log(y_true / y_pred)) over the last axis,
/// both distributions clipped to [1e-7, 1] first.
class KLDivergence : public Loss {
 public:
  using Options = KLDivergenceOptions;
  explicit KLDivergence(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "KLDivergence"; }
  LossPtr clone() const override { return std::make_shared<KLDivergence>(*this); }
};

struct PoissonOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "poisson";
};
/// Keras: keras.losses.Poisson — mean(y_pred - y_true * log(y_pred + 1e-7)) for count targets.
class Poisson : public Loss {
 public:
  using Options = PoissonOptions;
  explicit Poisson(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Poisson"; }
  LossPtr clone() const override { return std::make_shared<Poisson>(*this); }
};

struct HingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "hinge";
};
/// Keras: keras.losses.Hinge — mean(max(1 - y_true * y_pred, 0)) with labels in {-1, 1}
/// ({0, 1} labels are converted, as Keras does).
class Hinge : public Loss {
 public:
  using Options = HingeOptions;
  explicit Hinge(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Hinge"; }
  LossPtr clone() const override { return std::make_shared<Hinge>(*this); }
};

struct SquaredHingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "squared_hinge";
};
/// Keras: keras.losses.SquaredHinge — mean(square(max(1 - y_true * y_pred, 0))).
class SquaredHinge : public Loss {
 public:
  using Options = SquaredHingeOptions;
  explicit SquaredHinge(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "SquaredHinge"; }
  LossPtr clone() const override { return std::make_shared<SquaredHinge>(*this); }
};

struct CategoricalHingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "categorical_hinge";
};
/// Keras: keras.losses.CategoricalHinge — max(neg - pos + 1, 0) with pos = sum(y_true * y_pred)
/// and neg = max((1 - y_true) * y_pred), for one-hot labels.
class CategoricalHinge : public Loss {
 public:
  using Options = CategoricalHingeOptions;
  explicit CategoricalHinge(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CategoricalHinge"; }
  LossPtr clone() const override { return std::make_shared<CategoricalHinge>(*this); }
};

struct CosineSimilarityOptions {
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "cosine_similarity";
};
/// Keras: keras.losses.CosineSimilarity(axis=-1) — the negated cosine similarity, so that
/// minimising it aligns predictions with targets.
class CosineSimilarity : public Loss {
 public:
  using Options = CosineSimilarityOptions;
  explicit CosineSimilarity(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CosineSimilarity"; }
  Config get_config() const override;
  LossPtr clone() const override { return std::make_shared<CosineSimilarity>(*this); }
  int axis() const noexcept { return axis_; }

 private:
  int axis_;
};

struct BinaryCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "binary_crossentropy";
};
/// Keras: keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1) —
/// for 0/1 (or soft) targets and one sigmoid output per label. Probabilities are clipped to
/// [1e-7, 1 - 1e-7]; with from_logits the numerically stable logits form of TensorFlow's
/// sigmoid_cross_entropy_with_logits is used instead.
class BinaryCrossentropy : public Loss {
 public:
  using Options = BinaryCrossentropyOptions;
  explicit BinaryCrossentropy(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "BinaryCrossentropy"; }
  Config get_config() const override;
  LossPtr clone() const override { return std::make_shared<BinaryCrossentropy>(*this); }
  bool from_logits() const noexcept { return from_logits_; }
  double label_smoothing() const noexcept { return label_smoothing_; }
  int axis() const noexcept { return axis_; }

 private:
  bool from_logits_;
  double label_smoothing_;
  int axis_;
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "categorical_crossentropy";
};
/// Keras: keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=0.0,
/// axis=-1) — for one-hot targets. Probabilities are renormalised to sum to one and clipped to
/// [1e-7, 1 - 1e-7]; with from_logits log_softmax is used.
class CategoricalCrossentropy : public Loss {
 public:
  using Options = CategoricalCrossentropyOptions;
  explicit CategoricalCrossentropy(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CategoricalCrossentropy"; }
  Config get_config() const override;
  LossPtr clone() const override { return std::make_shared<CategoricalCrossentropy>(*this); }
  bool from_logits() const noexcept { return from_logits_; }
  double label_smoothing() const noexcept { return label_smoothing_; }
  int axis() const noexcept { return axis_; }

 private:
  bool from_logits_;
  double label_smoothing_;
  int axis_;
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  std::optional<int> ignore_class{};
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "sparse_categorical_crossentropy";
};
/// Keras: keras.losses.SparseCategoricalCrossentropy(from_logits=False, ignore_class=None) —
/// categorical crossentropy with integer labels of shape (batch,) or (batch, 1). The
/// from_logits case runs the fused softmax-crossentropy kernel (the training hot path). With
/// ignore_class, entries with that label contribute zero and are left out of the average.
class SparseCategoricalCrossentropy : public Loss {
 public:
  using Options = SparseCategoricalCrossentropyOptions;
  explicit SparseCategoricalCrossentropy(Options options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
  Config get_config() const override;
  LossPtr clone() const override {
    return std::make_shared<SparseCategoricalCrossentropy>(*this);
  }
  bool from_logits() const noexcept { return from_logits_; }
  std::optional<int> ignore_class() const noexcept { return ignore_class_; }
  int axis() const noexcept { return axis_; }

 protected:
  std::pair<Tensor, Tensor> call_with_mask(const Tensor& y_true,
                                           const Tensor& y_pred) const override;

 private:
  bool from_logits_;
  std::optional<int> ignore_class_;
  int axis_;
};

// ---- lookup and serialisation ---------------------------------------------------------------

/// Keras keras.losses.get for strings: class names ("MeanSquaredError"), snake_case names
/// ("mean_squared_error", "huber", "kl_divergence") and aliases ("mse", "mae", "mape", "msle",
/// "bce", "kld", "MSE", ...). Returns a fresh instance with the class's default arguments and
/// name. Unknown names throw UnknownNameError listing the known names and the closest one.
LossPtr get(const std::string& name);

/// Keras compile-time resolution (trainers/compile_utils.get_loss): "crossentropy"/"ce" become
/// BinaryCrossentropy when y_pred's last dim is 1, SparseCategoricalCrossentropy when y_true
/// has lower rank than y_pred (or a trailing 1 while y_pred's last dim is > 1), else
/// CategoricalCrossentropy. Other strings go to get(). As in Keras, a loss named by a function
/// name or alias is named by the string the user typed; a class name keeps the default name.
LossPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape);

/// Every string get() accepts.
std::vector<std::string> names();

/// Keras keras.losses.deserialize: a name string, or {"class_name", "config"} (a Keras
/// "module"/"registered_name" is accepted and ignored). Unknown class names throw
/// UnknownNameError, bad config values ConfigError.
LossPtr from_config(const Config& config);

/// Keras keras.losses.serialize: {"module": "keras.losses", "class_name", "config",
/// "registered_name": null}.
Config serialize(const Loss& loss);

}  // namespace temper::losses
