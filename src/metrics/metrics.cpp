// Stateful metrics (Keras: keras/src/metrics/*.py). Per-batch statistics are computed with ops
// on the tensors' backend; the few resulting scalars are read back in one transfer and
// accumulated in host doubles.
#include "temper/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>
#include <tuple>
#include <type_traits>

#include "src/losses/sparse_labels.hpp"
#include "temper/autograd.hpp"
#include "temper/error.hpp"
#include "temper/losses.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper::metrics {

namespace {

// Keras backend.epsilon(): the AUC endpoint offset.
constexpr double kEpsilon = 1e-7;
// Keras metrics_utils.NEG_INF: the score given to predictions outside the top k.
constexpr double kNegInf = -1e10;

void require_defined(const Tensor& t, const std::string& who, const char* what) {
  if (!t.defined()) throw ValueError(who + ": " + what + " is an undefined tensor");
}

DType compute_dtype(const Tensor& t) {
  return t.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;
}

Tensor to_dtype(const Tensor& t, DType dt) { return t.dtype() == dt ? t : ops::cast(t, dt); }

[[noreturn]] void shape_mismatch(const std::string& who, const Shape& t, const Shape& p,
                                 const std::string& expected) {
  throw ShapeError(who + ": y_true shape " + shape_to_string(t) + " and y_pred shape " +
                   shape_to_string(p) + " are incompatible (" + expected + ")");
}

std::vector<int> axis_range(int from, int to) {
  std::vector<int> axes;
  for (int a = from; a < to; ++a) axes.push_back(a);
  return axes;
}

// Reads a few same-dtype tensors back to the host in a single transfer.
std::vector<double> read_back(const std::vector<Tensor>& parts) {
  std::vector<Tensor> flat;
  for (const auto& p : parts) flat.push_back(p.reshape({-1}));
  Tensor all = flat.size() == 1 ? flat.front() : ops::concatenate(flat, 0);
  return to_dtype(all, DType::Float64).to_vector<double>();
}

double divide_no_nan(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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

// ---- confusion-matrix inputs ------------------------------------------------------------------

struct ConfusionInputs {
  Tensor label;   // 1 where y_true != 0
  Tensor pred;    // same shape
  Tensor weight;  // same shape, or undefined
};

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

void check_thresholds(const std::string& who, const std::vector<double>& th) {
  if (th.empty()) throw ValueError(who + ": thresholds must not be empty");
  for (double t : th)
    if (!(t >= 0.0 && t <= 1.0))
      throw ValueError(who + ": threshold values must be in [0, 1], got " + std::to_string(t));
}

Config thresholds_config(const std::optional<std::vector<double>>& th) {
  if (!th) return nullptr;
  if (th->size() == 1) return th->front();
  return Config(*th);
}

void add_into(std::vector<double>& acc, const std::vector<double>& v) {
  for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += v[i];
}

// Keras metrics_utils.is_evenly_distributed_thresholds (np.allclose with atol = epsilon).
bool evenly_distributed(const std::vector<double>& th) {
  const std::size_t n = th.size();
  if (n < 3) return false;
  for (std::size_t i = 0; i < n; ++i) {
    const double even = static_cast<double>(static_cast<float>(i) / static_cast<float>(n - 1));
    if (std::abs(th[i] - even) > kEpsilon + 1e-5 * std::abs(even)) return false;
  }
  return true;
}

}  // namespace

// ---- Metric base ------------------------------------------------------------------------------

Metric::Metric(std::string name) : name_(std::move(name)) {}
Metric::~Metric() = default;

Config Metric::get_config() const { return Config{{"name", name_}, {"dtype", "float32"}}; }

// ---- Mean / Sum -------------------------------------------------------------------------------

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

// ---- accuracy ---------------------------------------------------------------------------------

Accuracy::Accuracy(Options o) : MeanMetricWrapper(nullptr, std::move(o.name)) {}

Tensor Accuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const DType dt = compute_dtype(y_pred);
  auto [t, p] = losses::squeeze_or_expand_to_same_rank(to_dtype(y_true, dt), to_dtype(y_pred, dt));
  if (t.shape() != p.shape() || p.rank() < 1)
    shape_mismatch("Accuracy", y_true.shape(), y_pred.shape(), "expected equal shapes of rank >= 1");
  return ops::mean(ops::equal(t, p), {-1});
}

BinaryAccuracy::BinaryAccuracy(Options o)
    : MeanMetricWrapper(nullptr, std::move(o.name)), threshold_(o.threshold) {
  if (!(threshold_ > 0.0 && threshold_ < 1.0))
    throw ValueError("BinaryAccuracy: threshold must be in (0, 1), got " +
                     std::to_string(threshold_));
}

Tensor BinaryAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  const DType dt = compute_dtype(y_pred);
  auto [t, p] = losses::squeeze_or_expand_to_same_rank(to_dtype(y_true, dt), to_dtype(y_pred, dt));
  if (t.shape() != p.shape() || p.rank() < 1)
    shape_mismatch("BinaryAccuracy", y_true.shape(), y_pred.shape(),
                   "expected equal shapes of rank >= 1");
  return ops::mean(ops::equal(t, ops::greater(p, threshold_)), {-1});
}

Config BinaryAccuracy::get_config() const {
  Config c = Metric::get_config();
  c["threshold"] = threshold_;
  return c;
}

CategoricalAccuracy::CategoricalAccuracy(Options o)
    : MeanMetricWrapper(nullptr, std::move(o.name)) {}

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

void check_k(const std::string& who, int k) {
  if (k < 1) throw ValueError(who + ": k must be >= 1, got " + std::to_string(k));
}
}  // namespace

SparseCategoricalAccuracy::SparseCategoricalAccuracy(Options o)
    : MeanMetricWrapper(nullptr, std::move(o.name)) {}

Tensor SparseCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  Tensor t = sparse_labels("SparseCategoricalAccuracy", y_true, y_pred);
  Tensor p = to_dtype(ops::argmax(y_pred, -1), DType::Float32);
  return ops::equal(t, p);
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(Options o)
    : MeanMetricWrapper(nullptr, std::move(o.name)), k_(o.k) {
  check_k("TopKCategoricalAccuracy", k_);
}

Tensor TopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  if (y_true.shape() != y_pred.shape() || y_pred.rank() < 1)
    shape_mismatch("TopKCategoricalAccuracy", y_true.shape(), y_pred.shape(),
                   "expected one-hot y_true of the same shape as y_pred");
  return in_top_k(ops::argmax(y_true, -1), y_pred, k_);
}

Config TopKCategoricalAccuracy::get_config() const {
  Config c = Metric::get_config();
  c["k"] = k_;
  return c;
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(Options o)
    : MeanMetricWrapper(nullptr, std::move(o.name)), k_(o.k) {
  check_k("SparseTopKCategoricalAccuracy", k_);
}

Tensor SparseTopKCategoricalAccuracy::values(const Tensor& y_true, const Tensor& y_pred) const {
  // in_top_k indexes y_pred by label: a bad label would read class 0 (or a truncated id).
  Tensor labels = sparse_labels("SparseTopKCategoricalAccuracy", y_true, y_pred);
  losses::detail::check_sparse_labels("SparseTopKCategoricalAccuracy", y_true, y_pred.shape().back());
  return in_top_k(labels, y_pred, k_);
}

Config SparseTopKCategoricalAccuracy::get_config() const {
  Config c = Metric::get_config();
  c["k"] = k_;
  return c;
}

// ---- regression and probabilistic -----------------------------------------------------------

MeanSquaredError::MeanSquaredError(Options o)
    : MeanMetricWrapper(losses::mean_squared_error, std::move(o.name)) {}

MeanAbsoluteError::MeanAbsoluteError(Options o)
    : MeanMetricWrapper(losses::mean_absolute_error, std::move(o.name)) {}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(Options o)
    : MeanMetricWrapper(losses::mean_absolute_percentage_error, std::move(o.name)) {}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(Options o)
    : MeanMetricWrapper(losses::mean_squared_logarithmic_error, std::move(o.name)) {}

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

BinaryCrossentropy::BinaryCrossentropy(Options o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
            auto [t2, p2] = losses::squeeze_or_expand_to_same_rank(t, p);
            return losses::binary_crossentropy(t2, p2, o.from_logits, o.label_smoothing);
          },
          o.name),
      options_(o) {}

Config BinaryCrossentropy::get_config() const {
  Config c = Metric::get_config();
  c["from_logits"] = options_.from_logits;
  c["label_smoothing"] = options_.label_smoothing;
  return c;
}

CategoricalCrossentropy::CategoricalCrossentropy(Options o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
            return losses::categorical_crossentropy(t, p, o.from_logits, o.label_smoothing,
                                                    o.axis);
          },
          o.name),
      options_(o) {}

Config CategoricalCrossentropy::get_config() const {
  Config c = Metric::get_config();
  c["from_logits"] = options_.from_logits;
  c["label_smoothing"] = options_.label_smoothing;
  c["axis"] = options_.axis;
  return c;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(Options o)
    : MeanMetricWrapper(
          [o](const Tensor& t, const Tensor& p) {
            return losses::sparse_categorical_crossentropy(t, p, o.from_logits, std::nullopt,
                                                           o.axis);
          },
          o.name),
      options_(o) {}

Config SparseCategoricalCrossentropy::get_config() const {
  Config c = Metric::get_config();
  c["from_logits"] = options_.from_logits;
  c["axis"] = options_.axis;
  return c;
}

KLDivergence::KLDivergence(Options o)
    : MeanMetricWrapper(
          [](const Tensor& t, const Tensor& p) {
            auto [t2, p2] = losses::squeeze_or_expand_to_same_rank(t, p);
            return losses::kl_divergence(t2, p2);
          },
          std::move(o.name)) {}

// ---- confusion counts, precision, recall --------------------------------------------------------

namespace {
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

ConfusionCount::ConfusionCount(ConfusionCondition condition, Options o)
    : Metric(o.name.empty() ? to_snake_case(condition_class(condition)) : std::move(o.name)),
      condition_(condition),
      init_thresholds_(std::move(o.thresholds)) {
  thresholds_ = init_thresholds_ ? *init_thresholds_ : std::vector<double>{0.5};
  check_thresholds(condition_class(condition), thresholds_);
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
  Config c = Metric::get_config();
  c["thresholds"] = thresholds_config(init_thresholds_);
  return c;
}

namespace {
std::vector<double> pr_thresholds(const std::string& who, const PrecisionRecallOptions& o) {
  if (o.top_k && *o.top_k < 1)
    throw ValueError(who + ": top_k must be >= 1, got " + std::to_string(*o.top_k));
  if (o.thresholds) {
    check_thresholds(who, *o.thresholds);
    return *o.thresholds;
  }
  // Keras: with top_k every kept prediction counts as positive.
  return {o.top_k ? kNegInf : 0.5};
}

Config pr_config(const Config& base, const PrecisionRecallOptions& o) {
  Config c = base;
  c["thresholds"] = thresholds_config(o.thresholds);
  c["top_k"] = o.top_k ? Config(*o.top_k) : Config(nullptr);
  c["class_id"] = o.class_id ? Config(*o.class_id) : Config(nullptr);
  return c;
}
}  // namespace

Precision::Precision(Options o) : Metric(o.name.empty() ? "precision" : o.name), options_(o) {
  thresholds_ = pr_thresholds("Precision", options_);
  options_.name = name();
  tp_.assign(thresholds_.size(), 0.0);
  fp_.assign(thresholds_.size(), 0.0);
}

void Precision::update_state(const Tensor& y_true, const Tensor& y_pred,
                             const Tensor& sample_weight) {
  NoGradGuard no_grad;
  auto in = confusion_inputs("Precision", y_true, y_pred, sample_weight, options_.top_k,
                             options_.class_id);
  auto c = confusion_counts(in, thresholds_);
  add_into(tp_, c.tp);
  add_into(fp_, c.fp);
}

std::vector<double> Precision::results() const {
  std::vector<double> r;
  for (std::size_t i = 0; i < tp_.size(); ++i) r.push_back(divide_no_nan(tp_[i], tp_[i] + fp_[i]));
  return r;
}

void Precision::reset_state() {
  std::fill(tp_.begin(), tp_.end(), 0.0);
  std::fill(fp_.begin(), fp_.end(), 0.0);
}

Config Precision::get_config() const { return pr_config(Metric::get_config(), options_); }

Recall::Recall(Options o) : Metric(o.name.empty() ? "recall" : o.name), options_(o) {
  thresholds_ = pr_thresholds("Recall", options_);
  options_.name = name();
  tp_.assign(thresholds_.size(), 0.0);
  fn_.assign(thresholds_.size(), 0.0);
}

void Recall::update_state(const Tensor& y_true, const Tensor& y_pred,
                          const Tensor& sample_weight) {
  NoGradGuard no_grad;
  auto in = confusion_inputs("Recall", y_true, y_pred, sample_weight, options_.top_k,
                             options_.class_id);
  auto c = confusion_counts(in, thresholds_);
  add_into(tp_, c.tp);
  add_into(fn_, c.fn);
}

std::vector<double> Recall::results() const {
  std::vector<double> r;
  for (std::size_t i = 0; i < tp_.size(); ++i) r.push_back(divide_no_nan(tp_[i], tp_[i] + fn_[i]));
  return r;
}

void Recall::reset_state() {
  std::fill(tp_.begin(), tp_.end(), 0.0);
  std::fill(fn_.begin(), fn_.end(), 0.0);
}

Config Recall::get_config() const { return pr_config(Metric::get_config(), options_); }

// ---- AUC --------------------------------------------------------------------------------------

namespace {
std::string parse_curve(const std::string& s) {
  if (s == "ROC" || s == "roc") return "ROC";
  if (s == "PR" || s == "pr") return "PR";
  throw ValueError("AUC: invalid curve \"" + s + "\". Expected values are [\"PR\", \"ROC\"]");
}

std::string parse_summation(const std::string& s) {
  const std::string l = lower(s);
  if ((l == "interpolation" || l == "majoring" || l == "minoring") &&
      (s == l || (s.size() > 0 && std::toupper(static_cast<unsigned char>(l[0])) == s[0] &&
                  s.substr(1) == l.substr(1))))
    return l;
  throw ValueError("AUC: invalid summation_method \"" + s +
                   "\". Expected values are [\"interpolation\", \"majoring\", \"minoring\"]");
}
}  // namespace

AUC::AUC(Options o) : Metric(o.name), options_(std::move(o)) {
  options_.curve = parse_curve(options_.curve);
  options_.summation_method = parse_summation(options_.summation_method);
  std::vector<double> interior;
  if (options_.thresholds) {
    interior = *options_.thresholds;
    std::sort(interior.begin(), interior.end());
    options_.thresholds = interior;
    options_.num_thresholds = static_cast<int>(interior.size()) + 2;
    std::vector<double> with_ends{0.0};
    with_ends.insert(with_ends.end(), interior.begin(), interior.end());
    with_ends.push_back(1.0);
    evenly_distributed_ = evenly_distributed(with_ends);
  } else {
    if (options_.num_thresholds <= 1)
      throw ValueError("AUC: num_thresholds must be an integer > 1, got " +
                       std::to_string(options_.num_thresholds));
    const int n = options_.num_thresholds;
    for (int i = 0; i < n - 2; ++i) interior.push_back((i + 1) * 1.0 / (n - 1));
    evenly_distributed_ = true;
  }
  // Endpoints just outside [0, 1] so that predictions of exactly 0 or 1 are counted.
  thresholds_.push_back(0.0 - kEpsilon);
  thresholds_.insert(thresholds_.end(), interior.begin(), interior.end());
  thresholds_.push_back(1.0 + kEpsilon);
  reset_state();
}

void AUC::reset_state() {
  const auto n = thresholds_.size();
  tp_.assign(n, 0.0);
  fp_.assign(n, 0.0);
  tn_.assign(n, 0.0);
  fn_.assign(n, 0.0);
}

void AUC::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  require_defined(y_pred, "AUC", "y_pred");
  Tensor p = options_.from_logits ? ops::sigmoid(to_dtype(y_pred, compute_dtype(y_pred))) : y_pred;
  auto in = confusion_inputs("AUC", y_true, p, sample_weight, std::nullopt, std::nullopt);
  // One transfer of (pred, label, weight) to the host; binning happens there.
  std::vector<Tensor> parts{in.pred, in.label};
  if (in.weight.defined()) parts.push_back(in.weight);
  const std::vector<double> h = read_back(parts);
  const auto m = static_cast<std::size_t>(in.pred.numel());
  const double* pred = h.data();
  const double* label = h.data() + m;
  const double* weight = in.weight.defined() ? h.data() + 2 * m : nullptr;
  const std::size_t nt = thresholds_.size();

  if (evenly_distributed_) {
    // Keras _update_confusion_matrix_variables_optimized: bucket ceil(p * (T - 1)) - 1 (p
    // clipped to [0, 1]; the -epsilon endpoint pulls bucket -1 into 0), then a reverse
    // cumulative sum gives the counts with p > threshold at every threshold.
    std::vector<double> tp_bucket(nt, 0.0), fp_bucket(nt, 0.0);
    double total_pos = 0.0, total_neg = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      const double w = weight ? weight[i] : 1.0;
      // A NaN score would make the bucket index undefined; count it as the lowest score.
      const double pi = std::isnan(pred[i]) ? 0.0 : std::clamp(pred[i], 0.0, 1.0);
      const double b = std::max(std::ceil(pi * static_cast<double>(nt - 1)) - 1.0, 0.0);
      const auto bucket = static_cast<std::size_t>(b);
      const double pos = label[i] * w, neg = (1.0 - label[i]) * w;
      tp_bucket[bucket] += pos;
      fp_bucket[bucket] += neg;
      total_pos += pos;
      total_neg += neg;
    }
    double tp = 0.0, fp = 0.0;
    for (std::size_t j = nt; j-- > 0;) {
      tp += tp_bucket[j];
      fp += fp_bucket[j];
      tp_[j] += tp;
      fp_[j] += fp;
      fn_[j] += total_pos - tp;
      tn_[j] += total_neg - fp;
    }
  } else {
    for (std::size_t i = 0; i < m; ++i) {
      const double w = weight ? weight[i] : 1.0;
      const double pos = label[i] * w, neg = (1.0 - label[i]) * w;
      for (std::size_t j = 0; j < nt; ++j) {
        if (pred[i] > thresholds_[j]) {
          tp_[j] += pos;
          fp_[j] += neg;
        } else {
          fn_[j] += pos;
          tn_[j] += neg;
        }
      }
    }
  }
}

double AUC::result() const {
  const std::size_t n = thresholds_.size();
  if (options_.curve == "PR" && options_.summation_method == "interpolation") {
    // Keras AUC.interpolate_pr_auc (Davis & Goadrich 2006, closed form per bucket).
    double auc = 0.0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double dtp = tp_[i] - tp_[i + 1];
      const double p0 = tp_[i] + fp_[i], p1 = tp_[i + 1] + fp_[i + 1];
      const double dp = p0 - p1;
      const double slope = divide_no_nan(dtp, std::max(dp, 0.0));
      const double intercept = tp_[i + 1] - slope * p1;
      const double ratio = (p0 > 0 && p1 > 0) ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
      auc += divide_no_nan(slope * (dtp + intercept * std::log(ratio)),
                           std::max(tp_[i + 1] + fn_[i + 1], 0.0));
    }
    return auc;
  }
  std::vector<double> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double recall = divide_no_nan(tp_[i], tp_[i] + fn_[i]);
    if (options_.curve == "ROC") {
      x[i] = divide_no_nan(fp_[i], fp_[i] + tn_[i]);
      y[i] = recall;
    } else {
      x[i] = recall;
      y[i] = divide_no_nan(tp_[i], tp_[i] + fp_[i]);
    }
  }
  double auc = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    double height;
    if (options_.summation_method == "interpolation") height = (y[i] + y[i + 1]) / 2.0;
    else if (options_.summation_method == "minoring") height = std::min(y[i], y[i + 1]);
    else height = std::max(y[i], y[i + 1]);
    auc += (x[i] - x[i + 1]) * height;
  }
  return auc;
}

Config AUC::get_config() const {
  Config c = Metric::get_config();
  c["num_thresholds"] = options_.num_thresholds;
  c["curve"] = options_.curve;
  c["summation_method"] = options_.summation_method;
  c["multi_label"] = false;
  c["num_labels"] = nullptr;
  c["label_weights"] = nullptr;
  c["from_logits"] = options_.from_logits;
  if (options_.thresholds) c["thresholds"] = *options_.thresholds;
  return c;
}

// ---- registry ---------------------------------------------------------------------------------

namespace {

// Reads a Keras config object key by key so that a wrong type or an unknown key names the
// class and the key instead of surfacing as a JSON library error.
class Reader {
 public:
  Reader(const Config& config, std::string cls) : config_(config), cls_(std::move(cls)) {
    if (!config_.is_null() && !config_.is_object())
      throw ConfigError(cls_ + ": config must be a JSON object, got " + config_.dump());
  }

  bool has(const std::string& key) const {
    return config_.is_object() && config_.contains(key) && !config_[key].is_null();
  }

  template <class T>
  T get(const std::string& key, T fallback) {
    used_.insert(key);
    if (!has(key)) return fallback;
    const Config& v = config_[key];
    bool ok = true;
    if constexpr (std::is_same_v<T, bool>) ok = v.is_boolean();
    else if constexpr (std::is_same_v<T, int>) ok = v.is_number_integer();
    else if constexpr (std::is_same_v<T, double>) ok = v.is_number();
    else if constexpr (std::is_same_v<T, std::string>) ok = v.is_string();
    if (!ok)
      throw ConfigError(cls_ + ": config key '" + key + "' has the wrong type: " + v.dump());
    return v.get<T>();
  }

  std::optional<int> optional_int(const std::string& key) {
    if (!has(key)) {
      used_.insert(key);
      return std::nullopt;
    }
    return get<int>(key, 0);
  }

  std::optional<std::vector<double>> thresholds(const std::string& key = "thresholds") {
    used_.insert(key);
    if (!has(key)) return std::nullopt;
    const Config& v = config_[key];
    if (v.is_number()) return std::vector<double>{v.get<double>()};
    if (v.is_array()) {
      std::vector<double> out;
      for (const auto& x : v) {
        if (!x.is_number())
          throw ConfigError(cls_ + ": config key '" + key + "' must hold numbers: " + v.dump());
        out.push_back(x.get<double>());
      }
      return out;
    }
    throw ConfigError(cls_ + ": config key '" + key + "' must be a number or a list: " + v.dump());
  }

  std::string name(const std::string& fallback) { return get<std::string>("name", fallback); }

  void ignore(const std::string& key) { used_.insert(key); }

  /// Unknown keys are errors (typos in hand-written configs); "dtype" is accepted because
  /// Keras writes it, and metric state is always double precision here.
  void finish() const {
    if (!config_.is_object()) return;
    for (const auto& item : config_.items())
      if (item.key() != "dtype" && !used_.count(item.key()))
        throw ConfigError(cls_ + ": unknown config key '" + item.key() + "' in " +
                          config_.dump());
  }

 private:
  const Config& config_;
  std::string cls_;
  std::set<std::string> used_;
};

template <class M>
MetricPtr make_named(const Config& c, const std::string& cls) {
  Reader r(c, cls);
  typename M::Options o;
  o.name = r.name(o.name);
  r.finish();
  return std::make_shared<M>(o);
}

template <class M>
MetricPtr make_confusion(const Config& c, const std::string& cls) {
  Reader r(c, cls);
  ConfusionCountOptions o;
  o.thresholds = r.thresholds();
  o.name = r.name("");
  r.finish();
  return std::make_shared<M>(o);
}

template <class M>
MetricPtr make_precision_recall(const Config& c, const std::string& cls) {
  Reader r(c, cls);
  PrecisionRecallOptions o;
  o.thresholds = r.thresholds();
  o.top_k = r.optional_int("top_k");
  o.class_id = r.optional_int("class_id");
  o.name = r.name("");
  r.finish();
  return std::make_shared<M>(o);
}

struct Entry {
  std::string class_name;
  std::vector<std::string> aliases;
  std::function<MetricPtr(const Config&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    e.push_back({"Mean", {"mean"}, [](const Config& c) { return make_named<Mean>(c, "Mean"); }});
    e.push_back({"Sum", {"sum"}, [](const Config& c) { return make_named<Sum>(c, "Sum"); }});
    e.push_back({"Accuracy", {"accuracy", "acc"},
                 [](const Config& c) { return make_named<Accuracy>(c, "Accuracy"); }});
    e.push_back({"BinaryAccuracy", {"binary_accuracy"}, [](const Config& c) -> MetricPtr {
                   Reader r(c, "BinaryAccuracy");
                   BinaryAccuracy::Options o;
                   o.threshold = r.get<double>("threshold", o.threshold);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<BinaryAccuracy>(o);
                 }});
    e.push_back({"CategoricalAccuracy", {"categorical_accuracy"}, [](const Config& c) {
                   return make_named<CategoricalAccuracy>(c, "CategoricalAccuracy");
                 }});
    e.push_back({"SparseCategoricalAccuracy", {"sparse_categorical_accuracy"}, [](const Config& c) {
                   return make_named<SparseCategoricalAccuracy>(c, "SparseCategoricalAccuracy");
                 }});
    e.push_back({"TopKCategoricalAccuracy", {"top_k_categorical_accuracy"},
                 [](const Config& c) -> MetricPtr {
                   Reader r(c, "TopKCategoricalAccuracy");
                   TopKCategoricalAccuracy::Options o;
                   o.k = r.get<int>("k", o.k);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<TopKCategoricalAccuracy>(o);
                 }});
    e.push_back({"SparseTopKCategoricalAccuracy", {"sparse_top_k_categorical_accuracy"},
                 [](const Config& c) -> MetricPtr {
                   Reader r(c, "SparseTopKCategoricalAccuracy");
                   SparseTopKCategoricalAccuracy::Options o;
                   o.k = r.get<int>("k", o.k);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<SparseTopKCategoricalAccuracy>(o);
                 }});
    e.push_back({"MeanSquaredError", {"mean_squared_error", "mse", "MSE"}, [](const Config& c) {
                   return make_named<MeanSquaredError>(c, "MeanSquaredError");
                 }});
    e.push_back({"MeanAbsoluteError", {"mean_absolute_error", "mae", "MAE"}, [](const Config& c) {
                   return make_named<MeanAbsoluteError>(c, "MeanAbsoluteError");
                 }});
    e.push_back({"MeanAbsolutePercentageError", {"mean_absolute_percentage_error", "mape", "MAPE"},
                 [](const Config& c) {
                   return make_named<MeanAbsolutePercentageError>(c, "MeanAbsolutePercentageError");
                 }});
    e.push_back({"MeanSquaredLogarithmicError", {"mean_squared_logarithmic_error", "msle", "MSLE"},
                 [](const Config& c) {
                   return make_named<MeanSquaredLogarithmicError>(c, "MeanSquaredLogarithmicError");
                 }});
    e.push_back({"RootMeanSquaredError", {"root_mean_squared_error"}, [](const Config& c) {
                   return make_named<RootMeanSquaredError>(c, "RootMeanSquaredError");
                 }});
    e.push_back({"BinaryCrossentropy", {"binary_crossentropy", "bce", "BCE"},
                 [](const Config& c) -> MetricPtr {
                   Reader r(c, "BinaryCrossentropy");
                   BinaryCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.label_smoothing = r.get<double>("label_smoothing", o.label_smoothing);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<BinaryCrossentropy>(o);
                 }});
    e.push_back({"CategoricalCrossentropy", {"categorical_crossentropy"},
                 [](const Config& c) -> MetricPtr {
                   Reader r(c, "CategoricalCrossentropy");
                   CategoricalCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.label_smoothing = r.get<double>("label_smoothing", o.label_smoothing);
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<CategoricalCrossentropy>(o);
                 }});
    e.push_back({"SparseCategoricalCrossentropy", {"sparse_categorical_crossentropy"},
                 [](const Config& c) -> MetricPtr {
                   Reader r(c, "SparseCategoricalCrossentropy");
                   SparseCategoricalCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.name(o.name);
                   r.finish();
                   return std::make_shared<SparseCategoricalCrossentropy>(o);
                 }});
    e.push_back({"KLDivergence", {"kl_divergence", "kld", "KLD"},
                 [](const Config& c) { return make_named<KLDivergence>(c, "KLDivergence"); }});
    e.push_back({"TruePositives", {"true_positives"},
                 [](const Config& c) { return make_confusion<TruePositives>(c, "TruePositives"); }});
    e.push_back({"FalsePositives", {"false_positives"}, [](const Config& c) {
                   return make_confusion<FalsePositives>(c, "FalsePositives");
                 }});
    e.push_back({"TrueNegatives", {"true_negatives"},
                 [](const Config& c) { return make_confusion<TrueNegatives>(c, "TrueNegatives"); }});
    e.push_back({"FalseNegatives", {"false_negatives"}, [](const Config& c) {
                   return make_confusion<FalseNegatives>(c, "FalseNegatives");
                 }});
    e.push_back({"Precision", {"precision"},
                 [](const Config& c) { return make_precision_recall<Precision>(c, "Precision"); }});
    e.push_back({"Recall", {"recall"},
                 [](const Config& c) { return make_precision_recall<Recall>(c, "Recall"); }});
    e.push_back({"AUC", {"auc"}, [](const Config& c) -> MetricPtr {
                   Reader r(c, "AUC");
                   AUC::Options o;
                   o.num_thresholds = r.get<int>("num_thresholds", o.num_thresholds);
                   o.curve = r.get<std::string>("curve", o.curve);
                   o.summation_method = r.get<std::string>("summation_method", o.summation_method);
                   o.thresholds = r.thresholds();
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   if (r.get<bool>("multi_label", false))
                     throw ConfigError("AUC: multi_label=true is not supported");
                   if (r.has("label_weights"))
                     throw ConfigError("AUC: label_weights are not supported");
                   r.ignore("label_weights");
                   r.ignore("num_labels");
                   o.name = r.name(o.name);
                   r.finish();
                   try {
                     return std::make_shared<AUC>(o);
                   } catch (const ValueError& err) {
                     throw ConfigError(err.what());
                   }
                 }});
    return e;
  }();
  return entries;
}

const Entry* find_entry(const std::string& name) {
  for (const auto& e : registry()) {
    if (e.class_name == name) return &e;
    if (std::find(e.aliases.begin(), e.aliases.end(), name) != e.aliases.end()) return &e;
  }
  return nullptr;
}

bool is_sparse_case(const Shape& t, const Shape& p) {
  return t.size() < p.size() ||
         (!t.empty() && !p.empty() && t.size() == p.size() && t.back() == 1 && p.back() > 1);
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& e : registry()) {
    out.push_back(e.class_name);
    for (const auto& a : e.aliases) out.push_back(a);
  }
  return out;
}

MetricPtr get(const std::string& name) {
  const Entry* e = find_entry(name);
  if (!e) throw UnknownNameError(unknown_name_message("metric", name, names()));
  return e->make(Config::object());
}

MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape) {
  const std::string l = lower(name);
  const bool is_binary = !y_pred_shape.empty() && y_pred_shape.back() == 1;
  const bool is_sparse = is_sparse_case(y_true_shape, y_pred_shape);
  MetricPtr m;
  if (l == "accuracy" || l == "acc") {
    if (is_binary) m = std::make_shared<BinaryAccuracy>();
    else if (is_sparse) m = std::make_shared<SparseCategoricalAccuracy>();
    else m = std::make_shared<CategoricalAccuracy>();
  } else if (l == "crossentropy" || l == "ce") {
    if (is_binary) m = std::make_shared<BinaryCrossentropy>();
    else if (is_sparse) m = std::make_shared<SparseCategoricalCrossentropy>();
    else m = std::make_shared<CategoricalCrossentropy>();
  } else {
    const Entry* e = find_entry(name);
    if (!e) {
      std::vector<std::string> known = names();
      known.push_back("crossentropy");
      known.push_back("ce");
      throw UnknownNameError(unknown_name_message("metric", name, known));
    }
    m = e->make(Config::object());
  }
  m->set_name(name);
  return m;
}

MetricPtr from_config(const Config& config) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ConfigError("metric config must be a name or an object with a string 'class_name', got " +
                      config.dump());
  const std::string cls = config["class_name"].get<std::string>();
  const Config inner = config.contains("config") ? config["config"] : Config::object();
  if (cls == "MeanMetricWrapper") {
    // tf.keras wrote compiled string metrics as MeanMetricWrapper(fn=<function name>).
    if (!inner.is_object() || !inner.contains("fn") || !inner["fn"].is_string())
      throw ConfigError("MeanMetricWrapper config needs 'fn' naming a built-in metric function, got " +
                        inner.dump());
    const std::string fn = inner["fn"].get<std::string>();
    const Entry* e = find_entry(fn);
    if (!e) throw UnknownNameError(unknown_name_message("metric function", fn, names()));
    Config rest = inner;
    rest.erase("fn");
    return e->make(rest);
  }
  const Entry* e = nullptr;
  for (const auto& entry : registry())
    if (entry.class_name == cls) e = &entry;
  if (!e) {
    std::vector<std::string> classes;
    for (const auto& entry : registry()) classes.push_back(entry.class_name);
    throw UnknownNameError(unknown_name_message("metric class", cls, classes));
  }
  return e->make(inner);
}

Config serialize(const Metric& metric) {
  return Config{{"module", "keras.metrics"},
                {"class_name", metric.class_name()},
                {"config", metric.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace temper::metrics
