// ops.hpp — differentiable tensor operations (Keras: keras.ops).
//
// Every op allocates its output on the inputs' backend, runs one backend kernel and, when
// recording, attaches its backward function. Layers and losses are written only in terms
// of these ops.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "temper/random.hpp"
#include "temper/tensor.hpp"

namespace temper::ops {

// ---- element-wise binary (NumPy broadcasting) ---------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor power(const Tensor& a, double exponent);
Tensor add(const Tensor& a, double s);
Tensor multiply(const Tensor& a, double s);
Tensor divide(const Tensor& a, double s);
/// s - a
Tensor rsub(double s, const Tensor& a);
/// s / a
Tensor rdiv(double s, const Tensor& a);
// Comparisons (not differentiable): 1 where true, 0 elsewhere, in a's float dtype
// (float32 for integer inputs).
Tensor equal(const Tensor& a, const Tensor& b);
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, double s);
Tensor less(const Tensor& a, double s);

// ---- element-wise unary ---------------------------------------------------------------------
Tensor negative(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor round(const Tensor& x);
/// clip(x, lo, hi); gradient passes where lo <= x <= hi.
Tensor clip(const Tensor& x, double lo, double hi);
/// cond ? a : b; gradients flow to a and b through the mask.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// Generic access to any unary kernel (used by activations).
Tensor unary(UnaryOp op, const Tensor& x, double alpha = 0.0);

// ---- activations (Keras: keras.activations) ---------------------------------------------
Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.2);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
/// Keras gelu(approximate=False) uses erf; approximate=True the tanh form.
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor hard_sigmoid(const Tensor& x);
Tensor exponential(const Tensor& x);
/// Softmax over `axis` (only the last axis is a fused kernel; others transpose).
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// ---- reductions ---------------------------------------------------------------------------
/// Sum over `axes` (all axes when empty).
Tensor sum(const Tensor& x, std::vector<int> axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, std::vector<int> axes = {}, bool keepdims = false);
Tensor max(const Tensor& x, std::vector<int> axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, std::vector<int> axes = {}, bool keepdims = false);
/// Index of the maximum along `axis` (int32; not differentiable).
Tensor argmax(const Tensor& x, int axis = -1);
Tensor argmin(const Tensor& x, int axis = -1);

// ---- linear algebra -----------------------------------------------------------------------
/// Matrix product over the last two axes with batch broadcasting (NumPy matmul); a 1-d
/// operand is not promoted (use reshape).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false,
              bool transpose_b = false);
/// Fused x @ w + b over the last axis of x (Keras Dense without activation). b may be
/// undefined.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

// ---- shapes ---------------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);
/// Keeps axis 0, flattens the rest (Keras Flatten).
Tensor flatten(const Tensor& x);
Tensor transpose(const Tensor& x, std::vector<int> perm = {});
/// x[..., start:stop, ...] along `axis` (copy; differentiable).
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop);
Tensor concatenate(const std::vector<Tensor>& xs, int axis = -1);
Tensor expand_dims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, int axis);
/// Broadcast to a larger shape (differentiable: gradient is summed back).
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Embedding-style lookup: rows of `table` (V, D) picked by int32 `ids` (any shape).
Tensor take(const Tensor& table, const Tensor& ids);
/// int32 labels -> one-hot floats (..., depth).
Tensor one_hot(const Tensor& labels, std::int64_t depth, DType dtype = DType::Float32);
Tensor cast(const Tensor& x, DType dtype);
/// Identity whose gradient is zero.
Tensor stop_gradient(const Tensor& x);

// ---- creation (Keras: keras.ops.zeros, ones, full and their *_like forms) ------------------
// New tensors on the default backend, float32 unless `dtype` says otherwise (Keras's floatx).
// Constants, so not differentiable. The *_like forms take x's shape, backend and, unless
// `dtype` is given, its dtype.
Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
Tensor ones(const Shape& shape, DType dtype = DType::Float32);
Tensor full(const Shape& shape, double fill_value, DType dtype = DType::Float32);
Tensor zeros_like(const Tensor& x, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& x, std::optional<DType> dtype = std::nullopt);
Tensor full_like(const Tensor& x, double fill_value, std::optional<DType> dtype = std::nullopt);

// ---- fused / stochastic ---------------------------------------------------------------------
/// Per-sample -log softmax(logits)[label]; logits (N, C), labels int32 (N). Fused backward.
Tensor sparse_softmax_cross_entropy(const Tensor& logits, const Tensor& labels);
/// Inverted dropout with a mask drawn from `rng` (identity when rate == 0).
Tensor dropout(const Tensor& x, double rate, Generator& rng);
/// Tensor of `shape` filled from `rng` (not differentiable).
Tensor random_uniform(const Shape& shape, double lo, double hi, Generator& rng,
                      DType dtype = DType::Float32);
Tensor random_normal(const Shape& shape, double mean, double stddev, Generator& rng,
                     DType dtype = DType::Float32, bool truncated = false);

}  // namespace temper::ops

// Families of ops kept in their own headers.
#include "temper/ops/convolution.hpp"
#include "temper/ops/normalization.hpp"
