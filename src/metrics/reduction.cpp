// Mean, Sum and MeanMetricWrapper (Keras: keras/src/metrics/reduction_metrics.py).
#include <tuple>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"
#include "temper/losses/loss.hpp"
#include "temper/metrics/reduction.hpp"

namespace temper::metrics {

using namespace detail;

namespace {

std::vector<int> axis_range(int from, int to) {
  std::vector<int> axes;
  for (int a = from; a < to; ++a) axes.push_back(a);
  return axes;
}

// Keras reduction_metrics.reduce_to_samplewise_values followed by the Mean/Sum accumulation:
// values are reduced to one per sample (averaged or summed over the other axes), weighted, and
// returned as (weighted total, total weight or sample count) on the host.
std::pair<double, double> samplewise_totals(const std::string& who, const Tensor& values_in,
                                            const Tensor& sample_weight, bool use_sum) {
  require_defined(values_in, who, "values");
  NoGradGuard no_grad;
  auto reduce = [use_sum](const Tensor& x, std::vector<int> axes) {
    return use_sum ? ops::sum(x, std::move(axes)) : ops::mean(x, std::move(axes));
  };
  Tensor v = to_dtype(values_in, compute_dtype(values_in));
  Tensor w;
  if (sample_weight.defined()) {
    w = to_dtype(sample_weight, v.dtype());
    std::tie(v, w) = losses::squeeze_or_expand_to_same_rank(v, w);
    const int wn = w.rank(), vn = v.rank();
    if (vn > wn) v = reduce(v, axis_range(wn, vn));
    if (broadcast_shapes(w.shape(), v.shape()) != v.shape())
      throw ShapeError(who + ": sample_weight shape " + shape_to_string(sample_weight.shape()) +
                       " does not broadcast to the per-sample values of shape " +
                       shape_to_string(values_in.shape()));
    w = ops::broadcast_to(w, v.shape());
    v = ops::multiply(v, w);
    if (wn > 1) w = reduce(w, axis_range(1, wn));
  }
  if (v.rank() > 1) v = reduce(v, axis_range(1, v.rank()));
  if (w.defined()) {
    auto h = read_back({ops::sum(v), ops::sum(w)});
    return {h[0], h[1]};
  }
  const double count = v.rank() >= 1 ? static_cast<double>(v.shape()[0]) : 1.0;
  return {ops::sum(v).item(), count};
}

}  // namespace

const Arguments<Mean::Options>& Mean::arguments() {
  static const auto args = metric_arguments<Options>("Mean");
  return args;
}

Mean::Mean(Options o) : Metric(std::move(o.name)) {}

void Mean::update_state(double value, double weight) {
  total_ += value * weight;
  count_ += weight;
}

void Mean::update_values(const Tensor& values, const Tensor& sample_weight) {
  auto [total, count] = samplewise_totals(class_name(), values, sample_weight, false);
  total_ += total;
  count_ += count;
}

void Mean::update_state(const Tensor& /*y_true*/, const Tensor& y_pred,
                        const Tensor& sample_weight) {
  update_values(y_pred, sample_weight);
}

double Mean::result() const { return divide_no_nan(total_, count_); }

void Mean::reset_state() {
  total_ = 0.0;
  count_ = 0.0;
}

const Arguments<Sum::Options>& Sum::arguments() {
  static const auto args = metric_arguments<Options>("Sum");
  return args;
}

Sum::Sum(Options o) : Metric(std::move(o.name)) {}

void Sum::update_state(double value, double weight) { total_ += value * weight; }

void Sum::update_values(const Tensor& values, const Tensor& sample_weight) {
  total_ += samplewise_totals(class_name(), values, sample_weight, true).first;
}

void Sum::update_state(const Tensor& /*y_true*/, const Tensor& y_pred,
                       const Tensor& sample_weight) {
  update_values(y_pred, sample_weight);
}

MeanMetricWrapper::MeanMetricWrapper(MetricFn fn, std::string name)
    : Mean(MeanOptions{std::move(name)}), fn_(std::move(fn)) {}

Tensor MeanMetricWrapper::values(const Tensor& y_true, const Tensor& y_pred) const {
  if (!fn_) throw StateError(class_name() + " '" + name() + "' has no metric function");
  return fn_(y_true, y_pred);
}

void MeanMetricWrapper::update_state(const Tensor& y_true, const Tensor& y_pred,
                                     const Tensor& sample_weight) {
  require_defined(y_true, class_name(), "y_true");
  require_defined(y_pred, class_name(), "y_pred");
  NoGradGuard no_grad;
  update_values(values(y_true, y_pred), sample_weight);
}

namespace {
const MetricRegistration<Mean> mean{{"Mean", "mean"}};
const MetricRegistration<Sum> sum{{"Sum", "sum"}};
}  // namespace

}  // namespace temper::metrics
