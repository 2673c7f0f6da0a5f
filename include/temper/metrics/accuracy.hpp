// metrics/accuracy.hpp — accuracy metrics (Keras: keras/src/metrics/accuracy_metrics.py).
#pragma once
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

struct AccuracyOptions {
  std::string name = "accuracy";
};
/// Keras: keras.metrics.Accuracy — how often y_pred equals y_true exactly (not argmax-based;
/// the string "accuracy" in compile resolves to one of the classes below instead).
class Accuracy : public MeanMetricClass<Accuracy, AccuracyOptions> {
 public:
  static constexpr const char* keras_class = "Accuracy";
  explicit Accuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
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
class BinaryAccuracy : public MeanMetricClass<BinaryAccuracy, BinaryAccuracyOptions> {
 public:
  static constexpr const char* keras_class = "BinaryAccuracy";
  explicit BinaryAccuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  bool higher_is_better() const override { return true; }
  double threshold() const noexcept { return options_.threshold; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct CategoricalAccuracyOptions {
  std::string name = "categorical_accuracy";
};
/// Keras: keras.metrics.CategoricalAccuracy — how often argmax(y_pred) equals argmax of the
/// one-hot y_true.
class CategoricalAccuracy : public MeanMetricClass<CategoricalAccuracy, CategoricalAccuracyOptions> {
 public:
  static constexpr const char* keras_class = "CategoricalAccuracy";
  explicit CategoricalAccuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  bool higher_is_better() const override { return true; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct SparseCategoricalAccuracyOptions {
  std::string name = "sparse_categorical_accuracy";
};
/// Keras: keras.metrics.SparseCategoricalAccuracy — how often argmax(y_pred) equals the
/// integer label; labels of shape (N,) or (N, 1), int32 or float.
class SparseCategoricalAccuracy : public MeanMetricClass<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions> {
 public:
  static constexpr const char* keras_class = "SparseCategoricalAccuracy";
  explicit SparseCategoricalAccuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
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
class TopKCategoricalAccuracy : public MeanMetricClass<TopKCategoricalAccuracy, TopKCategoricalAccuracyOptions> {
 public:
  static constexpr const char* keras_class = "TopKCategoricalAccuracy";
  explicit TopKCategoricalAccuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return options_.k; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct SparseTopKCategoricalAccuracyOptions {
  int k = 5;
  std::string name = "sparse_top_k_categorical_accuracy";
};
/// Keras: keras.metrics.SparseTopKCategoricalAccuracy(k=5) — TopKCategoricalAccuracy with
/// integer labels.
class SparseTopKCategoricalAccuracy : public MeanMetricClass<SparseTopKCategoricalAccuracy, SparseTopKCategoricalAccuracyOptions> {
 public:
  static constexpr const char* keras_class = "SparseTopKCategoricalAccuracy";
  explicit SparseTopKCategoricalAccuracy(Options options = {}) : MeanMetricClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  bool higher_is_better() const override { return true; }
  int k() const noexcept { return options_.k; }

 protected:
  Tensor values(const Tensor& y_true, const Tensor& y_pred) const override;
};

}  // namespace temper::metrics
