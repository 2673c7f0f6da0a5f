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
class BinaryCrossentropy : public MeanMetricClass<BinaryCrossentropy, BinaryCrossentropyOptions> {
 public:
  static constexpr const char* keras_class = "BinaryCrossentropy";
  explicit BinaryCrossentropy(Options options = {});
  static const Arguments<Options>& arguments();
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  std::string name = "categorical_crossentropy";
};
/// Keras: keras.metrics.CategoricalCrossentropy — the mean of losses::categorical_crossentropy.
class CategoricalCrossentropy : public MeanMetricClass<CategoricalCrossentropy, CategoricalCrossentropyOptions> {
 public:
  static constexpr const char* keras_class = "CategoricalCrossentropy";
  explicit CategoricalCrossentropy(Options options = {});
  static const Arguments<Options>& arguments();
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  int axis = -1;
  std::string name = "sparse_categorical_crossentropy";
};
/// Keras: keras.metrics.SparseCategoricalCrossentropy — the mean of
/// losses::sparse_categorical_crossentropy.
class SparseCategoricalCrossentropy : public MeanMetricClass<SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions> {
 public:
  static constexpr const char* keras_class = "SparseCategoricalCrossentropy";
  explicit SparseCategoricalCrossentropy(Options options = {});
  static const Arguments<Options>& arguments();
};

struct KLDivergenceOptions {
  std::string name = "kl_divergence";
};
/// Keras: keras.metrics.KLDivergence — the mean of losses::kl_divergence.
class KLDivergence : public MeanMetricClass<KLDivergence, KLDivergenceOptions> {
 public:
  static constexpr const char* keras_class = "KLDivergence";
  explicit KLDivergence(Options options = {});
  static const Arguments<Options>& arguments();
  MetricPtr clone() const override { return std::make_shared<KLDivergence>(*this); }
};

}  // namespace temper::metrics
