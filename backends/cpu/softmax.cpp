// softmax.cpp — softmax / log_softmax over the last axis, their backward passes, and the fused
// sparse softmax cross-entropy. Every row is max-shifted, so large logits never overflow.
#include <cmath>
#include <string>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

template <class T>
T row_max(const T* p, i64 n) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  i64 i = 0;
  T m = -std::numeric_limits<T>::infinity();
  if (n >= W) {
    B acc = B::load_unaligned(p);
    for (i = W; i + W <= n; i += W) acc = max_nan(acc, B::load_unaligned(p + i));
    m = hmax(acc);
  }
  for (; i < n; ++i) m = max_nan(m, p[i]);
  return m;
}

template <class T>
T row_sum(const T* p, i64 n) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  B acc(T(0));
  i64 i = 0;
  for (; i + W <= n; i += W) acc += B::load_unaligned(p + i);
  T s = xsimd::hadd(acc);
  for (; i < n; ++i) s += p[i];
  return s;
}

/// Sum of exp(x - m) over the row; writes the terms to `out` when it is not null.
template <class T>
T exp_shift_sum(const T* x, T m, i64 n, T* out) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  const B mb(m);
  B acc(T(0));
  i64 i = 0;
  for (; i + W <= n; i += W) {
    const B e = xsimd::exp(B::load_unaligned(x + i) - mb);
    if (out) e.store_unaligned(out + i);
    acc += e;
  }
  T s = xsimd::hadd(acc);
  if (i < n) {
    alignas(64) T buf[B::size];
    xsimd::exp(load_partial<T>(x + i, n - i) - mb).store_aligned(buf);
    for (i64 k = 0; k < n - i; ++k) {
      s += buf[k];
      if (out) out[i + k] = buf[k];
    }
  }
  return s;
}

/// Dot product of two rows.
template <class T>
T row_dot(const T* a, const T* b, i64 n) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  B acc(T(0));
  i64 i = 0;
  for (; i + W <= n; i += W) acc = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), acc);
  T s = xsimd::hadd(acc);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

i64 last_dim(const Tensor& t) { return t.rank() == 0 ? 1 : t.shape().back(); }

}  // namespace

void CpuBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  const char* kernel = log ? "log_softmax" : "softmax";
  check_float(kernel, x, "x");
  check_like(kernel, x, "x", y, "y");
  const i64 C = last_dim(x);
  if (C == 0 || x.numel() == 0) return;
  const i64 rows = x.numel() / C;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    pool_.parallel_for(rows, std::max<i64>(1, kGrainTranscendental / C), [&](i64 b, i64 e) {
      for (i64 r = b; r < e; ++r) {
        const T* xr = xp + r * C;
        T* yr = yp + r * C;
        const T m = row_max(xr, C);
        if (log) {
          const B lse(m + std::log(exp_shift_sum<T>(xr, m, C, nullptr)));
          simd_map<T>(C, [=](B v) { return v - lse; }, yr, xr);
        } else {
          const B inv(T(1) / exp_shift_sum<T>(xr, m, C, yr));
          simd_map<T>(C, [=](B v) { return v * inv; }, yr, yr);
        }
      }
    });
  });
}

void CpuBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) {
  const char* kernel = log ? "log_softmax_backward" : "softmax_backward";
  check_float(kernel, y, "y");
  check_like(kernel, y, "y", dy, "dy");
  check_like(kernel, y, "y", dx, "dx");
  const i64 C = last_dim(y);
  if (C == 0 || y.numel() == 0) return;
  const i64 rows = y.numel() / C;
  dispatch_float(y.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* yp = y.data<T>();
    const T* gp = dy.data<T>();
    T* dp = dx.data<T>();
    pool_.parallel_for(rows, std::max<i64>(1, (log ? kGrainTranscendental : kGrainCheap) / C), [&](i64 b, i64 e) {
      for (i64 r = b; r < e; ++r) {
        const T* yr = yp + r * C;
        const T* gr = gp + r * C;
        T* dr = dp + r * C;
        if (log) {  // dx = dy - softmax * sum(dy)
          const B s(row_sum(gr, C));
          simd_map<T>(C, [=](B yv, B g) { return g - xsimd::exp(yv) * s; }, dr, yr, gr);
        } else {    // dx = y * (dy - sum(dy * y))
          const B s(row_dot(gr, yr, C));
          simd_map<T>(C, [=](B yv, B g) { return yv * (g - s); }, dr, yr, gr);
        }
      }
    });
  });
}

namespace {

void check_xent_labels(const char* kernel, const std::int32_t* lp, i64 n, i64 C) {
  for (i64 i = 0; i < n; ++i)
    if (lp[i] < 0 || lp[i] >= C)
      fail_value(kernel, "label " + std::to_string(lp[i]) + " at position " + std::to_string(i) +
                             " is out of range for " + std::to_string(C) + " classes (expected 0 to " +
                             std::to_string(C - 1) + ")");
}

}  // namespace

void CpuBackend::sparse_softmax_xent(const Tensor& logits, const Tensor& labels, Tensor& loss,
                                     Tensor& probs) {
  const char* kernel = "sparse_softmax_xent";
  check_float(kernel, logits, "logits");
  check_dtype(kernel, labels, "labels", DType::Int32);
  check_tensor(kernel, loss, "loss");
  check_like(kernel, logits, "logits", probs, "probs");
  const i64 C = last_dim(logits);
  const i64 rows = C == 0 ? 0 : logits.numel() / C;
  if (logits.rank() < 1 || labels.numel() != rows || loss.numel() != rows || loss.dtype() != logits.dtype())
    fail_shape(kernel, "logits " + describe(logits) + ", labels " + describe(labels) + ", loss " +
                           describe(loss) + "; expected logits (N, C), labels (N,) int32 and loss (N,) of "
                           "the logits' dtype");
  const std::int32_t* lp = labels.data<std::int32_t>();
  check_xent_labels(kernel, lp, rows, C);
  if (rows == 0) return;
  dispatch_float(logits.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = logits.data<T>();
    T* pp = probs.data<T>();
    T* lo = loss.data<T>();
    pool_.parallel_for(rows, std::max<i64>(1, kGrainTranscendental / C), [&](i64 b, i64 e) {
      for (i64 r = b; r < e; ++r) {
        const T* xr = xp + r * C;
        T* pr = pp + r * C;
        const T m = row_max(xr, C);
        const T xl = xr[lp[r]];  // read before probs (which may alias logits) is written
        const T s = exp_shift_sum<T>(xr, m, C, pr);
        lo[r] = std::log(s) + (m - xl);
        const B inv(T(1) / s);
        simd_map<T>(C, [=](B v) { return v * inv; }, pr, pr);
      }
    });
  });
}

void CpuBackend::sparse_softmax_xent_backward(const Tensor& probs, const Tensor& labels,
                                              const Tensor& dloss, Tensor& dlogits) {
  const char* kernel = "sparse_softmax_xent_backward";
  check_float(kernel, probs, "probs");
  check_dtype(kernel, labels, "labels", DType::Int32);
  check_tensor(kernel, dloss, "dloss");
  check_like(kernel, probs, "probs", dlogits, "dlogits");
  const i64 C = last_dim(probs);
  const i64 rows = C == 0 ? 0 : probs.numel() / C;
  if (labels.numel() != rows || dloss.numel() != rows || dloss.dtype() != probs.dtype())
    fail_shape(kernel, "probs " + describe(probs) + ", labels " + describe(labels) + ", dloss " +
                           describe(dloss) + "; expected probs (N, C), labels (N,) int32 and dloss (N,)");
  const std::int32_t* lp = labels.data<std::int32_t>();
  check_xent_labels(kernel, lp, rows, C);
  if (rows == 0) return;
  dispatch_float(probs.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* pp = probs.data<T>();
    const T* gp = dloss.data<T>();
    T* dp = dlogits.data<T>();
    pool_.parallel_for(rows, std::max<i64>(1, kGrainCheap / C), [&](i64 b, i64 e) {
      for (i64 r = b; r < e; ++r) {
        const B g(gp[r]);
        simd_map<T>(C, [=](B p) { return p * g; }, dp + r * C, pp + r * C);
        dp[r * C + lp[r]] -= gp[r];
      }
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
