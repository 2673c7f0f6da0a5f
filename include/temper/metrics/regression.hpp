// metrics/regression.hpp — regression metrics (Keras: keras/src/metrics/regression_metrics.py).
#pragma once
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

struct MeanSquaredErrorOptions {
  std::string name = "mean_squared_error";
};
/// Keras: keras.metrics.MeanSquaredError — the sample-weighted mean of losses::mean_squared_error.
class MeanSquaredError : public MeanMetricClass<MeanSquaredError, MeanSquaredErrorOptions> {
 public:
  static constexpr const char* keras_class = "MeanSquaredError";
  explicit MeanSquaredError(Options options = {});
  static const Arguments<Options>& arguments();
  MetricPtr clone() const override { return std::make_shared<MeanSquaredError>(*this); }
};

struct MeanAbsoluteErrorOptions {
  std::string name = "mean_absolute_error";
};
/// Keras: keras.metrics.MeanAbsoluteError — the sample-weighted mean of
/// losses::mean_absolute_error.
class MeanAbsoluteError : public MeanMetricClass<MeanAbsoluteError, MeanAbsoluteErrorOptions> {
 public:
  static constexpr const char* keras_class = "MeanAbsoluteError";
  explicit MeanAbsoluteError(Options options = {});
  static const Arguments<Options>& arguments();
  MetricPtr clone() const override { return std::make_shared<MeanAbsoluteError>(*this); }
};

struct MeanAbsolutePercentageErrorOptions {
  std::string name = "mean_absolute_percentage_error";
};
/// Keras: keras.metrics.MeanAbsolutePercentageError — the mean of
/// losses::mean_absolute_percentage_error.
class MeanAbsolutePercentageError : public MeanMetricClass<MeanAbsolutePercentageError, MeanAbsolutePercentageErrorOptions> {
 public:
  static constexpr const char* keras_class = "MeanAbsolutePercentageError";
  explicit MeanAbsolutePercentageError(Options options = {});
  static const Arguments<Options>& arguments();
  MetricPtr clone() const override {
    return std::make_shared<MeanAbsolutePercentageError>(*this);
  }
};

struct MeanSquaredLogarithmicErrorOptions {
  std::string name = "mean_squared_logarithmic_error";
};
/// Keras: keras.metrics.MeanSquaredLogarithmicError — the mean of
/// losses::mean_squared_logarithmic_error.
class MeanSquaredLogarithmicError : public MeanMetricClass<MeanSquaredLogarithmicError, MeanSquaredLogarithmicErrorOptions> {
 public:
  static constexpr const char* keras_class = "MeanSquaredLogarithmicError";
  explicit MeanSquaredLogarithmicError(Options options = {});
  static const Arguments<Options>& arguments();
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
  static const Arguments<Options>& arguments();
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  using Mean::update_state;
  double result() const override;
  std::string class_name() const override { return "RootMeanSquaredError"; }
  MetricPtr clone() const override { return std::make_shared<RootMeanSquaredError>(*this); }
};

}  // namespace temper::metrics
