// Hinge metrics (Keras: keras/src/metrics/hinge_metrics.py): the mean of the hinge losses.
#include "temper/metrics/hinge.hpp"

#include "temper/losses/hinge.hpp"

namespace temper::metrics {

const Arguments<Hinge::Options>& Hinge::arguments() {
  static const auto args = metric_arguments<Options>("Hinge");
  return args;
}

const Arguments<SquaredHinge::Options>& SquaredHinge::arguments() {
  static const auto args = metric_arguments<Options>("SquaredHinge");
  return args;
}

const Arguments<CategoricalHinge::Options>& CategoricalHinge::arguments() {
  static const auto args = metric_arguments<Options>("CategoricalHinge");
  return args;
}

Hinge::Hinge(Options o) : MeanMetricClass(std::move(o), losses::hinge) {}
SquaredHinge::SquaredHinge(Options o) : MeanMetricClass(std::move(o), losses::squared_hinge) {}
CategoricalHinge::CategoricalHinge(Options o) : MeanMetricClass(std::move(o), losses::categorical_hinge) {}

namespace {
const MetricRegistration<Hinge> hinge{{"Hinge", "hinge"}};
const MetricRegistration<SquaredHinge> squared_hinge{{"SquaredHinge", "squared_hinge"}};
const MetricRegistration<CategoricalHinge> categorical_hinge{{"CategoricalHinge", "categorical_hinge"}};
}  // namespace

}  // namespace temper::metrics
