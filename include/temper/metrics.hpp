// metrics.hpp — stateful training/evaluation metrics (Keras: keras.metrics).
//
// A metric accumulates statistics over batches (`update_state`), reports them (`result`) and
// is cleared between epochs (`reset_state`). The per-batch work runs as a few ops on the
// tensors' backend; only a handful of scalars come back to the host per update, where the
// state lives as doubles (so long epochs do not lose precision the way a float32 running sum
// would). Updates never record autograd history.
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

namespace temper::metrics {

class Metric;
using MetricPtr = std::shared_ptr<Metric>;

/// Keras: keras.metrics.Metric. The base of every metric: state in host doubles, updated from
/// (y_true, y_pred, sample_weight) batches. Metrics are copyable values; clone() copies one
/// (with its current state) behind a MetricPtr.
class Metric {
 public:
  virtual ~Metric();

  /// Accumulates one batch. sample_weight is optional (Keras: weights default to 1; a weight
  /// of 0 masks a sample). Mismatched y_true/y_pred shapes throw ShapeError naming both.
  virtual void update_state(const Tensor& y_true, const Tensor& y_pred,
                            const Tensor& sample_weight = Tensor()) = 0;
  /// The metric's value over everything accumulated since the last reset (0 when empty).
  virtual double result() const = 0;
  virtual void reset_state() = 0;

  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// Keras class name, e.g. "SparseCategoricalAccuracy".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): {"name", "dtype": "float32"} plus the class's own arguments.
  virtual Config get_config() const;
  virtual MetricPtr clone() const = 0;
  /// True when larger is better (Keras Metric._direction "up"); callbacks in "auto" mode use it.
  virtual bool higher_is_better() const { return false; }

 protected:
  explicit Metric(std::string name);
  Metric(const Metric&) = default;
  Metric& operator=(const Metric&) = default;

 private:
  std::string name_;
};

// Option structs live at namespace scope (aliased as X::Options) so that designated
// initializers work: metrics::Precision({.thresholds = {{0.3}}}).

struct MeanOptions {
  std::string name = "mean";
};
/// Keras: keras.metrics.Mean — the (weighted) mean of the values it is given. The model uses
/// one to track the loss (Keras's loss tracker): update_state(batch_loss, batch_size).
class Mean : public Metric {
 public:
  using Options = MeanOptions;
  explicit Mean(Options options = {});
  /// Adds `value` with weight `weight` (Keras: update_state(scalar, sample_weight=w)).
  void update_state(double value, double weight = 1.0);
  /// Keras Mean.update_state(values, sample_weight): per-sample values (reduced to one value
  /// per sample by averaging the other axes), optionally weighted.
  void update_values(const Tensor& values, const Tensor& sample_weight = Tensor());
  /// In a (y_true, y_pred) setting a Mean averages y_pred; y_true is ignored.
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  void reset_state() override;
  std::string class_name() const override { return "Mean"; }
  MetricPtr clone() const override { return std::make_shared<Mean>(*this); }
  double total() const noexcept { return total_; }
  double count() const noexcept { return count_; }

 protected:
  double total_ = 0.0;
  double count_ = 0.0;
};

struct SumOptions {
  std::string name = "sum";
};
/// Keras: keras.metrics.Sum — the (weighted) sum of the values it is given.
class Sum : public Metric {
 public:
  using Options = SumOptions;
  explicit Sum(Options options = {});
  void update_state(double value, double weight = 1.0);
  void update_values(const Tensor& values, const Tensor& sample_weight = Tensor());
  /// In a (y_true, y_pred) setting a Sum adds up y_pred; y_true is ignored.
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override { return total_; }
  void reset_state() override { total_ = 0.0; }
  std::string class_name() const override { return "Sum"; }
  MetricPtr clone() const override { return std::make_shared<Sum>(*this); }

 private:
  double total_ = 0.0;
};

/// A per-sample metric function: (y_true, y_pred) -> values whose first axis is the batch.
using MetricFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

/// Keras: keras.metrics.MeanMetricWrapper — the weighted mean over samples of a stateless
/// per-sample function. Every accuracy, regression and probabilistic metric below is one;
/// user code can wrap its own function the same way.
class MeanMetricWrapper : public Mean {
 public:
  MeanMetricWrapper(MetricFn fn, std::string name);
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  using Mean::update_state;
  std::string class_name() const override { return "MeanMetricWrapper"; }
  MetricPtr clone() const override { return std::make_shared<MeanMetricWrapper>(*this); }

 protected:
  /// The per-sample values for one batch (default: the wrapped function).
  virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const;

 private:
  MetricFn fn_;
};

// ---- accuracy -------------------------------------------------------------------------------

struct AccuracyOptions {
  std::string name = "accuracy";
};
/// Keras: keras.metrics.Accuracy — how often y_pred equals y_true exactly (not argmax-based;
/// the string "accuracy" in compile resolves to one of the classes below instead).
class Accuracy : public MeanMetricWrapper {
 public:
  using Options = AccuracyOptions;
  explicit Accuracy(Options options = {});
  std::string class_name() const override { return "Accuracy"; }
  MetricPtr clone() const override { return std::make_shared<Accuracy>(*this); }
  bool higher_is_better() const override { return true; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct BinaryAccuracyOptions {
  double threshold = 0.5;
  std::string name = "binary_accuracy";
};
/// Keras: keras.metrics.BinaryAccuracy(threshold=0.5) — how often (y_pred > threshold) equals
/// the 0/1 label, averaged over the last axis per sample.
class BinaryAccuracy : public MeanMetricWrapper {
 public:
  using Options = BinaryAccuracyOptions;
  explicit BinaryAccuracy(Options options = {});
  std::string class_name() const override { return "BinaryAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<BinaryAccuracy>(*this); }
  bool higher_is_better() const override { return true; }
  double threshold() const noexcept { return threshold_; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  double threshold_;
};

struct CategoricalAccuracyOptions {
  std::string name = "categorical_accuracy";
};
/// Keras: keras.metrics.CategoricalAccuracy — how often argmax(y_pred) equals argmax of the
/// one-hot y_true.
class CategoricalAccuracy : public MeanMetricWrapper {
 public:
  using Options = CategoricalAccuracyOptions;
  explicit CategoricalAccuracy(Options options = {});
  std::string class_name() const override { return "CategoricalAccuracy"; }
  MetricPtr clone() const override { return std::make_shared<CategoricalAccuracy>(*this); }
  bool higher_is_better() const override { return true; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct SparseCategoricalAccuracyOptions {
  std::string name = "sparse_categorical_accuracy";
};
/// Keras: keras.metrics.SparseCategoricalAccuracy — how often argmax(y_pred) equals the
/// integer label; labels of shape (N,) or (N, 1), int32 or float.
class SparseCategoricalAccuracy : public MeanMetricWrapper {
 public:
  using Options = SparseCategoricalAccuracyOptions;
  explicit SparseCategoricalAccuracy(Options options = {});
  std::string class_name() const override { return "SparseCategoricalAccuracy"; }
  MetricPtr clone() const override { return std::make_shared<SparseCategoricalAccuracy>(*this); }
  bool higher_is_better() const override { return true; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct TopKCategoricalAccuracyOptions {
  int k = 5;
  std::string name = "top_k_categorical_accuracy";
};
/// Keras: keras.metrics.TopKCategoricalAccuracy(k=5) — how often the one-hot target is among
/// the k highest predictions (ties at the k-th score count as hits, like TF's in_top_k).
class TopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  using Options = TopKCategoricalAccuracyOptions;
  explicit TopKCategoricalAccuracy(Options options = {});
  std::string class_name() const override { return "TopKCategoricalAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<TopKCategoricalAccuracy>(*this); }
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return k_; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  int k_;
};

struct SparseTopKCategoricalAccuracyOptions {
  int k = 5;
  std::string name = "sparse_top_k_categorical_accuracy";
};
/// Keras: keras.metrics.SparseTopKCategoricalAccuracy(k=5) — TopKCategoricalAccuracy with
/// integer labels.
class SparseTopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  using Options = SparseTopKCategoricalAccuracyOptions;
  explicit SparseTopKCategoricalAccuracy(Options options = {});
  std::string class_name() const override { return "SparseTopKCategoricalAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override {
    return std::make_shared<SparseTopKCategoricalAccuracy>(*this);
  }
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return k_; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  int k_;
};

// ---- regression -----------------------------------------------------------------------------

struct MeanSquaredErrorOptions {
  std::string name = "mean_squared_error";
};
/// Keras: keras.metrics.MeanSquaredError — the sample-weighted mean of losses::mean_squared_error.
class MeanSquaredError : public MeanMetricWrapper {
 public:
  using Options = MeanSquaredErrorOptions;
  explicit MeanSquaredError(Options options = {});
  std::string class_name() const override { return "MeanSquaredError"; }
  MetricPtr clone() const override { return std::make_shared<MeanSquaredError>(*this); }
};

struct MeanAbsoluteErrorOptions {
  std::string name = "mean_absolute_error";
};
/// Keras: keras.metrics.MeanAbsoluteError — the sample-weighted mean of
/// losses::mean_absolute_error.
class MeanAbsoluteError : public MeanMetricWrapper {
 public:
  using Options = MeanAbsoluteErrorOptions;
  explicit MeanAbsoluteError(Options options = {});
  std::string class_name() const override { return "MeanAbsoluteError"; }
  MetricPtr clone() const override { return std::make_shared<MeanAbsoluteError>(*this); }
};

struct MeanAbsolutePercentageErrorOptions {
  std::string name = "mean_absolute_percentage_error";
};
/// Keras: keras.metrics.MeanAbsolutePercentageError — the mean of
/// losses::mean_absolute_percentage_error.
class MeanAbsolutePercentageError : public MeanMetricWrapper {
 public:
  using Options = MeanAbsolutePercentageErrorOptions;
  explicit MeanAbsolutePercentageError(Options options = {});
  std::string class_name() const override { return "MeanAbsolutePercentageError"; }
  MetricPtr clone() const override {
    return std::make_shared<MeanAbsolutePercentageError>(*this);
  }
};

struct MeanSquaredLogarithmicErrorOptions {
  std::string name = "mean_squared_logarithmic_error";
};
/// Keras: keras.metrics.MeanSquaredLogarithmicError — the mean of
/// losses::mean_squared_logarithmic_error.
class MeanSquaredLogarithmicError : public MeanMetricWrapper {
 public:
  using Options = MeanSquaredLogarithmicErrorOptions;
  explicit MeanSquaredLogarithmicError(Options options = {});
  std::string class_name() const override { return "MeanSquaredLogarithmicError"; }
  MetricPtr clone() const override {
    return std::make_shared<MeanSquaredLogarithmicError>(*this);
  }
};

struct RootMeanSquaredErrorOptions {
  std::string name = "root_mean_squared_error";
};
/// Keras: keras.metrics.RootMeanSquaredError — sqrt of the weighted mean of squared errors
/// over every element seen (the root is taken after averaging, not per batch).
class RootMeanSquaredError : public Mean {
 public:
  using Options = RootMeanSquaredErrorOptions;
  explicit RootMeanSquaredError(Options options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  using Mean::update_state;
  double result() const override;
  std::string class_name() const override { return "RootMeanSquaredError"; }
  MetricPtr clone() const override { return std::make_shared<RootMeanSquaredError>(*this); }
};

// ---- probabilistic --------------------------------------------------------------------------

struct BinaryCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  std::string name = "binary_crossentropy";
};
/// Keras: keras.metrics.BinaryCrossentropy — the mean of losses::binary_crossentropy.
class BinaryCrossentropy : public MeanMetricWrapper {
 public:
  using Options = BinaryCrossentropyOptions;
  explicit BinaryCrossentropy(Options options = {});
  std::string class_name() const override { return "BinaryCrossentropy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<BinaryCrossentropy>(*this); }

 private:
  Options options_;
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  std::string name = "categorical_crossentropy";
};
/// Keras: keras.metrics.CategoricalCrossentropy — the mean of losses::categorical_crossentropy.
class CategoricalCrossentropy : public MeanMetricWrapper {
 public:
  using Options = CategoricalCrossentropyOptions;
  explicit CategoricalCrossentropy(Options options = {});
  std::string class_name() const override { return "CategoricalCrossentropy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<CategoricalCrossentropy>(*this); }

 private:
  Options options_;
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  int axis = -1;
  std::string name = "sparse_categorical_crossentropy";
};
/// Keras: keras.metrics.SparseCategoricalCrossentropy — the mean of
/// losses::sparse_categorical_crossentropy.
class SparseCategoricalCrossentropy : public MeanMetricWrapper {
 public:
  using Options = SparseCategoricalCrossentropyOptions;
  explicit SparseCategoricalCrossentropy(Options options = {});
  std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
  Config get_config() const override;
  MetricPtr clone() const override {
    return std::make_shared<SparseCategoricalCrossentropy>(*this);
  }

 private:
  Options options_;
};

struct KLDivergenceOptions {
  std::string name = "kl_divergence";
};
/// Keras: keras.metrics.KLDivergence — the mean of losses::kl_divergence.
class KLDivergence : public MeanMetricWrapper {
 public:
  using Options = KLDivergenceOptions;
  explicit KLDivergence(Options options = {});
  std::string class_name() const override { return "KLDivergence"; }
  MetricPtr clone() const override { return std::make_shared<KLDivergence>(*this); }
};

// ---- confusion-matrix metrics ---------------------------------------------------------------
// Keras semantics (metrics_utils.update_confusion_matrix_variables): a prediction is positive
// when y_pred > threshold (strictly), a label when y_true != 0; y_pred/y_true are flattened (a
// trailing 1 squeezed first) and a per-sample weight is broadcast over the other axes. The
// counts of each batch are computed with ops on the device; one small vector comes back.

/// What a confusion count metric accumulates.
enum class ConfusionCondition { TruePositives, FalsePositives, TrueNegatives, FalseNegatives };

struct ConfusionCountOptions {
  /// One value or several in [0, 1]; unset means 0.5.
  std::optional<std::vector<double>> thresholds{};
  /// Empty means the Keras default (the snake_case class name, e.g. "true_positives").
  std::string name{};
};
/// The shared implementation of Keras's TruePositives / FalsePositives / TrueNegatives /
/// FalseNegatives (keras.src.metrics.confusion_metrics._ConfusionMatrixConditionCount): the
/// weighted count of one confusion-matrix cell at each threshold.
class ConfusionCount : public Metric {
 public:
  using Options = ConfusionCountOptions;
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  /// The count at the first threshold.
  double result() const override { return counts_.front(); }
  /// The count at every threshold.
  const std::vector<double>& results() const noexcept { return counts_; }
  void reset_state() override;
  std::string class_name() const override;
  Config get_config() const override;
  ConfusionCondition condition() const noexcept { return condition_; }

 protected:
  ConfusionCount(ConfusionCondition condition, Options options);

 private:
  ConfusionCondition condition_;
  std::optional<std::vector<double>> init_thresholds_;
  std::vector<double> thresholds_;
  std::vector<double> counts_;
};

/// Keras: keras.metrics.TruePositives(thresholds=None) — weighted count of y_true != 0 with
/// y_pred > threshold.
class TruePositives : public ConfusionCount {
 public:
  explicit TruePositives(Options o = {})
      : ConfusionCount(ConfusionCondition::TruePositives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<TruePositives>(*this); }
};
/// Keras: keras.metrics.FalsePositives(thresholds=None) — weighted count of y_true == 0 with
/// y_pred > threshold.
class FalsePositives : public ConfusionCount {
 public:
  explicit FalsePositives(Options o = {})
      : ConfusionCount(ConfusionCondition::FalsePositives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<FalsePositives>(*this); }
};
/// Keras: keras.metrics.TrueNegatives(thresholds=None) — weighted count of y_true == 0 with
/// y_pred <= threshold.
class TrueNegatives : public ConfusionCount {
 public:
  explicit TrueNegatives(Options o = {})
      : ConfusionCount(ConfusionCondition::TrueNegatives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<TrueNegatives>(*this); }
};
/// Keras: keras.metrics.FalseNegatives(thresholds=None) — weighted count of y_true != 0 with
/// y_pred <= threshold.
class FalseNegatives : public ConfusionCount {
 public:
  explicit FalseNegatives(Options o = {})
      : ConfusionCount(ConfusionCondition::FalseNegatives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<FalseNegatives>(*this); }
};

struct PrecisionRecallOptions {
  /// One value or several in [0, 1]; unset means 0.5 (or "any score" with top_k).
  std::optional<std::vector<double>> thresholds{};
  /// Only the k highest predictions per sample can be positive (ties broken by lower index,
  /// like ops.top_k).
  std::optional<int> top_k{};
  /// Restrict to one class column of (N, C) predictions.
  std::optional<int> class_id{};
  /// Empty means the Keras default ("precision" / "recall").
  std::string name{};
};

/// Keras: keras.metrics.Precision(thresholds=None, top_k=None, class_id=None) —
/// TP / (TP + FP) accumulated over batches. With several thresholds result() reports the first
/// and results() all of them (Keras returns a vector).
class Precision : public Metric {
 public:
  using Options = PrecisionRecallOptions;
  explicit Precision(Options options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override { return results().front(); }
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override { return "Precision"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<Precision>(*this); }
  bool higher_is_better() const override { return true; }

 private:
  Options options_;
  std::vector<double> thresholds_;
  std::vector<double> tp_, fp_;
};

/// Keras: keras.metrics.Recall(thresholds=None, top_k=None, class_id=None) — TP / (TP + FN)
/// accumulated over batches; same threshold conventions as Precision.
class Recall : public Metric {
 public:
  using Options = PrecisionRecallOptions;
  explicit Recall(Options options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override { return results().front(); }
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override { return "Recall"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<Recall>(*this); }
  bool higher_is_better() const override { return true; }

 private:
  Options options_;
  std::vector<double> thresholds_;
  std::vector<double> tp_, fn_;
};

struct AUCOptions {
  int num_thresholds = 200;
  /// "ROC" or "PR".
  std::string curve = "ROC";
  /// "interpolation", "minoring" or "majoring".
  std::string summation_method = "interpolation";
  /// Explicit thresholds in [0, 1] (num_thresholds is then their count + 2).
  std::optional<std::vector<double>> thresholds{};
  /// Apply a sigmoid to y_pred first.
  bool from_logits = false;
  std::string name = "auc";
};
/// Keras: keras.metrics.AUC(num_thresholds=200, curve="ROC", summation_method="interpolation")
/// — area under the ROC or precision-recall curve from confusion counts at fixed thresholds
/// (-1e-7, evenly spaced interior points, 1 + 1e-7). ROC uses the trapezoid rule
/// ("interpolation"); PR uses Keras's interpolation formula (Davis & Goadrich); minoring and
/// majoring take the lower/upper Riemann sums. multi_label is not supported.
///
/// Each update copies y_pred, y_true and the weights to the host (one transfer) and bins them
/// there — for evenly spaced thresholds in O(N + T) with Keras's bucket algorithm — which is
/// cheaper than T device comparisons at the batch sizes metrics see.
class AUC : public Metric {
 public:
  using Options = AUCOptions;
  explicit AUC(Options options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  void reset_state() override;
  std::string class_name() const override { return "AUC"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<AUC>(*this); }
  bool higher_is_better() const override { return true; }
  /// The thresholds in use, including the two endpoints.
  const std::vector<double>& thresholds() const noexcept { return thresholds_; }

 private:
  Options options_;
  std::vector<double> thresholds_;
  bool evenly_distributed_ = true;
  std::vector<double> tp_, fp_, tn_, fn_;
};

// ---- lookup and serialisation ---------------------------------------------------------------

/// Keras keras.metrics.get for strings: class names ("Precision"), snake_case names
/// ("sparse_categorical_accuracy", "auc") and aliases ("mse", "mae", "mape", "msle", "bce",
/// "acc"). Returns a fresh metric with default arguments and name. Unknown names throw
/// UnknownNameError listing the known names and the closest one.
MetricPtr get(const std::string& name);

/// Keras compile-time resolution (trainers/compile_utils.get_metric). "accuracy"/"acc":
/// BinaryAccuracy if y_pred's last dim is 1; else SparseCategoricalAccuracy if rank(y_true) <
/// rank(y_pred) or (y_true's last dim is 1 and y_pred's last dim > 1); else
/// CategoricalAccuracy. "crossentropy"/"ce" pick the matching crossentropy metric by the same
/// rule. Other names go to get(). As in Keras, the metric's name() is the string the user typed.
MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape);

/// Every string get() accepts.
std::vector<std::string> names();

/// Keras keras.metrics.deserialize: a name, or {"class_name", "config"}. Also reads the legacy
/// {"class_name": "MeanMetricWrapper", "config": {"name", "fn": "binary_accuracy"}} that
/// tf.keras wrote into HDF5 training configs.
MetricPtr from_config(const Config& config);

/// {"module": "keras.metrics", "class_name", "config", "registered_name": null}.
Config serialize(const Metric& metric);

}  // namespace temper::metrics
