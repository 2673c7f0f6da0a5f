// common.hpp — helpers shared by the metric family files (not installed).
#pragma once
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "temper/error.hpp"
#include "temper/ops.hpp"
#include "temper/shape.hpp"
#include "temper/tensor.hpp"

namespace temper::metrics::detail {

// Keras backend.epsilon().
inline constexpr double kEpsilon = 1e-7;
// Keras metrics_utils.NEG_INF: the score given to predictions outside the top k.
inline constexpr double kNegInf = -1e10;

inline void require_defined(const Tensor& t, const std::string& who, const char* what) {
  if (!t.defined()) throw ValueError(who + ": " + what + " is an undefined tensor");
}

inline DType compute_dtype(const Tensor& t) {
  return t.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;
}

inline Tensor to_dtype(const Tensor& t, DType dt) { return t.dtype() == dt ? t : ops::cast(t, dt); }

[[noreturn]] inline void shape_mismatch(const std::string& who, const Shape& t, const Shape& p,
                                        const std::string& expected) {
  throw ShapeError(who + ": y_true shape " + shape_to_string(t) + " and y_pred shape " +
                   shape_to_string(p) + " are incompatible (" + expected + ")");
}

inline double divide_no_nan(double a, double b) { return b == 0.0 ? 0.0 : a / b; }

// Reads a few same-dtype tensors back to the host in a single transfer.
std::vector<double> read_back(const std::vector<Tensor>& parts);

// ---- confusion-matrix inputs (confusion_matrix.cpp) ------------------------------------------

struct ConfusionInputs {
  Tensor label;   // 1 where y_true != 0
  Tensor pred;    // same shape
  Tensor weight;  // same shape, or undefined
};

// Keras metrics_utils.update_confusion_matrix_variables' input handling: y_pred/y_true
// aligned (a trailing 1 squeezed), top_k filtering, the class_id column, and a per-sample
// weight broadcast over the other axes.
ConfusionInputs confusion_inputs(const std::string& who, const Tensor& y_true,
                                 const Tensor& y_pred, const Tensor& sample_weight,
                                 std::optional<int> top_k, std::optional<int> class_id);

}  // namespace temper::metrics::detail
