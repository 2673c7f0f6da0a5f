// FBetaScore and F1Score (Keras 3: keras/src/metrics/f_score_metrics.py).
#include <algorithm>
#include <numeric>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"
#include "temper/metrics/f_score.hpp"

namespace temper::metrics {

using namespace detail;

namespace {

Check<std::optional<std::string>> average_check() {
  return {"null, 'micro', 'macro' or 'weighted'", [](const std::optional<std::string>& a) {
            return !a || *a == "micro" || *a == "macro" || *a == "weighted";
          }};
}

// Keras: threshold in (0, 1] when given.
Check<std::optional<double>> threshold_check() {
  return {"null or a number in (0, 1]",
          [](const std::optional<double>& t) { return !t || (*t > 0.0 && *t <= 1.0); }};
}

}  // namespace

const Arguments<FBetaScore::Options>& FBetaScore::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("FBetaScore")
                               .add("average", &O::average, average_check())
                               .add("beta", &O::beta, positive_number())
                               .add("threshold", &O::threshold, threshold_check());
  return args;
}

const Arguments<F1Score::Options>& F1Score::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("F1Score")
                               .add("average", &O::average, average_check())
                               .add("threshold", &O::threshold, threshold_check());
  return args;
}

FBetaScore::FBetaScore(Options o) : Metric(o.name), options_(std::move(o)) { arguments().validate(options_); }

F1Score::F1Score(Options o)
    : FBetaScore(FBetaScoreOptions{.average = o.average, .beta = 1.0, .threshold = o.threshold, .name = o.name}) {
  arguments().validate(o);
}

void FBetaScore::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  const std::string who = class_name();
  require_defined(y_true, who, "y_true");
  require_defined(y_pred, who, "y_pred");
  NoGradGuard no_grad;
  if (y_pred.rank() != 2 || y_true.rank() != 2)
    throw ShapeError(who + " expects 2D inputs with shape (batch_size, output_dim), got y_true shape " +
                     shape_to_string(y_true.shape()) + " and y_pred shape " + shape_to_string(y_pred.shape()));
  if (y_true.shape() != y_pred.shape())
    shape_mismatch(who, y_true.shape(), y_pred.shape(), "expected equal shapes");
  const std::int64_t classes = y_pred.shape()[1];
  if (num_classes_ >= 0 && classes != num_classes_)
    throw ShapeError(who + " was updated with " + std::to_string(num_classes_) +
                     " classes before and now gets y_pred of shape " + shape_to_string(y_pred.shape()));
  const DType dt = compute_dtype(y_pred);
  Tensor p = to_dtype(y_pred, dt), t = to_dtype(y_true, dt);
  if (options_.threshold) {
    p = ops::greater(p, *options_.threshold);
  } else {
    // The row's largest prediction is positive, unless it is 0 ([0, 0, 0] stays all negative).
    Tensor top = ops::greater_equal(p, ops::max(p, {-1}, true));
    p = ops::multiply(top, ops::greater(ops::abs(p), 1e-9));
  }
  Tensor w;
  if (sample_weight.defined()) {
    w = to_dtype(sample_weight, dt);
    if (w.rank() == 2 && w.shape()[1] == 1) w = ops::squeeze(w, -1);
    if (w.rank() != 1 || w.shape()[0] != p.shape()[0])
      throw ShapeError(who + ": sample_weight shape " + shape_to_string(sample_weight.shape()) +
                       " does not match the batch of y_pred shape " + shape_to_string(y_pred.shape()));
    w = ops::expand_dims(w, 1);
  }
  const bool micro = options_.average && *options_.average == "micro";
  // Keras _weighted_sum: weight per sample, then sum over the batch (and the classes for micro).
  auto weighted_sum = [&](Tensor v) {
    if (w.defined()) v = ops::multiply(v, w);
    return micro ? ops::sum(v) : ops::sum(v, {0});
  };
  Tensor not_p = ops::rsub(1.0, p), not_t = ops::rsub(1.0, t);
  const std::vector<double> h = read_back({weighted_sum(ops::multiply(p, t)), weighted_sum(ops::multiply(p, not_t)),
                                           weighted_sum(ops::multiply(not_p, t)), weighted_sum(t)});
  const std::size_t n = micro ? 1 : static_cast<std::size_t>(classes);
  if (num_classes_ < 0) {
    num_classes_ = classes;
    for (auto* v : {&tp_, &fp_, &fn_, &support_}) v->assign(n, 0.0);
  }
  for (std::size_t i = 0; i < n; ++i) {
    tp_[i] += h[i];
    fp_[i] += h[n + i];
    fn_[i] += h[2 * n + i];
    support_[i] += h[3 * n + i];
  }
}

std::vector<double> FBetaScore::results() const {
  if (tp_.empty()) return options_.average ? std::vector<double>{0.0} : std::vector<double>{};
  const double b2 = options_.beta * options_.beta;
  std::vector<double> f(tp_.size());
  for (std::size_t i = 0; i < tp_.size(); ++i) {
    const double precision = tp_[i] / (tp_[i] + fp_[i] + kEpsilon);
    const double recall = tp_[i] / (tp_[i] + fn_[i] + kEpsilon);
    f[i] = precision * recall / (b2 * precision + recall + kEpsilon) * (1.0 + b2);
  }
  if (!options_.average) return f;
  if (*options_.average == "weighted") {
    const double total = std::accumulate(support_.begin(), support_.end(), 0.0) + kEpsilon;
    double s = 0.0;
    for (std::size_t i = 0; i < f.size(); ++i) s += f[i] * support_[i] / total;
    return {s};
  }
  // micro (one pooled entry) and macro: the mean.
  return {std::accumulate(f.begin(), f.end(), 0.0) / static_cast<double>(f.size())};
}

double FBetaScore::result() const {
  const std::vector<double> r = results();
  if (r.empty()) return 0.0;
  return std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(r.size());
}

void FBetaScore::reset_state() {
  for (auto* v : {&tp_, &fp_, &fn_, &support_}) std::fill(v->begin(), v->end(), 0.0);
}

Config FBetaScore::get_config() const { return config_from(arguments(), options_); }

Config F1Score::get_config() const {
  return config_from(arguments(), Options{.average = options_.average, .threshold = options_.threshold});
}

namespace {
const MetricRegistration<FBetaScore> fbeta{{"FBetaScore", "f_beta_score"}};
const MetricRegistration<F1Score> f1{{"F1Score", "f1_score"}};
}  // namespace

}  // namespace temper::metrics
