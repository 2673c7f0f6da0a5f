// metrics/probabilistic.hpp — crossentropy and KL metrics (Keras: keras/src/metrics/probabilistic_metrics.py).
#pragma once
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

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
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
  std::string class_name() const override { return "KLDivergence"; }
  MetricPtr clone() const override { return std::make_shared<KLDivergence>(*this); }
};

}  // namespace temper::metrics
