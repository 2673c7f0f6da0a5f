// Metrics built on confusion-matrix counts (Keras: keras/src/metrics/confusion_metrics.py and
// metrics_utils.update_confusion_matrix_variables): TruePositives, FalsePositives,
// TrueNegatives, FalseNegatives, Precision, Recall. AUC is in auc.cpp.
#include <algorithm>
#include <tuple>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"
#include "temper/losses/loss.hpp"
#include "temper/metrics/confusion_matrix.hpp"
#include "temper/names.hpp"

namespace temper {

const char* ArgTraits<metrics::Thresholds>::expected() { return "a number or a list of numbers"; }

metrics::Thresholds ArgTraits<metrics::Thresholds>::read(const Config& v) {
  if (v.is_number()) return metrics::Thresholds{v.get<double>()};
  if (!v.is_array()) throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  return metrics::Thresholds(ArgTraits<std::vector<double>>::read(v));
}

Config ArgTraits<metrics::Thresholds>::write(const metrics::Thresholds& v) {
  if (v.size() == 1) return v.front();
  return Config(static_cast<const std::vector<double>&>(v));
}

}  // namespace temper

namespace temper::metrics {

using namespace detail;

namespace {

// Keras metrics_utils._filter_top_k: keeps the k largest scores of the last axis (ties broken
// by lower index, like ops.top_k) and sets the rest to NEG_INF. The rank of entry j is the
// number of entries that beat it: larger, or equal with a lower index.
Tensor filter_top_k(const Tensor& x, int k) {
  const std::int64_t c = x.shape().back();
  Tensor xj = ops::expand_dims(x, -1);  // (..., C, 1): the entry being ranked
  Tensor xi = ops::expand_dims(x, -2);  // (..., 1, C): its competitors
  std::vector<double> lower_index(static_cast<std::size_t>(c * c), 0.0);
  for (std::int64_t j = 0; j < c; ++j)
    for (std::int64_t i = 0; i < j; ++i) lower_index[static_cast<std::size_t>(j * c + i)] = 1.0;
  Tensor tri = to_dtype(Tensor::from_vector(lower_index, {c, c}, &x.backend()), x.dtype());
  Tensor beaten = ops::add(ops::greater(xi, xj), ops::multiply(ops::equal(xi, xj), tri));
  Tensor rank = ops::sum(beaten, {-1});
  Tensor keep = ops::less(rank, static_cast<double>(k));
  return ops::add(ops::multiply(x, keep), ops::multiply(ops::rsub(1.0, keep), kNegInf));
}

struct ConfusionCounts {
  std::vector<double> tp, fp, tn, fn;
};

// TP/FP/TN/FN at every threshold: predictions and thresholds are broadcast against each other
// ((1, M) vs (T, 1)) so the kernel count does not grow with the number of thresholds.
ConfusionCounts confusion_counts(const ConfusionInputs& in, const std::vector<double>& thresholds) {
  const auto nt = static_cast<std::int64_t>(thresholds.size());
  Tensor lw = in.weight.defined() ? ops::multiply(in.label, in.weight) : in.label;
  Tensor nlw = in.weight.defined() ? ops::subtract(in.weight, lw) : ops::rsub(1.0, in.label);
  Tensor pred_row = in.pred.reshape({1, -1});
  Tensor th = to_dtype(Tensor::from_vector(thresholds, {nt, 1}, &in.pred.backend()),
                       in.pred.dtype());
  Tensor pos = ops::greater(pred_row, th);  // (T, M)
  Tensor tp = ops::sum(ops::multiply(pos, lw.reshape({1, -1})), {1});
  Tensor fp = ops::sum(ops::multiply(pos, nlw.reshape({1, -1})), {1});
  auto h = read_back({tp, fp, ops::sum(lw), ops::sum(nlw)});
  const auto n = static_cast<std::size_t>(nt);
  const double total_pos = h[2 * n], total_neg = h[2 * n + 1];
  ConfusionCounts c;
  for (std::size_t i = 0; i < n; ++i) {
    c.tp.push_back(h[i]);
    c.fp.push_back(h[n + i]);
    c.fn.push_back(total_pos - h[i]);
    c.tn.push_back(total_neg - h[n + i]);
  }
  return c;
}

void add_into(std::vector<double>& acc, const std::vector<double>& v) {
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += v[i];
}

// Keras metrics_utils.assert_thresholds_range: every threshold in [0, 1].
Check<std::optional<Thresholds>> thresholds_check() {
  return {"null, a number or a list of numbers in [0, 1]", [](const std::optional<Thresholds>& th) {
            if (!th) return true;
            if (th->empty()) return false;
            for (double t : *th)
              if (!(t >= 0.0 && t <= 1.0)) return false;
            return true;
          }};
}

const char* condition_class(ConfusionCondition c) {
  switch (c) {
    case ConfusionCondition::TruePositives: return "TruePositives";
    case ConfusionCondition::FalsePositives: return "FalsePositives";
    case ConfusionCondition::TrueNegatives: return "TrueNegatives";
    case ConfusionCondition::FalseNegatives: return "FalseNegatives";
  }
  return "TruePositives";
}

}  // namespace

namespace detail {

ConfusionInputs confusion_inputs(const std::string& who, const Tensor& y_true,
                                 const Tensor& y_pred, const Tensor& sample_weight,
                                 std::optional<int> top_k, std::optional<int> class_id) {
  require_defined(y_true, who, "y_true");
  require_defined(y_pred, who, "y_pred");
  const DType dt = compute_dtype(y_pred);
  Tensor p = to_dtype(y_pred, dt), t = to_dtype(y_true, dt);
  std::tie(p, t) = losses::squeeze_or_expand_to_same_rank(p, t);
  if (p.shape() != t.shape())
    shape_mismatch(who, y_true.shape(), y_pred.shape(), "expected equal shapes");
  Tensor w;
  if (sample_weight.defined()) {
    w = ops::expand_dims(to_dtype(sample_weight, dt), -1);
    w = losses::squeeze_or_expand_to_same_rank(t, w, false).second;
  }
  if (top_k) {
    if (p.rank() < 1)
      throw ShapeError(who + ": top_k needs predictions with a class axis, got shape " +
                       shape_to_string(y_pred.shape()));
    p = filter_top_k(p, *top_k);
  }
  if (class_id) {
    if (p.rank() < 2)
      throw ShapeError(who + ": class_id needs y_pred of shape (num_samples, num_classes), got " +
                       shape_to_string(y_pred.shape()));
    const std::int64_t c = p.shape().back();
    if (*class_id < 0 || *class_id >= c)
      throw ValueError(who + ": class_id " + std::to_string(*class_id) + " is outside [0, " +
                       std::to_string(c) + ") for y_pred shape " + shape_to_string(y_pred.shape()));
    t = ops::slice(t, -1, *class_id, *class_id + 1);
    p = ops::slice(p, -1, *class_id, *class_id + 1);
  }
  Tensor label = ops::not_equal(t, Tensor::scalar(0.0, dt, &t.backend()));
  if (w.defined()) {
    if (broadcast_shapes(w.shape(), p.shape()) != p.shape())
      throw ShapeError(who + ": sample_weight shape " + shape_to_string(sample_weight.shape()) +
                       " does not broadcast to y_pred shape " + shape_to_string(y_pred.shape()));
    w = ops::broadcast_to(w, p.shape());
  }
  return {label, p, w};
}

}  // namespace detail

const Arguments<ConfusionCount::Options>& ConfusionCount::arguments_for(ConfusionCondition condition) {
  using O = Options;
  auto make = [](ConfusionCondition c) {
    return metric_arguments<O>(condition_class(c)).add("thresholds", &O::thresholds, thresholds_check());
  };
  static const Arguments<O> tables[] = {make(ConfusionCondition::TruePositives), make(ConfusionCondition::FalsePositives),
                                        make(ConfusionCondition::TrueNegatives), make(ConfusionCondition::FalseNegatives)};
  return tables[static_cast<int>(condition)];
}

ConfusionCount::ConfusionCount(ConfusionCondition condition, Options o)
    : Metric(o.name.empty() ? to_snake_case(condition_class(condition)) : std::move(o.name)),
      condition_(condition),
      init_thresholds_(std::move(o.thresholds)) {
  arguments_for(condition).validate(Options{init_thresholds_, name()});
  thresholds_ = init_thresholds_ ? *init_thresholds_ : std::vector<double>{0.5};
  counts_.assign(thresholds_.size(), 0.0);
}

std::string ConfusionCount::class_name() const { return condition_class(condition_); }

void ConfusionCount::update_state(const Tensor& y_true, const Tensor& y_pred,
                                  const Tensor& sample_weight) {
  NoGradGuard no_grad;
  auto in = confusion_inputs(class_name(), y_true, y_pred, sample_weight, std::nullopt,
                             std::nullopt);
  auto c = confusion_counts(in, thresholds_);
  switch (condition_) {
    case ConfusionCondition::TruePositives: add_into(counts_, c.tp); break;
    case ConfusionCondition::FalsePositives: add_into(counts_, c.fp); break;
    case ConfusionCondition::TrueNegatives: add_into(counts_, c.tn); break;
    case ConfusionCondition::FalseNegatives: add_into(counts_, c.fn); break;
  }
}

void ConfusionCount::reset_state() { std::fill(counts_.begin(), counts_.end(), 0.0); }

Config ConfusionCount::get_config() const {
  return config_from(arguments_for(condition_), Options{init_thresholds_, name()});
}

namespace {
std::vector<double> pr_thresholds(const PrecisionRecallOptions& o) {
  if (o.thresholds) return *o.thresholds;
  // Keras: with top_k every kept prediction counts as positive.
  return {o.top_k ? kNegInf : 0.5};
}

Arguments<PrecisionRecallOptions> pr_arguments(const char* owner) {
  using O = PrecisionRecallOptions;
  return metric_arguments<O>(owner)
      .add("thresholds", &O::thresholds, thresholds_check())
      .add("top_k", &O::top_k, Check<std::optional<int>>{"null or an integer >= 1", [](const std::optional<int>& k) {
                                                          return !k || *k >= 1;
                                                        }})
      .add("class_id", &O::class_id);
}
}  // namespace

const Arguments<ConfusionRatio::Options>& ConfusionRatio::arguments_for(ConfusionCondition over) {
  static const auto precision = pr_arguments("Precision");
  static const auto recall = pr_arguments("Recall");
  return over == ConfusionCondition::FalsePositives ? precision : recall;
}

ConfusionRatio::ConfusionRatio(ConfusionCondition over, Options o)
    : Metric(o.name.empty() ? (over == ConfusionCondition::FalsePositives ? "precision" : "recall") : o.name),
      over_(over),
      options_(std::move(o)) {
  arguments_for(over_).validate(options_);
  thresholds_ = pr_thresholds(options_);
  options_.name = name();
  tp_.assign(thresholds_.size(), 0.0);
  other_.assign(thresholds_.size(), 0.0);
}

std::string ConfusionRatio::class_name() const {
  return over_ == ConfusionCondition::FalsePositives ? "Precision" : "Recall";
}

void ConfusionRatio::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  auto in = confusion_inputs(class_name(), y_true, y_pred, sample_weight, options_.top_k, options_.class_id);
  auto c = confusion_counts(in, thresholds_);
  add_into(tp_, c.tp);
  add_into(other_, over_ == ConfusionCondition::FalsePositives ? c.fp : c.fn);
}

std::vector<double> ConfusionRatio::results() const {
  std::vector<double> r;
  for (std::size_t i = 0; i < tp_.size(); ++i) r.push_back(divide_no_nan(tp_[i], tp_[i] + other_[i]));
  return r;
}

void ConfusionRatio::reset_state() {
  std::fill(tp_.begin(), tp_.end(), 0.0);
  std::fill(other_.begin(), other_.end(), 0.0);
}

Config ConfusionRatio::get_config() const { return config_from(arguments_for(over_), options_); }

namespace {
const MetricRegistration<TruePositives> tp{{"TruePositives", "true_positives"}};
const MetricRegistration<FalsePositives> fp{{"FalsePositives", "false_positives"}};
const MetricRegistration<TrueNegatives> tn{{"TrueNegatives", "true_negatives"}};
const MetricRegistration<FalseNegatives> fn{{"FalseNegatives", "false_negatives"}};
const MetricRegistration<Precision> precision{{"Precision", "precision"}};
const MetricRegistration<Recall> recall{{"Recall", "recall"}};
}  // namespace

}  // namespace temper::metrics
