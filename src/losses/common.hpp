// common.hpp — helpers shared by the loss family files (not installed).
#pragma once
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "temper/error.hpp"
#include "temper/losses/loss.hpp"
#include "temper/ops.hpp"

namespace temper::losses::detail {

// Keras backend.epsilon(): the clipping bound of every probability-based loss.
inline constexpr double kEpsilon = 1e-7;

inline void require_defined(const Tensor& t, const std::string& who, const char* what) {
  if (!t.defined()) throw ValueError(who + ": " + what + " is an undefined tensor");
}

// Losses compute in y_pred's floating type (Keras: the loss dtype), float32 for integer inputs.
inline DType compute_dtype(const Tensor& y_pred) {
  return y_pred.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;
}

inline Tensor to_dtype(const Tensor& t, DType dt) { return t.dtype() == dt ? t : ops::cast(t, dt); }

inline Tensor scalar_like(double v, const Tensor& ref) {
  return Tensor::scalar(v, ref.dtype(), &ref.backend());
}

[[noreturn]] inline void shape_mismatch(const std::string& who, const Shape& t, const Shape& p,
                                        const std::string& expected) {
  throw ShapeError(who + ": y_true shape " + shape_to_string(t) + " and y_pred shape " +
                   shape_to_string(p) + " are incompatible (" + expected + ")");
}

// Casts both to the compute dtype and checks that the shapes agree exactly. With `align`, a
// trailing 1 is first squeezed/expanded the way Keras's LossFunctionWrapper does.
inline std::pair<Tensor, Tensor> prepare(const std::string& who, const Tensor& y_true,
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

inline void require_rank(const std::string& who, const Tensor& y_pred, int min_rank) {
  if (y_pred.rank() < min_rank)
    throw ShapeError(who + ": y_pred must have rank >= " + std::to_string(min_rank) +
                     ", got shape " + shape_to_string(y_pred.shape()));
}

/// label_smoothing in [0, 1] (Keras checks it in the crossentropy constructors).
inline Check<double> label_smoothing_range() { return in_range(0.0, 1.0, true); }

}  // namespace temper::losses::detail
