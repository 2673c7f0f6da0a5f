// metrics/f_score.hpp — F-beta and F1 scores (Keras: keras/src/metrics/f_score_metrics.py).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "temper/metrics/metric.hpp"

namespace temper::metrics {

struct FBetaScoreOptions {
  /// null (one score per class), "micro" (one score from counts pooled over classes),
  /// "macro" (the mean of the per-class scores) or "weighted" (their mean weighted by each
  /// class's number of true instances).
  std::optional<std::string> average{};
  /// Weight of recall against precision (> 0).
  double beta = 1.0;
  /// A prediction is positive when y_pred > threshold, in (0, 1]; null means the largest
  /// prediction of each row (when it is not 0) is the positive one.
  std::optional<double> threshold{};
  std::string name = "fbeta_score";
};
/// Keras 3: keras.metrics.FBetaScore(average=None, beta=1.0, threshold=None) —
/// (1 + beta^2) * precision * recall / (beta^2 * precision + recall) from true/false
/// positive and false negative counts accumulated over batches (epsilon 1e-7 in every
/// division, as Keras). Inputs are (batch, num_classes), the same number of classes in
/// every batch. results() is the per-class vector for average=None and one value otherwise;
/// result() is that one value, or for average=None the mean of the per-class scores (a
/// scalar for the training logs, where Keras would log the vector).
class FBetaScore : public Metric {
 public:
  using Options = FBetaScoreOptions;
  explicit FBetaScore(Options options = {});
  static const Arguments<Options>& arguments();
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  /// Per class for average=None (empty before the first update), else one value.
  std::vector<double> results() const;
  void reset_state() override;
  std::string class_name() const override { return "FBetaScore"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<FBetaScore>(*this); }
  bool higher_is_better() const override { return true; }
  const Options& options() const noexcept { return options_; }

 protected:
  Options options_;

 private:
  // Per class, or one entry for "micro"; empty until the first update fixes the class count.
  std::vector<double> tp_, fp_, fn_, support_;
  std::int64_t num_classes_ = -1;
};

struct F1ScoreOptions {
  std::optional<std::string> average{};
  std::optional<double> threshold{};
  std::string name = "f1_score";
};
/// Keras 3: keras.metrics.F1Score(average=None, threshold=None) — FBetaScore with beta = 1
/// (its config has no `beta`).
class F1Score : public FBetaScore {
 public:
  using Options = F1ScoreOptions;
  explicit F1Score(Options options = {});
  static const Arguments<Options>& arguments();
  std::string class_name() const override { return "F1Score"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<F1Score>(*this); }
};

}  // namespace temper::metrics
