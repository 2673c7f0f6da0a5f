// Regression metrics (Keras: keras/src/metrics/regression_metrics.py).
#include <cmath>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"
#include "temper/losses/regression.hpp"
#include "temper/metrics/regression.hpp"

namespace temper::metrics {

using namespace detail;

const Arguments<MeanSquaredError::Options>& MeanSquaredError::arguments() {
  static const auto args = metric_arguments<Options>("MeanSquaredError");
  return args;
}

const Arguments<MeanAbsoluteError::Options>& MeanAbsoluteError::arguments() {
  static const auto args = metric_arguments<Options>("MeanAbsoluteError");
  return args;
}

const Arguments<MeanAbsolutePercentageError::Options>& MeanAbsolutePercentageError::arguments() {
  static const auto args = metric_arguments<Options>("MeanAbsolutePercentageError");
  return args;
}

const Arguments<MeanSquaredLogarithmicError::Options>& MeanSquaredLogarithmicError::arguments() {
  static const auto args = metric_arguments<Options>("MeanSquaredLogarithmicError");
  return args;
}

const Arguments<RootMeanSquaredError::Options>& RootMeanSquaredError::arguments() {
  static const auto args = metric_arguments<Options>("RootMeanSquaredError");
  return args;
}

MeanSquaredError::MeanSquaredError(Options o)
    : MeanMetricClass(std::move(o), losses::mean_squared_error) {}

MeanAbsoluteError::MeanAbsoluteError(Options o)
    : MeanMetricClass(std::move(o), losses::mean_absolute_error) {}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(Options o)
    : MeanMetricClass(std::move(o), losses::mean_absolute_percentage_error) {}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(Options o)
    : MeanMetricClass(std::move(o), losses::mean_squared_logarithmic_error) {}

RootMeanSquaredError::RootMeanSquaredError(Options o) : Mean(MeanOptions{std::move(o.name)}) {}

void RootMeanSquaredError::update_state(const Tensor& y_true, const Tensor& y_pred,
                                        const Tensor& sample_weight) {
  require_defined(y_true, "RootMeanSquaredError", "y_true");
  require_defined(y_pred, "RootMeanSquaredError", "y_pred");
  NoGradGuard no_grad;
  const DType dt = compute_dtype(y_pred);
  auto [t, p] = losses::squeeze_or_expand_to_same_rank(to_dtype(y_true, dt), to_dtype(y_pred, dt));
  if (t.shape() != p.shape())
    shape_mismatch("RootMeanSquaredError", y_true.shape(), y_pred.shape(), "expected equal shapes");
  update_values(ops::square(ops::subtract(p, t)), sample_weight);
}

double RootMeanSquaredError::result() const { return std::sqrt(Mean::result()); }

namespace {
const MetricRegistration<MeanSquaredError> mse{{"MeanSquaredError", "mean_squared_error", "mse", "MSE"}};
const MetricRegistration<MeanAbsoluteError> mae{{"MeanAbsoluteError", "mean_absolute_error", "mae", "MAE"}};
const MetricRegistration<MeanAbsolutePercentageError> mape{
    {"MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE"}};
const MetricRegistration<MeanSquaredLogarithmicError> msle{
    {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE"}};
const MetricRegistration<RootMeanSquaredError> rmse{{"RootMeanSquaredError", "root_mean_squared_error"}};
}  // namespace

}  // namespace temper::metrics
