// metrics/accuracy.hpp — accuracy metrics (Keras: keras/src/metrics/accuracy_metrics.py).
#pragma once
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

struct AccuracyOptions {
  std::string name = "accuracy";
};
/// Keras: keras.metrics.Accuracy — how often y_pred equals y_true exactly (not argmax-based;
/// the string "accuracy" in compile resolves to one of the classes below instead).
class Accuracy : public MeanMetricWrapper {
 public:
  using Options = AccuracyOptions;
  explicit Accuracy(Options options = {});
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
  std::string class_name() const override { return "BinaryAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<BinaryAccuracy>(*this); }
  bool higher_is_better() const override { return true; }
  double threshold() const noexcept { return options_.threshold; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  Options options_;
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
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
  std::string class_name() const override { return "TopKCategoricalAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override { return std::make_shared<TopKCategoricalAccuracy>(*this); }
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return options_.k; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  Options options_;
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
  static const Arguments<Options>& arguments();
  std::string class_name() const override { return "SparseTopKCategoricalAccuracy"; }
  Config get_config() const override;
  MetricPtr clone() const override {
    return std::make_shared<SparseTopKCategoricalAccuracy>(*this);
  }
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return options_.k; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  Options options_;
};

}  // namespace temper::metrics
