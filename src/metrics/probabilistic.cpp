// Probabilistic metrics (Keras: keras/src/metrics/probabilistic_metrics.py): the means of the
// crossentropy and KL divergence loss functions.
#include "src/metrics/common.hpp"
#include "temper/losses/probabilistic.hpp"
#include "temper/metrics/probabilistic.hpp"

namespace temper::metrics {

using namespace detail;

const Arguments<BinaryCrossentropy::Options>& BinaryCrossentropy::arguments() {
  static const auto args = metric_arguments<Options>("BinaryCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing);
  return args;
}

const Arguments<CategoricalCrossentropy::Options>& CategoricalCrossentropy::arguments() {
  static const auto args = metric_arguments<Options>("CategoricalCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing)
                               .add("axis", &Options::axis);
  return args;
}

const Arguments<SparseCategoricalCrossentropy::Options>& SparseCategoricalCrossentropy::arguments() {
  static const auto args = metric_arguments<Options>("SparseCategoricalCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("axis", &Options::axis)
                               // Keras 3.15 writes ignore_class; Temper's metric has none.
                               .unsupported("ignore_class", nullptr, Effect::computation, false);
  return args;
}

const Arguments<KLDivergence::Options>& KLDivergence::arguments() {
  static const auto args = metric_arguments<Options>("KLDivergence");
  return args;
}

BinaryCrossentropy::BinaryCrossentropy(Options o)
    : MeanMetricClass(
          o,
          [o](const Tensor& t, const Tensor& p) {
            auto [t2, p2] = losses::squeeze_or_expand_to_same_rank(t, p);
            return losses::binary_crossentropy(t2, p2, o.from_logits, o.label_smoothing);
          }) {}

CategoricalCrossentropy::CategoricalCrossentropy(Options o)
    : MeanMetricClass(
          o,
          [o](const Tensor& t, const Tensor& p) {
            return losses::categorical_crossentropy(t, p, o.from_logits, o.label_smoothing,
                                                    o.axis);
          }) {}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(Options o)
    : MeanMetricClass(
          o,
          [o](const Tensor& t, const Tensor& p) {
            return losses::sparse_categorical_crossentropy(t, p, o.from_logits, std::nullopt,
                                                           o.axis);
          }) {}

KLDivergence::KLDivergence(Options o)
    : MeanMetricClass(std::move(o), [](const Tensor& t, const Tensor& p) {
        auto [t2, p2] = losses::squeeze_or_expand_to_same_rank(t, p);
        return losses::kl_divergence(t2, p2);
      }) {}

namespace {
const MetricRegistration<BinaryCrossentropy> bce{{"BinaryCrossentropy", "binary_crossentropy", "bce", "BCE"}};
const MetricRegistration<CategoricalCrossentropy> cce{{"CategoricalCrossentropy", "categorical_crossentropy"}};
const MetricRegistration<SparseCategoricalCrossentropy> scce{
    {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"}};
const MetricRegistration<KLDivergence> kld{{"KLDivergence", "kl_divergence", "kld", "KLD"}};
}  // namespace

}  // namespace temper::metrics
