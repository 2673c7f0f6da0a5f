// Loss functions and classes (Keras: keras/src/losses/{loss,losses}.py), written with ops only
// so that autodiff provides their gradients on any backend.
#include "temper/losses.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <tuple>
#include <type_traits>

#include "src/losses/sparse_labels.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper::losses {

namespace {

// Keras backend.epsilon(): the clipping bound of every probability-based loss.
constexpr double kEpsilon = 1e-7;

void require_defined(const Tensor& t, const std::string& who, const char* what) {
  if (!t.defined()) throw ValueError(who + ": " + what + " is an undefined tensor");
}

// Losses compute in y_pred's floating type (Keras: the loss dtype), float32 for integer inputs.
DType compute_dtype(const Tensor& y_pred) {
  return y_pred.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;
}

Tensor to_dtype(const Tensor& t, DType dt) { return t.dtype() == dt ? t : ops::cast(t, dt); }

Tensor scalar_like(double v, const Tensor& ref) {
  return Tensor::scalar(v, ref.dtype(), &ref.backend());
}

[[noreturn]] void shape_mismatch(const std::string& who, const Shape& t, const Shape& p,
                                 const std::string& expected) {
  throw ShapeError(who + ": y_true shape " + shape_to_string(t) + " and y_pred shape " +
                   shape_to_string(p) + " are incompatible (" + expected + ")");
}

// Casts both to the compute dtype and checks that the shapes agree exactly. With `align`, a
// trailing 1 is first squeezed/expanded the way Keras's LossFunctionWrapper does.
std::pair<Tensor, Tensor> prepare(const std::string& who, const Tensor& y_true,
                                  const Tensor& y_pred, bool align = true) {
  require_defined(y_true, who, "y_true");
  require_defined(y_pred, who, "y_pred");
  const DType dt = compute_dtype(y_pred);
  Tensor t = to_dtype(y_true, dt), p = to_dtype(y_pred, dt);
  if (align) std::tie(t, p) = squeeze_or_expand_to_same_rank(t, p);
  if (t.shape() != p.shape())
    shape_mismatch(who, y_true.shape(), y_pred.shape(), "expected equal shapes");
  return {t, p};
}

void require_rank(const std::string& who, const Tensor& y_pred, int min_rank) {
  if (y_pred.rank() < min_rank)
    throw ShapeError(who + ": y_pred must have rank >= " + std::to_string(min_rank) +
                     ", got shape " + shape_to_string(y_pred.shape()));
}

// Keras ops.divide_no_nan: num / den, and 0 where den == 0 (with a finite gradient).
Tensor divide_no_nan(const Tensor& num, const Tensor& den) {
  Tensor nz = ops::not_equal(den, scalar_like(0.0, den));
  Tensor safe = ops::add(den, ops::rsub(1.0, nz));
  return ops::multiply(ops::divide(num, safe), nz);
}

// Keras losses.convert_binary_labels_to_hinge: {0, 1} labels become {-1, 1}; other label sets
// are left alone. The "all labels are 0 or 1" test stays on the device as a 0/1 scalar so no
// host round trip is needed: y + is_binary * (y - 1) is 2y - 1 when binary, y otherwise.
Tensor hinge_labels(const Tensor& y) {
  Tensor zero_or_one =
      ops::add(ops::equal(y, scalar_like(0.0, y)), ops::equal(y, scalar_like(1.0, y)));
  Tensor is_binary = ops::min(zero_or_one);
  return ops::add(y, ops::multiply(is_binary, ops::add(y, -1.0)));
}

// x * min(rsqrt(sum(x^2)), 1/eps) — Keras ops.normalize(order=2). Clipping the squared sum at
// eps^2 gives the same value and keeps the gradient finite for an all-zero vector.
Tensor l2_normalize(const Tensor& x, int axis) {
  Tensor ss = ops::sum(ops::square(x), {axis}, true);
  Tensor inv = ops::reciprocal(
      ops::sqrt(ops::clip(ss, kEpsilon * kEpsilon, std::numeric_limits<double>::max())));
  return ops::multiply(x, inv);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---- reductions -----------------------------------------------------------------------------

std::string reduction_name(Reduction r) {
  switch (r) {
    case Reduction::SumOverBatchSize: return "sum_over_batch_size";
    case Reduction::Sum: return "sum";
    case Reduction::Mean: return "mean";
    case Reduction::None: return "none";
    case Reduction::MeanWithSampleWeight: return "mean_with_sample_weight";
  }
  return "sum_over_batch_size";
}

Reduction reduction_from_name(const std::string& name) {
  if (name == "sum_over_batch_size") return Reduction::SumOverBatchSize;
  if (name == "sum") return Reduction::Sum;
  if (name == "mean") return Reduction::Mean;
  if (name == "none") return Reduction::None;
  if (name == "mean_with_sample_weight") return Reduction::MeanWithSampleWeight;
  throw ValueError("invalid loss reduction '" + name +
                   "'. Expected one of: sum_over_batch_size, sum, mean, "
                   "mean_with_sample_weight, none");
}

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1_in, const Tensor& x2_in,
                                                         bool expand_rank_1) {
  Tensor x1 = x1_in, x2 = x2_in;
  const int r1 = x1.rank(), r2 = x2.rank();
  if (r1 == r2) return {x1, x2};
  if (r1 == r2 + 1 && x1.shape().back() == 1) {
    if (r2 == 1 && expand_rank_1) x2 = ops::expand_dims(x2, -1);
    else x1 = ops::squeeze(x1, -1);
  }
  if (r2 == r1 + 1 && x2.shape().back() == 1) {
    if (r1 == 1 && expand_rank_1) x1 = ops::expand_dims(x1, -1);
    else x2 = ops::squeeze(x2, -1);
  }
  return {x1, x2};
}

// ---- Loss base ------------------------------------------------------------------------------

Loss::Loss(std::string name, Reduction reduction)
    : name_(std::move(name)), reduction_(reduction) {}

Loss::~Loss() = default;

std::pair<Tensor, Tensor> Loss::call_with_mask(const Tensor& y_true, const Tensor& y_pred) const {
  return {call(y_true, y_pred), Tensor()};
}

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred,
                        const Tensor& sample_weight) const {
  require_defined(y_true, class_name(), "y_true");
  require_defined(y_pred, class_name(), "y_pred");
  auto [values, mask] = call_with_mask(y_true, y_pred);
  const DType dt = values.dtype();
  const bool averaging =
      reduction_ == Reduction::SumOverBatchSize || reduction_ == Reduction::Mean;

  // Merge the mask into the sample weights (Keras loss.apply_mask). For averaging reductions
  // valid entries get weight total/valid so that the mean runs over valid entries only.
  Tensor weight;
  if (sample_weight.defined()) weight = to_dtype(sample_weight, dt);
  if (mask.defined()) {
    Tensor m = to_dtype(mask, dt);
    if (averaging) {
      const double total = static_cast<double>(m.numel());
      // valid counts 0/1 entries, so clipping it at 1 only changes the all-masked case,
      // where every masked weight is 0 anyway (Keras: divide_no_nan).
      Tensor valid = ops::clip(ops::sum(m), 1.0, std::max(total, 1.0));
      m = ops::multiply(m, ops::rdiv(total, valid));
    }
    if (weight.defined()) {
      auto [m2, w2] = squeeze_or_expand_to_same_rank(m, weight);
      weight = ops::multiply(w2, m2);
    } else {
      weight = m;
    }
  }
  if (weight.defined()) {
    auto [v2, w2] = squeeze_or_expand_to_same_rank(values, weight);
    try {
      (void)broadcast_shapes(v2.shape(), w2.shape());
    } catch (const ShapeError&) {
      throw ShapeError(class_name() + ": sample_weight shape " +
                       shape_to_string(sample_weight.defined() ? sample_weight.shape()
                                                               : w2.shape()) +
                       " does not broadcast to the per-sample loss shape " +
                       shape_to_string(values.shape()));
    }
    values = ops::multiply(v2, w2);
  }

  if (reduction_ == Reduction::None || values.rank() == 0 ||
      (values.rank() == 1 && values.shape()[0] == 0))
    return values;
  Tensor loss = ops::sum(values);
  if (reduction_ == Reduction::MeanWithSampleWeight && weight.defined())
    return divide_no_nan(loss, ops::sum(weight));
  if (reduction_ != Reduction::Sum && values.numel() > 0)
    loss = ops::divide(loss, static_cast<double>(values.numel()));
  return loss;
}

Config Loss::get_config() const {
  return Config{{"name", name_}, {"reduction", reduction_name(reduction_)}};
}

// ---- function forms -------------------------------------------------------------------------

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_squared_error", y_true, y_pred);
  require_rank("mean_squared_error", p, 1);
  return ops::mean(ops::square(ops::subtract(t, p)), {-1});
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_absolute_error", y_true, y_pred);
  require_rank("mean_absolute_error", p, 1);
  return ops::mean(ops::abs(ops::subtract(t, p)), {-1});
}

Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_absolute_percentage_error", y_true, y_pred);
  require_rank("mean_absolute_percentage_error", p, 1);
  Tensor den = ops::clip(ops::abs(t), kEpsilon, std::numeric_limits<double>::max());
  Tensor diff = ops::abs(ops::divide(ops::subtract(t, p), den));
  return ops::multiply(ops::mean(diff, {-1}), 100.0);
}

Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("mean_squared_logarithmic_error", y_true, y_pred);
  require_rank("mean_squared_logarithmic_error", p, 1);
  const double big = std::numeric_limits<double>::max();
  Tensor first = ops::log(ops::add(ops::clip(p, kEpsilon, big), 1.0));
  Tensor second = ops::log(ops::add(ops::clip(t, kEpsilon, big), 1.0));
  return ops::mean(ops::square(ops::subtract(first, second)), {-1});
}

Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  auto [t, p] = prepare("huber", y_true, y_pred);
  require_rank("huber", p, 1);
  Tensor error = ops::subtract(p, t);
  Tensor abs_error = ops::abs(error);
  Tensor quadratic = ops::multiply(ops::square(error), 0.5);
  Tensor linear = ops::add(ops::multiply(abs_error, delta), -0.5 * delta * delta);
  // Keras: where(abs_error <= delta, quadratic, linear).
  return ops::mean(ops::where(ops::greater(abs_error, delta), linear, quadratic), {-1});
}

Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("log_cosh", y_true, y_pred);
  require_rank("log_cosh", p, 1);
  Tensor x = ops::subtract(p, t);
  Tensor lc = ops::add(ops::add(x, ops::softplus(ops::multiply(x, -2.0))), -std::log(2.0));
  return ops::mean(lc, {-1});
}

Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred) {
  // Keras applies no squeeze/expand here; shapes must already agree.
  auto [t, p] = prepare("kl_divergence", y_true, y_pred, false);
  require_rank("kl_divergence", p, 1);
  t = ops::clip(t, kEpsilon, 1.0);
  p = ops::clip(p, kEpsilon, 1.0);
  return ops::sum(ops::multiply(t, ops::log(ops::divide(t, p))), {-1});
}

Tensor poisson(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("poisson", y_true, y_pred, false);
  require_rank("poisson", p, 1);
  return ops::mean(ops::subtract(p, ops::multiply(t, ops::log(ops::add(p, kEpsilon)))), {-1});
}

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("hinge", y_true, y_pred);
  require_rank("hinge", p, 1);
  t = hinge_labels(t);
  return ops::mean(ops::relu(ops::rsub(1.0, ops::multiply(t, p))), {-1});
}

Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("squared_hinge", y_true, y_pred);
  require_rank("squared_hinge", p, 1);
  t = hinge_labels(t);
  return ops::mean(ops::square(ops::relu(ops::rsub(1.0, ops::multiply(t, p)))), {-1});
}

Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("categorical_hinge", y_true, y_pred, false);
  require_rank("categorical_hinge", p, 1);
  Tensor pos = ops::sum(ops::multiply(t, p), {-1});
  Tensor neg = ops::max(ops::multiply(ops::rsub(1.0, t), p), {-1});
  return ops::relu(ops::add(ops::subtract(neg, pos), 1.0));
}

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int axis) {
  auto [t, p] = prepare("cosine_similarity", y_true, y_pred);
  require_rank("cosine_similarity", p, 1);
  return ops::negative(ops::sum(ops::multiply(l2_normalize(t, axis), l2_normalize(p, axis)), {axis}));
}

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                           double label_smoothing, int axis) {
  auto [t, p] = prepare("binary_crossentropy", y_true, y_pred, false);
  require_rank("binary_crossentropy", p, 1);
  if (label_smoothing != 0.0)
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), 0.5 * label_smoothing);
  Tensor bce;
  if (from_logits) {
    // TensorFlow's sigmoid_cross_entropy_with_logits: max(x, 0) - x z + log(1 + exp(-|x|)).
    // Both branches are selected with the same x >= 0 mask so the gradient at x == 0 is the
    // exact sigmoid(0) - z rather than what relu'(0) = abs'(0) = 0 would give.
    Tensor zero = scalar_like(0.0, p);
    Tensor nonneg = ops::greater_equal(p, zero);
    Tensor relu_part = ops::where(nonneg, p, zero);
    Tensor neg_abs = ops::where(nonneg, ops::negative(p), p);
    bce = ops::add(ops::subtract(relu_part, ops::multiply(p, t)),
                   ops::log1p(ops::exp(neg_abs)));
  } else {
    Tensor q = ops::clip(p, kEpsilon, 1.0 - kEpsilon);
    Tensor pos = ops::multiply(t, ops::log(q));
    Tensor neg = ops::multiply(ops::rsub(1.0, t), ops::log(ops::rsub(1.0, q)));
    bce = ops::negative(ops::add(pos, neg));
  }
  return ops::mean(bce, {axis});
}

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                double label_smoothing, int axis) {
  auto [t, p] = prepare("categorical_crossentropy", y_true, y_pred, false);
  require_rank("categorical_crossentropy", p, 1);
  normalize_axis(axis, p.rank());
  if (label_smoothing != 0.0) {
    // Keras divides by y_true's last extent whatever `axis` is.
    const double num_classes = static_cast<double>(t.shape().back());
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), label_smoothing / num_classes);
  }
  Tensor log_prob;
  if (from_logits) {
    log_prob = ops::log_softmax(p, axis);
  } else {
    Tensor q = ops::divide(p, ops::sum(p, {axis}, true));
    log_prob = ops::log(ops::clip(q, kEpsilon, 1.0 - kEpsilon));
  }
  return ops::negative(ops::sum(ops::multiply(t, log_prob), {axis}));
}

namespace detail {

namespace {

template <class T>
std::string label_text(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (v != v) return "nan";
    std::string s = std::to_string(static_cast<double>(v));
    // "2.500000" -> "2.5", "1000000.000000" -> "1000000.0"
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s += '0';
    return s;
  } else {
    return std::to_string(static_cast<std::int64_t>(v));
  }
}

template <class T>
bool label_ok(T v, std::int64_t classes) {
  if constexpr (std::is_floating_point_v<T>) {
    // Written so that NaN fails every comparison and counts as bad.
    return v >= T(0) && v < static_cast<T>(classes) && v == std::trunc(v);
  } else {
    return static_cast<std::int64_t>(v) >= 0 && static_cast<std::int64_t>(v) < classes;
  }
}

template <class T>
void check_labels_typed(const std::string& who, const T* p, std::int64_t n, std::int64_t classes,
                        std::optional<int> ignore_class) {
  // Branch-free first pass (vectorisable); the slow search only runs when it fails.
  const bool ign = ignore_class.has_value();
  const T ign_v = ign ? static_cast<T>(*ignore_class) : T(0);
  bool bad = false;
  for (std::int64_t i = 0; i < n; ++i) bad |= !label_ok(p[i], classes) & !(ign & (p[i] == ign_v));
  if (!bad) return;
  for (std::int64_t i = 0; i < n; ++i) {
    if (label_ok(p[i], classes) || (ign && p[i] == ign_v)) continue;
    const bool integral = std::is_integral_v<T> || p[i] == std::trunc(static_cast<double>(p[i]));
    throw ValueError(who + ": y_true label " + label_text(p[i]) + " at index " + std::to_string(i) +
                     (integral ? " is out of range for " : " is not an integer class id for ") +
                     std::to_string(classes) + " classes (expected an integer in [0, " +
                     std::to_string(classes - 1) + "]" +
                     (ign ? " or the ignore_class " + std::to_string(*ignore_class) : "") + ")");
  }
}

}  // namespace

void check_sparse_labels(const std::string& who, const Tensor& labels, std::int64_t classes,
                         std::optional<int> ignore_class) {
  const std::int64_t n = labels.numel();
  if (n == 0) return;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    if (labels.device() == DeviceType::CPU) {
      check_labels_typed<T>(who, labels.data<T>(), n, classes, ignore_class);
    } else {
      const std::vector<T> host = labels.to_vector<T>();
      check_labels_typed<T>(who, host.data(), n, classes, ignore_class);
    }
  };
  switch (labels.dtype()) {
    case DType::Float32: return run(float{});
    case DType::Float64: return run(double{});
    case DType::Int32: return run(std::int32_t{});
    case DType::UInt8: return run(std::uint8_t{});
  }
}

}  // namespace detail

namespace {

// The sparse crossentropy with the mask of counted entries (undefined without ignore_class).
std::pair<Tensor, Tensor> sparse_xent(const Tensor& y_true, const Tensor& y_pred,
                                      bool from_logits, std::optional<int> ignore_class,
                                      int axis) {
  const std::string who = "sparse_categorical_crossentropy";
  require_defined(y_true, who, "y_true");
  require_defined(y_pred, who, "y_pred");
  require_rank(who, y_pred, 1);
  if (normalize_axis(axis, y_pred.rank()) != y_pred.rank() - 1)
    throw ValueError(who + ": only the last axis is supported as the class axis, got axis=" +
                     std::to_string(axis) + " for y_pred shape " +
                     shape_to_string(y_pred.shape()));
  const DType dt = compute_dtype(y_pred);
  Tensor p = to_dtype(y_pred, dt);
  Tensor labels = y_true;
  if (labels.rank() == p.rank() && labels.shape().back() == 1) labels = ops::squeeze(labels, -1);
  const Shape expected(p.shape().begin(), p.shape().end() - 1);
  if (labels.shape() != expected)
    shape_mismatch(who, y_true.shape(), y_pred.shape(),
                   "expected y_true of shape " + shape_to_string(expected) +
                       ", i.e. y_pred's shape without the class axis, or with a trailing 1");
  const std::int64_t classes = p.shape().back();
  // Both paths below would otherwise differ on a bad label: one_hot gives an out-of-range id a
  // zero row (zero loss), and the cast to int32 truncates 2.5 to 2.
  detail::check_sparse_labels(who, labels, classes, ignore_class);

  Tensor valid;
  if (ignore_class) {
    // Ignored entries get label 0 (any valid index) and their loss is zeroed below; unlike
    // Keras, y_pred is not multiplied by the mask, which would make renormalised probabilities
    // 0/0 and leak NaN into the gradient.
    Tensor lf = to_dtype(labels, dt);
    valid = ops::not_equal(lf, Tensor::scalar(*ignore_class, dt, &lf.backend()));
    labels = ops::multiply(lf, valid);
  }
  Tensor ids = labels.dtype() == DType::Int32 ? labels : ops::cast(labels, DType::Int32);

  Tensor res;
  if (from_logits) {
    // The fused kernel takes (N, C) logits; the usual (N, C) case needs no reshape nodes.
    if (p.rank() == 2) {
      res = ops::sparse_softmax_cross_entropy(p, ids);
    } else {
      res = ops::sparse_softmax_cross_entropy(ops::reshape(p, {-1, classes}), ids.reshape({-1}));
      res = ops::reshape(res, expected);
    }
  } else {
    Tensor q = ops::divide(p, ops::sum(p, {-1}, true));
    Tensor log_prob = ops::log(ops::clip(q, kEpsilon, 1.0 - kEpsilon));
    Tensor picked = ops::sum(ops::multiply(ops::one_hot(ids, classes, dt), log_prob), {-1});
    res = ops::negative(picked);
  }
  if (valid.defined()) res = ops::multiply(res, valid);
  return {res, valid};
}

}  // namespace

Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                       bool from_logits, std::optional<int> ignore_class,
                                       int axis) {
  return sparse_xent(y_true, y_pred, from_logits, ignore_class, axis).first;
}

// ---- classes --------------------------------------------------------------------------------

LossFunctionWrapper::LossFunctionWrapper(LossFn fn, std::string name, Reduction reduction)
    : Loss(std::move(name), reduction), fn_(std::move(fn)) {
  if (!fn_) throw ValueError("LossFunctionWrapper '" + this->name() + "': the function is empty");
}
Tensor LossFunctionWrapper::call(const Tensor& y_true, const Tensor& y_pred) const { return fn_(y_true, y_pred); }

MeanSquaredError::MeanSquaredError(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_error(y_true, y_pred);
}

MeanAbsoluteError::MeanAbsoluteError(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_error(y_true, y_pred);
}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(Options o)
    : Loss(std::move(o.name), o.reduction) {}
Tensor MeanAbsolutePercentageError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_percentage_error(y_true, y_pred);
}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(Options o)
    : Loss(std::move(o.name), o.reduction) {}
Tensor MeanSquaredLogarithmicError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_logarithmic_error(y_true, y_pred);
}

Huber::Huber(Options o) : Loss(std::move(o.name), o.reduction), delta_(o.delta) {
  if (!(delta_ > 0.0)) throw ValueError("Huber: delta must be > 0, got " + std::to_string(delta_));
}
Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
  return huber(y_true, y_pred, delta_);
}
Config Huber::get_config() const {
  Config c = Loss::get_config();
  c["delta"] = delta_;
  return c;
}

LogCosh::LogCosh(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor LogCosh::call(const Tensor& y_true, const Tensor& y_pred) const {
  return log_cosh(y_true, y_pred);
}

KLDivergence::KLDivergence(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor KLDivergence::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return kl_divergence(t, p);
}

Poisson::Poisson(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor Poisson::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return poisson(t, p);
}

Hinge::Hinge(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor Hinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return hinge(y_true, y_pred);
}

SquaredHinge::SquaredHinge(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor SquaredHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return squared_hinge(y_true, y_pred);
}

CategoricalHinge::CategoricalHinge(Options o) : Loss(std::move(o.name), o.reduction) {}
Tensor CategoricalHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return categorical_hinge(t, p);
}

CosineSimilarity::CosineSimilarity(Options o)
    : Loss(std::move(o.name), o.reduction), axis_(o.axis) {}
Tensor CosineSimilarity::call(const Tensor& y_true, const Tensor& y_pred) const {
  return cosine_similarity(y_true, y_pred, axis_);
}
Config CosineSimilarity::get_config() const {
  Config c = Loss::get_config();
  c["axis"] = axis_;
  return c;
}

namespace {
void check_label_smoothing(const std::string& who, double ls) {
  if (!(ls >= 0.0 && ls <= 1.0))
    throw ValueError(who + ": label_smoothing must be in [0, 1], got " + std::to_string(ls));
}
}  // namespace

BinaryCrossentropy::BinaryCrossentropy(Options o)
    : Loss(std::move(o.name), o.reduction),
      from_logits_(o.from_logits),
      label_smoothing_(o.label_smoothing),
      axis_(o.axis) {
  check_label_smoothing("BinaryCrossentropy", label_smoothing_);
}
Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return binary_crossentropy(t, p, from_logits_, label_smoothing_, axis_);
}
Config BinaryCrossentropy::get_config() const {
  Config c = Loss::get_config();
  c["from_logits"] = from_logits_;
  c["label_smoothing"] = label_smoothing_;
  c["axis"] = axis_;
  return c;
}

CategoricalCrossentropy::CategoricalCrossentropy(Options o)
    : Loss(std::move(o.name), o.reduction),
      from_logits_(o.from_logits),
      label_smoothing_(o.label_smoothing),
      axis_(o.axis) {
  check_label_smoothing("CategoricalCrossentropy", label_smoothing_);
}
Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return categorical_crossentropy(t, p, from_logits_, label_smoothing_, axis_);
}
Config CategoricalCrossentropy::get_config() const {
  Config c = Loss::get_config();
  c["from_logits"] = from_logits_;
  c["label_smoothing"] = label_smoothing_;
  c["axis"] = axis_;
  return c;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(Options o)
    : Loss(std::move(o.name), o.reduction),
      from_logits_(o.from_logits),
      ignore_class_(o.ignore_class),
      axis_(o.axis) {}
Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_xent(y_true, y_pred, from_logits_, ignore_class_, axis_).first;
}
std::pair<Tensor, Tensor> SparseCategoricalCrossentropy::call_with_mask(
    const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_xent(y_true, y_pred, from_logits_, ignore_class_, axis_);
}
Config SparseCategoricalCrossentropy::get_config() const {
  Config c = Loss::get_config();
  c["from_logits"] = from_logits_;
  c["ignore_class"] = ignore_class_ ? Config(*ignore_class_) : Config(nullptr);
  c["axis"] = axis_;
  return c;
}

// ---- registry -------------------------------------------------------------------------------

namespace {

// Reads a Keras config object key by key so that a wrong type or an unknown key names the
// class and the key instead of surfacing as a JSON library error.
class Reader {
 public:
  Reader(const Config& config, std::string cls) : config_(config), cls_(std::move(cls)) {
    if (!config_.is_null() && !config_.is_object())
      throw ConfigError(cls_ + ": config must be a JSON object, got " + config_.dump());
  }

  template <class T>
  T get(const std::string& key, T fallback) {
    used_.insert(key);
    if (config_.is_null() || !config_.contains(key) || config_[key].is_null()) return fallback;
    try {
      const Config& v = config_[key];
      if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) throw ConfigError("");
      } else if constexpr (std::is_same_v<T, int>) {
        if (!v.is_number_integer()) throw ConfigError("");
      } else if constexpr (std::is_same_v<T, double>) {
        if (!v.is_number()) throw ConfigError("");
      } else if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) throw ConfigError("");
      }
      return v.get<T>();
    } catch (const std::exception&) {
      throw ConfigError(cls_ + ": config key '" + key + "' has the wrong type: " +
                        config_[key].dump());
    }
  }

  std::optional<int> optional_int(const std::string& key) {
    used_.insert(key);
    if (config_.is_null() || !config_.contains(key) || config_[key].is_null()) return std::nullopt;
    return get<int>(key, 0);
  }

  Reduction reduction() {
    used_.insert("reduction");
    if (config_.is_null() || !config_.contains("reduction") || config_["reduction"].is_null())
      return config_.is_object() && config_.contains("reduction") ? Reduction::None
                                                                  : Reduction::SumOverBatchSize;
    const std::string r = get<std::string>("reduction", "sum_over_batch_size");
    try {
      return reduction_from_name(r);
    } catch (const ValueError& e) {
      throw ConfigError(cls_ + ": " + e.what());
    }
  }

  /// Throws on keys nobody asked for (typos in hand-written configs); "dtype" is accepted
  /// because Keras writes it, and Temper's losses always compute in y_pred's type.
  void finish() const {
    if (!config_.is_object()) return;
    for (const auto& [key, value] : config_.items()) {
      (void)value;
      if (key == "dtype") continue;
      if (!used_.count(key))
        throw ConfigError(cls_ + ": unknown config key '" + key + "' in " + config_.dump());
    }
  }

 private:
  const Config& config_;
  std::string cls_;
  std::set<std::string> used_;
};

template <class L>
LossPtr make_simple(const Config& c, const std::string& cls) {
  Reader r(c, cls);
  typename L::Options o;
  o.name = r.get<std::string>("name", o.name);
  o.reduction = r.reduction();
  r.finish();
  return std::make_shared<L>(o);
}

struct Entry {
  std::string class_name;
  std::vector<std::string> aliases;  // snake_case class/function names and Keras aliases
  std::function<LossPtr(const Config&)> make;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    e.push_back({"MeanSquaredError", {"mean_squared_error", "mse", "MSE"},
                 [](const Config& c) { return make_simple<MeanSquaredError>(c, "MeanSquaredError"); }});
    e.push_back({"MeanAbsoluteError", {"mean_absolute_error", "mae", "MAE"},
                 [](const Config& c) { return make_simple<MeanAbsoluteError>(c, "MeanAbsoluteError"); }});
    e.push_back({"MeanAbsolutePercentageError", {"mean_absolute_percentage_error", "mape", "MAPE"},
                 [](const Config& c) {
                   return make_simple<MeanAbsolutePercentageError>(c, "MeanAbsolutePercentageError");
                 }});
    e.push_back({"MeanSquaredLogarithmicError", {"mean_squared_logarithmic_error", "msle", "MSLE"},
                 [](const Config& c) {
                   return make_simple<MeanSquaredLogarithmicError>(c, "MeanSquaredLogarithmicError");
                 }});
    e.push_back({"Huber", {"huber", "huber_loss"}, [](const Config& c) -> LossPtr {
                   Reader r(c, "Huber");
                   Huber::Options o;
                   o.delta = r.get<double>("delta", o.delta);
                   o.name = r.get<std::string>("name", o.name);
                   o.reduction = r.reduction();
                   r.finish();
                   return std::make_shared<Huber>(o);
                 }});
    e.push_back({"LogCosh", {"log_cosh", "logcosh"},
                 [](const Config& c) { return make_simple<LogCosh>(c, "LogCosh"); }});
    e.push_back({"KLDivergence",
                 {"kl_divergence", "kld", "KLD", "kullback_leibler_divergence"},
                 [](const Config& c) { return make_simple<KLDivergence>(c, "KLDivergence"); }});
    e.push_back({"Poisson", {"poisson"},
                 [](const Config& c) { return make_simple<Poisson>(c, "Poisson"); }});
    e.push_back({"Hinge", {"hinge"}, [](const Config& c) { return make_simple<Hinge>(c, "Hinge"); }});
    e.push_back({"SquaredHinge", {"squared_hinge"},
                 [](const Config& c) { return make_simple<SquaredHinge>(c, "SquaredHinge"); }});
    e.push_back({"CategoricalHinge", {"categorical_hinge"},
                 [](const Config& c) { return make_simple<CategoricalHinge>(c, "CategoricalHinge"); }});
    e.push_back({"CosineSimilarity", {"cosine_similarity"}, [](const Config& c) -> LossPtr {
                   Reader r(c, "CosineSimilarity");
                   CosineSimilarity::Options o;
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.get<std::string>("name", o.name);
                   o.reduction = r.reduction();
                   r.finish();
                   return std::make_shared<CosineSimilarity>(o);
                 }});
    e.push_back({"BinaryCrossentropy", {"binary_crossentropy", "bce", "BCE"},
                 [](const Config& c) -> LossPtr {
                   Reader r(c, "BinaryCrossentropy");
                   BinaryCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.label_smoothing = r.get<double>("label_smoothing", o.label_smoothing);
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.get<std::string>("name", o.name);
                   o.reduction = r.reduction();
                   r.finish();
                   return std::make_shared<BinaryCrossentropy>(o);
                 }});
    e.push_back({"CategoricalCrossentropy", {"categorical_crossentropy"},
                 [](const Config& c) -> LossPtr {
                   Reader r(c, "CategoricalCrossentropy");
                   CategoricalCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.label_smoothing = r.get<double>("label_smoothing", o.label_smoothing);
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.get<std::string>("name", o.name);
                   o.reduction = r.reduction();
                   r.finish();
                   return std::make_shared<CategoricalCrossentropy>(o);
                 }});
    e.push_back({"SparseCategoricalCrossentropy", {"sparse_categorical_crossentropy"},
                 [](const Config& c) -> LossPtr {
                   Reader r(c, "SparseCategoricalCrossentropy");
                   SparseCategoricalCrossentropy::Options o;
                   o.from_logits = r.get<bool>("from_logits", o.from_logits);
                   o.ignore_class = r.optional_int("ignore_class");
                   o.axis = r.get<int>("axis", o.axis);
                   o.name = r.get<std::string>("name", o.name);
                   o.reduction = r.reduction();
                   r.finish();
                   return std::make_shared<SparseCategoricalCrossentropy>(o);
                 }});
    return e;
  }();
  return entries;
}

const Entry* find_entry(const std::string& name, bool* is_class_name = nullptr) {
  for (const auto& e : registry()) {
    if (e.class_name == name) {
      if (is_class_name) *is_class_name = true;
      return &e;
    }
    if (std::find(e.aliases.begin(), e.aliases.end(), name) != e.aliases.end()) {
      if (is_class_name) *is_class_name = false;
      return &e;
    }
  }
  return nullptr;
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

LossPtr get(const std::string& name) {
  const Entry* e = find_entry(name);
  if (!e) throw UnknownNameError(unknown_name_message("loss", name, names()));
  return e->make(Config::object());
}

LossPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape) {
  const std::string l = lower(name);
  if (l == "crossentropy" || l == "ce") {
    const bool is_binary = !y_pred_shape.empty() && y_pred_shape.back() == 1;
    const bool is_sparse =
        y_true_shape.size() < y_pred_shape.size() ||
        (!y_true_shape.empty() && !y_pred_shape.empty() &&
         y_true_shape.size() == y_pred_shape.size() && y_true_shape.back() == 1 &&
         y_pred_shape.back() > 1);
    LossPtr loss;
    if (is_binary) loss = std::make_shared<BinaryCrossentropy>();
    else if (is_sparse) loss = std::make_shared<SparseCategoricalCrossentropy>();
    else loss = std::make_shared<CategoricalCrossentropy>();
    loss->set_name(name);
    return loss;
  }
  bool is_class = false;
  const Entry* e = find_entry(name, &is_class);
  if (!e) {
    std::vector<std::string> known = names();
    known.push_back("crossentropy");
    known.push_back("ce");
    throw UnknownNameError(unknown_name_message("loss", name, known));
  }
  LossPtr loss = e->make(Config::object());
  if (!is_class) loss->set_name(name);
  return loss;
}

LossPtr from_config(const Config& config) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ConfigError("loss config must be a name or an object with a string 'class_name', got " +
                      config.dump());
  const std::string cls = config["class_name"].get<std::string>();
  const Entry* e = nullptr;
  for (const auto& entry : registry())
    if (entry.class_name == cls) e = &entry;
  if (!e) {
    std::vector<std::string> classes;
    for (const auto& entry : registry()) classes.push_back(entry.class_name);
    throw UnknownNameError(unknown_name_message("loss class", cls, classes));
  }
  return e->make(config.contains("config") ? config["config"] : Config::object());
}

Config serialize(const Loss& loss) {
  return Config{{"module", "keras.losses"},
                {"class_name", loss.class_name()},
                {"config", loss.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace temper::losses
