// SparseCategoricalCrossentropy (Keras: keras/src/losses/losses.py) and the label check that the
// sparse losses and metrics share (sparse_labels.hpp).
#include <cmath>
#include <type_traits>
#include <vector>

#include "src/losses/common.hpp"
#include "src/losses/sparse_labels.hpp"
#include "temper/losses/probabilistic.hpp"

namespace temper::losses {

using namespace detail;

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

const Arguments<SparseCategoricalCrossentropy::Options>& SparseCategoricalCrossentropy::arguments() {
  static const auto args = loss_arguments<Options>("SparseCategoricalCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("ignore_class", &Options::ignore_class)
                               .add("axis", &Options::axis);
  return args;
}
Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_xent(y_true, y_pred, options_.from_logits, options_.ignore_class, options_.axis).first;
}
std::pair<Tensor, Tensor> SparseCategoricalCrossentropy::call_with_mask(const Tensor& y_true,
                                                                        const Tensor& y_pred) const {
  return sparse_xent(y_true, y_pred, options_.from_logits, options_.ignore_class, options_.axis);
}

namespace {
const LossRegistration<SparseCategoricalCrossentropy> scce{
    {"SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"}};
}  // namespace

}  // namespace temper::losses
