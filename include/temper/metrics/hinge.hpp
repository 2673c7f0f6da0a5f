// metrics/hinge.hpp — hinge metrics (Keras: keras/src/metrics/hinge_metrics.py).
#pragma once
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

struct HingeOptions {
  std::string name = "hinge";
};
/// Keras: keras.metrics.Hinge — the sample-weighted mean of losses::hinge
/// (mean(max(1 - y_true * y_pred, 0)), labels -1/1; 0/1 labels are mapped to -1/1).
class Hinge : public MeanMetricClass<Hinge, HingeOptions> {
 public:
  static constexpr const char* keras_class = "Hinge";
  explicit Hinge(Options options = {});
  static const Arguments<Options>& arguments();
};

struct SquaredHingeOptions {
  std::string name = "squared_hinge";
};
/// Keras: keras.metrics.SquaredHinge — the sample-weighted mean of losses::squared_hinge.
class SquaredHinge : public MeanMetricClass<SquaredHinge, SquaredHingeOptions> {
 public:
  static constexpr const char* keras_class = "SquaredHinge";
  explicit SquaredHinge(Options options = {});
  static const Arguments<Options>& arguments();
};

struct CategoricalHingeOptions {
  std::string name = "categorical_hinge";
};
/// Keras: keras.metrics.CategoricalHinge — the sample-weighted mean of
/// losses::categorical_hinge (max(neg - pos + 1, 0) for one-hot targets).
class CategoricalHinge : public MeanMetricClass<CategoricalHinge, CategoricalHingeOptions> {
 public:
  static constexpr const char* keras_class = "CategoricalHinge";
  explicit CategoricalHinge(Options options = {});
  static const Arguments<Options>& arguments();
};

}  // namespace temper::metrics
