// Accuracy metrics (Keras: keras/src/metrics/accuracy_metrics.py).
#include "src/losses/sparse_labels.hpp"
#include "src/metrics/common.hpp"
#include "temper/losses/loss.hpp"
#include "temper/metrics/accuracy.hpp"

namespace temper::metrics {

using namespace detail;

namespace {

// k of the top-k accuracies: at least 1.
Check<int> top_k_count() {
  return {"an integer >= 1", [](const int& k) { return k >= 1; }};
}

}  // namespace

const Arguments<Accuracy::Options>& Accuracy::arguments() {
  static const auto args = metric_arguments<Options>("Accuracy");
  return args;
}

const Arguments<BinaryAccuracy::Options>& BinaryAccuracy::arguments() {
  // Keras: threshold must be in (0, 1).
  static const auto args = metric_arguments<Options>("BinaryAccuracy")
                               .add("threshold", &Options::threshold,
                                    Check<double>{"a number in (0, 1)",
                                                  [](const double& t) { return t > 0.0 && t < 1.0; }});
  return args;
}

const Arguments<CategoricalAccuracy::Options>& CategoricalAccuracy::arguments() {
  static const auto args = metric_arguments<Options>("CategoricalAccuracy");
  return args;
}

const Arguments<SparseCategoricalAccuracy::Options>& SparseCategoricalAccuracy::arguments() {
  static const auto args = metric_arguments<Options>("SparseCategoricalAccuracy");
  return args;
}

const Arguments<TopKCategoricalAccuracy::Options>& TopKCategoricalAccuracy::arguments() {
  static const auto args = metric_arguments<Options>("TopKCategoricalAccuracy").add("k", &Options::k, top_k_count());
  return args;
}

const Arguments<SparseTopKCategoricalAccuracy::Options>& SparseTopKCategoricalAccuracy::arguments() {
  static const auto args =
      metric_arguments<Options>("SparseTopKCategoricalAccuracy").add("k", &Options::k, top_k_count());
  return args;
}

Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const DType dt = compute_dtype(y_pred);
  auto [t, p] = losses::squeeze_or_expand_to_same_rank(to_dtype(y_true, dt), to_dtype(y_pred, dt));
  if (t.shape() != p.shape() || p.rank() < 1)
    shape_mismatch("Accuracy", y_true.shape(), y_pred.shape(), "expected equal shapes of rank >= 1");
  return ops::mean(ops::equal(t, p), {-1});
}

Tensor BinaryAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const DType dt = compute_dtype(y_pred);
  auto [t, p] = losses::squeeze_or_expand_to_same_rank(to_dtype(y_true, dt), to_dtype(y_pred, dt));
  if (t.shape() != p.shape() || p.rank() < 1)
    shape_mismatch("BinaryAccuracy", y_true.shape(), y_pred.shape(),
                   "expected equal shapes of rank >= 1");
  return ops::mean(ops::equal(t, ops::greater(p, options_.threshold)), {-1});
}

Tensor CategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  if (y_true.shape() != y_pred.shape() || y_pred.rank() < 1)
    shape_mismatch("CategoricalAccuracy", y_true.shape(), y_pred.shape(),
                   "expected one-hot y_true of the same shape as y_pred");
  Tensor t = to_dtype(ops::argmax(y_true, -1), DType::Float32);
  Tensor p = to_dtype(ops::argmax(y_pred, -1), DType::Float32);
  return ops::equal(t, p);
}

namespace {
// Integer labels of shape y_pred.shape[:-1] (a trailing 1 squeezed), as float32 class ids.
Tensor sparse_labels(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  if (y_pred.rank() < 1)
    shape_mismatch(who, y_true.shape(), y_pred.shape(), "y_pred needs a class axis");
  Tensor t = y_true;
  if (t.rank() == y_pred.rank() && t.shape().back() == 1) t = ops::squeeze(t, -1);
  const Shape expected(y_pred.shape().begin(), y_pred.shape().end() - 1);
  if (t.shape() != expected)
    shape_mismatch(who, y_true.shape(), y_pred.shape(),
                   "expected integer labels of shape " + shape_to_string(expected));
  return to_dtype(t, DType::Float32);
}

// TF in_top_k: the target is a hit when fewer than k classes score strictly higher than it.
Tensor in_top_k(const Tensor& labels, const Tensor& y_pred, int k) {
  const std::int64_t c = y_pred.shape().back();
  Tensor p = to_dtype(y_pred, compute_dtype(y_pred)).reshape({-1, c});
  Tensor ids = to_dtype(labels, DType::Int32).reshape({-1});
  Tensor target = ops::sum(ops::multiply(p, ops::one_hot(ids, c, p.dtype())), {-1}, true);
  Tensor above = ops::sum(ops::greater(p, target), {-1});
  return ops::less(above, static_cast<double>(k)).reshape(labels.shape());
}
}  // namespace

Tensor SparseCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor t = sparse_labels("SparseCategoricalAccuracy", y_true, y_pred);
  Tensor p = to_dtype(ops::argmax(y_pred, -1), DType::Float32);
  return ops::equal(t, p);
}

Tensor TopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  if (y_true.shape() != y_pred.shape() || y_pred.rank() < 1)
    shape_mismatch("TopKCategoricalAccuracy", y_true.shape(), y_pred.shape(),
                   "expected one-hot y_true of the same shape as y_pred");
  return in_top_k(ops::argmax(y_true, -1), y_pred, options_.k);
}

Tensor SparseTopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  // in_top_k indexes y_pred by label: a bad label would read class 0 (or a truncated id).
  Tensor labels = sparse_labels("SparseTopKCategoricalAccuracy", y_true, y_pred);
  losses::detail::check_sparse_labels("SparseTopKCategoricalAccuracy", y_true, y_pred.shape().back());
  return in_top_k(labels, y_pred, options_.k);
}

namespace {
const MetricRegistration<Accuracy> accuracy{{"Accuracy", "accuracy", "acc"}};
const MetricRegistration<BinaryAccuracy> binary_accuracy{{"BinaryAccuracy", "binary_accuracy"}};
const MetricRegistration<CategoricalAccuracy> categorical_accuracy{{"CategoricalAccuracy", "categorical_accuracy"}};
const MetricRegistration<SparseCategoricalAccuracy> sparse_categorical_accuracy{
    {"SparseCategoricalAccuracy", "sparse_categorical_accuracy"}};
const MetricRegistration<TopKCategoricalAccuracy> top_k{{"TopKCategoricalAccuracy", "top_k_categorical_accuracy"}};
const MetricRegistration<SparseTopKCategoricalAccuracy> sparse_top_k{
    {"SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy"}};
}  // namespace

}  // namespace temper::metrics
