// metrics/confusion_matrix.hpp — metrics built on confusion-matrix counts (Keras:
// keras/src/metrics/confusion_metrics.py): TruePositives, FalsePositives, TrueNegatives,
// FalseNegatives, Precision, Recall, AUC.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "temper/metrics/metric.hpp"

namespace temper::metrics {

/// Confusion-matrix thresholds: one number or a list of numbers in [0, 1] (Keras accepts and
/// writes a single threshold as a plain number).
struct Thresholds : std::vector<double> {
  using std::vector<double>::vector;
  Thresholds(std::vector<double> values) : std::vector<double>(std::move(values)) {}  // NOLINT: implicit
};

}  // namespace temper::metrics

namespace temper {
template <> struct ArgTraits<metrics::Thresholds> {
  static const char* expected();
  static metrics::Thresholds read(const Config& value);
  static Config write(const metrics::Thresholds& value);
};
}  // namespace temper

namespace temper::metrics {

// ---- confusion-matrix metrics ---------------------------------------------------------------
// Keras semantics (metrics_utils.update_confusion_matrix_variables): a prediction is positive
// when y_pred > threshold (strictly), a label when y_true != 0; y_pred/y_true are flattened (a
// trailing 1 squeezed first) and a per-sample weight is broadcast over the other axes. The
// counts of each batch are computed with ops on the device; one small vector comes back.

/// What a confusion count metric accumulates.
enum class ConfusionCondition { TruePositives, FalsePositives, TrueNegatives, FalseNegatives };

struct ConfusionCountOptions {
  /// One value or several in [0, 1]; unset means 0.5.
  std::optional<Thresholds> thresholds{};
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
  /// The argument table of the count class for `condition` (thresholds, name, dtype).
  static const Arguments<Options>& arguments_for(ConfusionCondition condition);

 protected:
  ConfusionCount(ConfusionCondition condition, Options options);

 private:
  ConfusionCondition condition_;
  std::optional<Thresholds> init_thresholds_;
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
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::TruePositives); }
};
/// Keras: keras.metrics.FalsePositives(thresholds=None) — weighted count of y_true == 0 with
/// y_pred > threshold.
class FalsePositives : public ConfusionCount {
 public:
  explicit FalsePositives(Options o = {})
      : ConfusionCount(ConfusionCondition::FalsePositives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<FalsePositives>(*this); }
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::FalsePositives); }
};
/// Keras: keras.metrics.TrueNegatives(thresholds=None) — weighted count of y_true == 0 with
/// y_pred <= threshold.
class TrueNegatives : public ConfusionCount {
 public:
  explicit TrueNegatives(Options o = {})
      : ConfusionCount(ConfusionCondition::TrueNegatives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<TrueNegatives>(*this); }
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::TrueNegatives); }
};
/// Keras: keras.metrics.FalseNegatives(thresholds=None) — weighted count of y_true != 0 with
/// y_pred <= threshold.
class FalseNegatives : public ConfusionCount {
 public:
  explicit FalseNegatives(Options o = {})
      : ConfusionCount(ConfusionCondition::FalseNegatives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<FalseNegatives>(*this); }
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::FalseNegatives); }
};

struct PrecisionRecallOptions {
  /// One value or several in [0, 1]; unset means 0.5 (or "any score" with top_k).
  std::optional<Thresholds> thresholds{};
  /// Only the k highest predictions per sample can be positive (ties broken by lower index,
  /// like ops.top_k).
  std::optional<int> top_k{};
  /// Restrict to one class column of (N, C) predictions.
  std::optional<int> class_id{};
  /// Empty means the Keras default ("precision" / "recall").
  std::string name{};
};

/// The shared implementation of Precision and Recall: TP / (TP + X) accumulated over batches
/// at each threshold, X being the false positives (Precision) or false negatives (Recall).
/// With several thresholds result() reports the first and results() all of them (Keras
/// returns a vector).
class ConfusionRatio : public Metric {
 public:
  using Options = PrecisionRecallOptions;
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override { return results().front(); }
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override;
  Config get_config() const override;
  bool higher_is_better() const override { return true; }
  /// The arguments as constructed, with the name in use.
  const Options& options() const noexcept { return options_; }
  /// The argument table of Precision (`over` FalsePositives) or Recall (FalseNegatives).
  static const Arguments<Options>& arguments_for(ConfusionCondition over);

 protected:
  ConfusionRatio(ConfusionCondition over, Options options);

 private:
  ConfusionCondition over_;
  Options options_;
  std::vector<double> thresholds_;
  std::vector<double> tp_, other_;
};

/// Keras: keras.metrics.Precision(thresholds=None, top_k=None, class_id=None) — TP / (TP + FP).
class Precision : public ConfusionRatio {
 public:
  explicit Precision(Options o = {}) : ConfusionRatio(ConfusionCondition::FalsePositives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<Precision>(*this); }
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::FalsePositives); }
};

/// Keras: keras.metrics.Recall(thresholds=None, top_k=None, class_id=None) — TP / (TP + FN),
/// with Precision's threshold conventions.
class Recall : public ConfusionRatio {
 public:
  explicit Recall(Options o = {}) : ConfusionRatio(ConfusionCondition::FalseNegatives, std::move(o)) {}
  MetricPtr clone() const override { return std::make_shared<Recall>(*this); }
  static const Arguments<Options>& arguments() { return arguments_for(ConfusionCondition::FalseNegatives); }
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
  static const Arguments<Options>& arguments();
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

}  // namespace temper::metrics
