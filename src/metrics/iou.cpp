// Intersection-over-union metrics (Keras: keras/src/metrics/iou_metrics.py).
#include "temper/metrics/iou.hpp"

#include <cmath>

#include "src/metrics/common.hpp"
#include "temper/autograd.hpp"

namespace temper::metrics {

using namespace detail;

namespace {

// The matrix holds num_classes² doubles: 4096 classes are 128 MiB, and a config asking for
// more (a typo, a hostile file) is refused before anything is allocated.
constexpr std::int64_t kMaxClasses = 4096;

Check<std::int64_t> num_classes_check() {
  return {"an integer in [1, " + std::to_string(kMaxClasses) + "]",
          [](const std::int64_t& n) { return n >= 1 && n <= kMaxClasses; }};
}

std::vector<std::int64_t> all_classes(std::int64_t n) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
  return ids;
}

// A class id from a label or prediction value, as Keras's confusion_matrix casts it (toward
// zero); a value outside [0, n) — NaN included — is an error naming it.
std::int64_t class_id(double v, std::int64_t n, const std::string& who, const char* what) {
  const double id = std::trunc(v);
  if (!(id >= 0 && id < static_cast<double>(n)))
    throw ValueError(who + ": " + what + " " + Config(v).dump() + " is not a class id in [0, " + std::to_string(n) +
                     ") (num_classes=" + std::to_string(n) + ")");
  return static_cast<std::int64_t>(id);
}

}  // namespace

// ---- IoUBase ---------------------------------------------------------------------------------

void IoUBase::configure(Setup setup) {
  const std::string who = class_name();
  if (setup.target_class_ids.empty()) throw ValueError(who + ": target_class_ids must not be empty");
  for (auto id : setup.target_class_ids)
    if (id < 0 || id >= setup.num_classes)
      throw ValueError(who + ": target class id " + std::to_string(id) + " is out of range, which is [0, " +
                       std::to_string(setup.num_classes) + ")");
  s_ = std::move(setup);
  cm_.assign(static_cast<std::size_t>(s_.num_classes * s_.num_classes), 0.0);
}

void IoUBase::update_state(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) {
  const std::string who = class_name();
  require_defined(y_true, who, "y_true");
  require_defined(y_pred, who, "y_pred");
  NoGradGuard no_grad;
  Tensor t = s_.sparse_y_true ? y_true : ops::argmax(y_true, s_.axis);
  Tensor p = s_.sparse_y_pred ? y_pred : ops::argmax(y_pred, s_.axis);
  t = to_dtype(t, DType::Float64).reshape({-1});
  p = to_dtype(p, DType::Float64).reshape({-1});
  const std::int64_t count = t.numel();
  if (p.numel() != count)
    shape_mismatch(who, y_true.shape(), y_pred.shape(), "expected as many class ids in y_true as in y_pred");
  std::vector<Tensor> parts{t, p};
  if (sample_weight.defined()) {
    Tensor w = to_dtype(sample_weight, DType::Float64).reshape({-1});
    if (w.numel() != 1 && w.numel() != count)
      throw ShapeError(who + ": sample_weight shape " + shape_to_string(sample_weight.shape()) +
                       " does not match the " + std::to_string(count) + " class ids of y_true");
    parts.push_back(w);
  }
  const std::vector<double> h = read_back(parts);
  const auto n = static_cast<std::size_t>(count);
  const double* label = h.data();
  const double* pred = h.data() + n;
  const double* weight = parts.size() == 3 ? h.data() + 2 * n : nullptr;
  const bool scalar_weight = weight && h.size() == 2 * n + 1;

  // Every id is checked before any is counted, so a bad batch leaves the state as it was.
  std::vector<std::pair<std::size_t, double>> cells;
  cells.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (s_.ignore_class && label[i] == static_cast<double>(*s_.ignore_class)) continue;
    const double p_i = s_.threshold ? (pred[i] >= *s_.threshold ? 1.0 : 0.0) : pred[i];
    const auto r = class_id(label[i], s_.num_classes, who, "label");
    const auto c = class_id(p_i, s_.num_classes, who, "predicted class");
    const double w = weight ? weight[scalar_weight ? 0 : i] : 1.0;
    cells.emplace_back(static_cast<std::size_t>(r * s_.num_classes + c), w);
  }
  for (const auto& [cell, w] : cells) cm_[cell] += w;
}

double IoUBase::result() const {
  const auto n = static_cast<std::size_t>(s_.num_classes);
  double sum = 0.0, valid = 0.0;
  for (auto id : s_.target_class_ids) {
    const auto k = static_cast<std::size_t>(id);
    double row = 0.0, col = 0.0;  // weight with true class k; weight predicted as class k
    for (std::size_t j = 0; j < n; ++j) {
      row += cm_[k * n + j];
      col += cm_[j * n + k];
    }
    const double tp = cm_[k * n + k];
    const double denominator = row + col - tp;
    if (denominator > 1e-9) valid += 1.0;
    sum += tp / (denominator + kEpsilon);
  }
  return sum / (valid + kEpsilon);
}

void IoUBase::reset_state() { std::fill(cm_.begin(), cm_.end(), 0.0); }

// ---- the Keras classes -----------------------------------------------------------------------

const Arguments<IoU::Options>& IoU::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("IoU")
                               .required("num_classes", &O::num_classes, num_classes_check())
                               .required("target_class_ids", &O::target_class_ids)
                               .add("ignore_class", &O::ignore_class)
                               .add("sparse_y_true", &O::sparse_y_true)
                               .add("sparse_y_pred", &O::sparse_y_pred)
                               .add("axis", &O::axis);
  return args;
}

IoUBase::Setup IoU::setup(const Options& o) {
  return {o.num_classes, o.target_class_ids, o.ignore_class, o.sparse_y_true, o.sparse_y_pred, o.axis, std::nullopt};
}

const Arguments<MeanIoU::Options>& MeanIoU::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("MeanIoU")
                               .required("num_classes", &O::num_classes, num_classes_check())
                               .add("ignore_class", &O::ignore_class)
                               .add("sparse_y_true", &O::sparse_y_true)
                               .add("sparse_y_pred", &O::sparse_y_pred)
                               .add("axis", &O::axis);
  return args;
}

IoUBase::Setup MeanIoU::setup(const Options& o) {
  return {o.num_classes, all_classes(o.num_classes), o.ignore_class, o.sparse_y_true, o.sparse_y_pred, o.axis,
          std::nullopt};
}

const Arguments<BinaryIoU::Options>& BinaryIoU::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("BinaryIoU")
                               .add("target_class_ids", &O::target_class_ids)
                               .add("threshold", &O::threshold);
  return args;
}

IoUBase::Setup BinaryIoU::setup(const Options& o) {
  return {2, o.target_class_ids, std::nullopt, true, true, -1, o.threshold};
}

const Arguments<OneHotIoU::Options>& OneHotIoU::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("OneHotIoU")
                               .required("num_classes", &O::num_classes, num_classes_check())
                               .required("target_class_ids", &O::target_class_ids)
                               .add("ignore_class", &O::ignore_class)
                               .add("sparse_y_pred", &O::sparse_y_pred)
                               .add("axis", &O::axis);
  return args;
}

IoUBase::Setup OneHotIoU::setup(const Options& o) {
  return {o.num_classes, o.target_class_ids, o.ignore_class, false, o.sparse_y_pred, o.axis, std::nullopt};
}

const Arguments<OneHotMeanIoU::Options>& OneHotMeanIoU::arguments() {
  using O = Options;
  static const auto args = metric_arguments<O>("OneHotMeanIoU")
                               .required("num_classes", &O::num_classes, num_classes_check())
                               .add("ignore_class", &O::ignore_class)
                               .add("sparse_y_pred", &O::sparse_y_pred)
                               .add("axis", &O::axis);
  return args;
}

IoUBase::Setup OneHotMeanIoU::setup(const Options& o) {
  return {o.num_classes, all_classes(o.num_classes), o.ignore_class, false, o.sparse_y_pred, o.axis, std::nullopt};
}

namespace {
// Keras's metrics.get accepts each class name and its snake_case form ("mean_io_u").
const MetricRegistration<IoU> iou{{"IoU", "io_u"}};
const MetricRegistration<MeanIoU> mean_iou{{"MeanIoU", "mean_io_u"}};
const MetricRegistration<BinaryIoU> binary_iou{{"BinaryIoU", "binary_io_u"}};
const MetricRegistration<OneHotIoU> one_hot_iou{{"OneHotIoU", "one_hot_io_u"}};
const MetricRegistration<OneHotMeanIoU> one_hot_mean_iou{{"OneHotMeanIoU", "one_hot_mean_io_u"}};
}  // namespace

}  // namespace temper::metrics
