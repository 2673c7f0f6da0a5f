// reduce.cpp — reductions over axes, arg-reductions, bias_grad, sum_squares, all_finite.
//
// A reduction is brought to the form (outer, reduced, inner) by dropping unit axes and merging
// neighbours; if the reduced axes are not one contiguous block the tensor is transposed first
// so that they are. Work is split into blocks whose size depends only on the shape, never on
// the thread count, so results are bitwise identical for any number of threads. Sums are
// blocked and combined pairwise, which keeps float32 sums of millions of values accurate.
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "reduce(Sum)";
    case ReduceOp::Mean: return "reduce(Mean)";
    case ReduceOp::Max: return "reduce(Max)";
    case ReduceOp::Min: return "reduce(Min)";
    case ReduceOp::Prod: return "reduce(Prod)";
  }
  return "reduce(?)";
}

enum class RK { Sum, Max, Min, Prod };

template <class T, RK K>
struct Red;
template <class T>
struct Red<T, RK::Sum> {
  static T id() { return T(0); }
  static Batch<T> vop(const Batch<T>& a, const Batch<T>& b) { return a + b; }
  static T sop(T a, T b) { return a + b; }
  static T hred(const Batch<T>& v) { return xsimd::hadd(v); }
};
template <class T>
struct Red<T, RK::Prod> {
  static T id() { return T(1); }
  static Batch<T> vop(const Batch<T>& a, const Batch<T>& b) { return a * b; }
  static T sop(T a, T b) { return a * b; }
  static T hred(const Batch<T>& v) {
    alignas(64) T buf[Batch<T>::size];
    v.store_aligned(buf);
    T r = T(1);
    for (T x : buf) r *= x;
    return r;
  }
};
template <class T>
struct Red<T, RK::Max> {
  static T id() { return -std::numeric_limits<T>::infinity(); }
  // NaN-propagating, like NumPy's max and TensorFlow's reduce_max.
  static Batch<T> vop(const Batch<T>& a, const Batch<T>& b) { return max_nan(a, b); }
  static T sop(T a, T b) { return max_nan(a, b); }
  static T hred(const Batch<T>& v) { return hmax(v); }
};
template <class T>
struct Red<T, RK::Min> {
  static T id() { return std::numeric_limits<T>::infinity(); }
  static Batch<T> vop(const Batch<T>& a, const Batch<T>& b) { return min_nan(a, b); }
  static T sop(T a, T b) { return min_nan(a, b); }
  static T hred(const Batch<T>& v) { return hmin(v); }
};

constexpr i64 kRowBlock = 16384;    // elements per partial of a long row
constexpr i64 kPairwiseBase = 2048; // below this a row is summed with 4 vector accumulators

/// Reduction of n contiguous elements (pairwise above kPairwiseBase).
template <class T, RK K>
T row_reduce(const T* p, i64 n) {
  using R = Red<T, K>;
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  if (K == RK::Sum && n > kPairwiseBase) {
    const i64 h = (n / 2 + W - 1) / W * W;
    return R::sop(row_reduce<T, K>(p, h), row_reduce<T, K>(p + h, n - h));
  }
  B a0(R::id()), a1(R::id()), a2(R::id()), a3(R::id());
  i64 i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = R::vop(a0, B::load_unaligned(p + i));
    a1 = R::vop(a1, B::load_unaligned(p + i + W));
    a2 = R::vop(a2, B::load_unaligned(p + i + 2 * W));
    a3 = R::vop(a3, B::load_unaligned(p + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = R::vop(a0, B::load_unaligned(p + i));
  T r = R::hred(R::vop(R::vop(a0, a1), R::vop(a2, a3)));
  for (; i < n; ++i) r = R::sop(r, p[i]);
  return r;
}

/// Pairwise combination of n scalars in place; returns the result.
template <class T, RK K>
T combine_pairwise(T* v, i64 n) {
  using R = Red<T, K>;
  if (n == 0) return R::id();
  for (i64 s = 1; s < n; s *= 2)
    for (i64 i = 0; i + s < n; i += 2 * s) v[i] = R::sop(v[i], v[i + s]);
  return v[0];
}

/// out[o, i] = reduce_r x[o, r, i] over the (O, R, I) view of x; R >= 1.
template <class T, RK K>
void reduce_3d(CpuBackend& be, const T* x, i64 O, i64 R, i64 I, T* out) {
  using Rd = Red<T, K>;
  using B = Batch<T>;
  ThreadPool& pool = be.pool();
  if (I == 1) {
    if (R <= kRowBlock) {
      pool.parallel_for(O, std::max<i64>(1, kGrainCheap / R), [&](i64 b, i64 e) {
        for (i64 o = b; o < e; ++o) out[o] = row_reduce<T, K>(x + o * R, R);
      });
      return;
    }
    const i64 nb = (R + kRowBlock - 1) / kRowBlock;
    Scratch part(be, static_cast<std::size_t>(O * nb) * sizeof(T));
    T* pp = part.as<T>();
    pool.parallel_for(O * nb, std::max<i64>(1, kGrainCheap / kRowBlock), [&](i64 b, i64 e) {
      for (i64 w = b; w < e; ++w) {
        const i64 o = w / nb, blk = w % nb;
        const i64 r0 = blk * kRowBlock, r1 = std::min(R, r0 + kRowBlock);
        pp[w] = row_reduce<T, K>(x + o * R + r0, r1 - r0);
      }
    });
    for (i64 o = 0; o < O; ++o) out[o] = combine_pairwise<T, K>(pp + o * nb, nb);
    return;
  }
  // Column reduction: items (o, row block, column chunk).
  const i64 cw = std::min<i64>(I, 4096);
  const i64 nc = (I + cw - 1) / cw;
  const i64 rb = std::max<i64>(256, 65536 / cw);
  const i64 nb = (R + rb - 1) / rb;
  std::optional<Scratch> part;
  if (nb > 1) part.emplace(be, static_cast<std::size_t>(O * nb * I) * sizeof(T));
  T* pp = nb > 1 ? part->as<T>() : nullptr;
  const i64 items = O * nb * nc;
  const i64 item_work = std::min(R, rb) * cw;
  pool.parallel_for(items, std::max<i64>(1, kGrainCheap / item_work), [&](i64 b, i64 e) {
    for (i64 w = b; w < e; ++w) {
      const i64 c = w % nc, blk = (w / nc) % nb, o = w / (nc * nb);
      const i64 j0 = c * cw, len = std::min(I, j0 + cw) - j0;
      const i64 r0 = blk * rb, r1 = std::min(R, r0 + rb);
      T* acc = nb > 1 ? pp + (o * nb + blk) * I + j0 : out + o * I + j0;
      const T* src = x + (o * R + r0) * I + j0;
      std::memcpy(acc, src, static_cast<std::size_t>(len) * sizeof(T));
      if (len < kLanes<T>) {  // narrow: no padded vector per row
        for (i64 r = r0 + 1; r < r1; ++r) {
          src += I;
          for (i64 j = 0; j < len; ++j) acc[j] = Rd::sop(acc[j], src[j]);
        }
        continue;
      }
      for (i64 r = r0 + 1; r < r1; ++r) {
        src += I;
        simd_map<T>(len, [](B a, B v) { return Rd::vop(a, v); }, acc, acc, src);
      }
    }
  });
  if (nb == 1) return;
  // Pairwise combination of the row-block partials, vectorised over columns.
  pool.parallel_for(O * nc, std::max<i64>(1, kGrainCheap / (nb * cw)), [&](i64 b, i64 e) {
    for (i64 w = b; w < e; ++w) {
      const i64 o = w / nc, c = w % nc;
      const i64 j0 = c * cw, len = std::min(I, j0 + cw) - j0;
      T* base = pp + o * nb * I + j0;
      for (i64 s = 1; s < nb; s *= 2)
        for (i64 k = 0; k + s < nb; k += 2 * s)
          simd_map<T>(len, [](B a, B v) { return Rd::vop(a, v); }, base + k * I, base + k * I,
                      base + (k + s) * I);
      std::memcpy(out + o * I + j0, base, static_cast<std::size_t>(len) * sizeof(T));
    }
  });
}

template <class T>
void reduce_3d_op(CpuBackend& be, ReduceOp op, const T* x, i64 O, i64 R, i64 I, T* out) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: reduce_3d<T, RK::Sum>(be, x, O, R, I, out); break;
    case ReduceOp::Max: reduce_3d<T, RK::Max>(be, x, O, R, I, out); break;
    case ReduceOp::Min: reduce_3d<T, RK::Min>(be, x, O, R, I, out); break;
    case ReduceOp::Prod: reduce_3d<T, RK::Prod>(be, x, O, R, I, out); break;
  }
  if (op == ReduceOp::Mean) {
    const T r = static_cast<T>(R);
    be.pool().parallel_for(O * I, kGrainCheap, [&](i64 b, i64 e) {
      simd_map<T>(e - b, [=](Batch<T> v) { return v / Batch<T>(r); }, out + b, out + b);
    });
  }
}

/// Value of a reduction over zero elements (NumPy: sum 0, prod 1, mean nan, max/min -/+inf).
double empty_reduction(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return 0.0;
    case ReduceOp::Mean: return std::numeric_limits<double>::quiet_NaN();
    case ReduceOp::Max: return -std::numeric_limits<double>::infinity();
    case ReduceOp::Min: return std::numeric_limits<double>::infinity();
    case ReduceOp::Prod: return 1.0;
  }
  return 0.0;
}

std::string axes_to_string(std::span<const int> axes) {
  std::string s = "[";
  for (std::size_t i = 0; i < axes.size(); ++i) s += (i ? ", " : "") + std::to_string(axes[i]);
  return s + "]";
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) {
  const char* kernel = reduce_name(op);
  check_float(kernel, x, "x");
  check_tensor(kernel, out, "out");
  if (out.dtype() != x.dtype())
    fail_value(kernel, "x is " + describe(x) + " but out is " + describe(out) + "; expected the same dtype");
  const int rank = x.rank();
  std::vector<char> reduced(static_cast<std::size_t>(rank), 0);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const int a = axes[i];
    if (a < 0 || a >= rank || (i > 0 && axes[i - 1] >= a))
      fail_value(kernel, "axes " + axes_to_string(axes) + " for x of shape " + shape_to_string(x.shape()) +
                             " must be sorted, unique and in [0, " + std::to_string(rank) + ")");
    reduced[static_cast<std::size_t>(a)] = 1;
  }
  i64 kept_numel = 1, red_numel = 1;
  for (int d = 0; d < rank; ++d) (reduced[static_cast<std::size_t>(d)] ? red_numel : kept_numel) *= x.shape()[static_cast<std::size_t>(d)];
  if (out.numel() != kept_numel)
    fail_shape(kernel, "out is " + describe(out) + " but reducing x " + describe(x) + " over axes " +
                           axes_to_string(axes) + " gives " + std::to_string(kept_numel) + " elements");
  if (kept_numel == 0) return;
  if (red_numel == 0) {
    fill(out, empty_reduction(op));
    return;
  }
  // Merge into groups of (extent, reduced?) without unit axes.
  struct Group { i64 ext; bool red; };
  std::vector<Group> groups;
  for (int d = 0; d < rank; ++d) {
    const i64 ext = x.shape()[static_cast<std::size_t>(d)];
    const bool red = reduced[static_cast<std::size_t>(d)] != 0;
    if (ext == 1) continue;
    if (!groups.empty() && groups.back().red == red)
      groups.back().ext *= ext;
    else
      groups.push_back({ext, red});
  }
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op_ = out.data<T>();
    int n_red_groups = 0;
    for (const auto& g : groups) n_red_groups += g.red ? 1 : 0;
    if (n_red_groups == 0) {  // only unit axes are reduced
      copy(x, out);
      return;
    }
    if (n_red_groups == 1) {
      i64 O = 1, R = 1, I = 1;
      bool seen = false;
      for (const auto& g : groups) {
        if (g.red) { R = g.ext; seen = true; }
        else (seen ? I : O) *= g.ext;
      }
      reduce_3d_op<T>(*this, op, xp, O, R, I, op_);
      return;
    }
    // Several reduced blocks: move every reduced axis to the end, then reduce rows.
    Shape gshape;
    std::vector<int> perm;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      gshape.push_back(groups[i].ext);
      if (!groups[i].red) perm.push_back(static_cast<int>(i));
    }
    for (std::size_t i = 0; i < groups.size(); ++i)
      if (groups[i].red) perm.push_back(static_cast<int>(i));
    Scratch tmp(*this, static_cast<std::size_t>(x.numel()) * sizeof(T));
    transpose_raw(pool_, xp, tmp.as<T>(), sizeof(T), gshape, perm);
    reduce_3d_op<T>(*this, op, tmp.as<T>(), kept_numel, red_numel, 1, op_);
  });
}

void CpuBackend::bias_grad(const Tensor& dy, Tensor& db) {
  check_float("bias_grad", dy, "dy");
  check_tensor("bias_grad", db, "db");
  if (dy.rank() < 1 || db.dtype() != dy.dtype() || db.numel() != dy.shape().back())
    fail_shape("bias_grad", "dy is " + describe(dy) + " and db is " + describe(db) +
                                "; expected db to hold one element per entry of dy's last axis");
  const i64 C = dy.shape().back();
  if (C == 0) return;
  const i64 N = dy.numel() / C;
  if (N == 0) {
    fill(db, 0.0);
    return;
  }
  dispatch_float(dy.dtype(), "bias_grad", [&](auto tag) {
    using T = decltype(tag);
    reduce_3d<T, RK::Sum>(*this, dy.data<T>(), 1, N, C, db.data<T>());
  });
}

void CpuBackend::arg_reduce(bool is_max, const Tensor& x, int axis, Tensor& out) {
  const char* kernel = is_max ? "arg_reduce(max)" : "arg_reduce(min)";
  check_float(kernel, x, "x");
  check_dtype(kernel, out, "out", DType::Int32);
  if (axis < 0 || axis >= x.rank())
    fail_value(kernel, "axis " + std::to_string(axis) + " is out of range for x of shape " +
                           shape_to_string(x.shape()));
  const auto& s = x.shape();
  i64 O = 1, I = 1;
  for (int d = 0; d < axis; ++d) O *= s[static_cast<std::size_t>(d)];
  for (int d = axis + 1; d < x.rank(); ++d) I *= s[static_cast<std::size_t>(d)];
  const i64 R = s[static_cast<std::size_t>(axis)];
  if (out.numel() != O * I)
    fail_shape(kernel, "out is " + describe(out) + " but x " + describe(x) + " without axis " +
                           std::to_string(axis) + " has " + std::to_string(O * I) + " elements");
  if (O * I == 0) return;
  if (R == 0)
    fail_value(kernel, "cannot take the arg-" + std::string(is_max ? "max" : "min") +
                           " of an empty axis (x has shape " + shape_to_string(s) + ")");
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    std::int32_t* op = out.data<std::int32_t>();
    // The first NaN wins, as in NumPy and PyTorch: nothing beats a NaN best.
    auto better = [is_max](T v, T best) {
      return (is_max ? v > best : v < best) || (v != v && best == best);
    };
    if (I == 1) {
      pool_.parallel_for(O, std::max<i64>(1, kGrainCheap / R), [&](i64 b, i64 e) {
        for (i64 o = b; o < e; ++o) {
          const T* p = xp + o * R;
          T best = p[0];
          i64 bi = 0;
          for (i64 r = 1; r < R; ++r)
            if (better(p[r], best)) { best = p[r]; bi = r; }
          op[o] = static_cast<std::int32_t>(bi);
        }
      });
      return;
    }
    constexpr i64 cw = 1024;
    const i64 nc = (I + cw - 1) / cw;
    pool_.parallel_for(O * nc, std::max<i64>(1, kGrainCheap / (R * std::min(I, cw))), [&](i64 b, i64 e) {
      T best[cw];
      for (i64 w = b; w < e; ++w) {
        const i64 o = w / nc, j0 = (w % nc) * cw, len = std::min(I, j0 + cw) - j0;
        const T* p = xp + o * R * I + j0;
        std::int32_t* idx = op + o * I + j0;
        for (i64 j = 0; j < len; ++j) { best[j] = p[j]; idx[j] = 0; }
        for (i64 r = 1; r < R; ++r) {
          const T* row = p + r * I;
          for (i64 j = 0; j < len; ++j)
            if (better(row[j], best[j])) { best[j] = row[j]; idx[j] = static_cast<std::int32_t>(r); }
        }
      }
    });
  });
}

double CpuBackend::sum_squares(const Tensor& x) {
  check_float("sum_squares", x, "x");
  const i64 n = x.numel();
  if (n == 0) return 0.0;
  return dispatch_float(x.dtype(), "sum_squares", [&](auto tag) -> double {
    using T = decltype(tag);
    using B = Batch<T>;
    constexpr i64 W = kLanes<T>;
    const T* p = x.data<T>();
    const i64 nb = (n + kRowBlock - 1) / kRowBlock;
    Scratch part(*this, static_cast<std::size_t>(nb) * sizeof(double));
    double* pp = part.as<double>();
    pool_.parallel_for(nb, std::max<i64>(1, kGrainCheap / kRowBlock), [&](i64 b, i64 e) {
      for (i64 blk = b; blk < e; ++blk) {
        const i64 i0 = blk * kRowBlock, i1 = std::min(n, i0 + kRowBlock);
        double s = 0.0;
        i64 i = i0;
        // Sub-blocks of 64 vectors per accumulator lane go to a double total, so each
        // float lane sums only 16 squares.
        constexpr i64 kSub = 64 * W;
        for (; i + kSub <= i1; i += kSub) {
          B a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
          for (i64 k = i; k < i + kSub; k += 4 * W) {
            const B v0 = B::load_unaligned(p + k), v1 = B::load_unaligned(p + k + W);
            const B v2 = B::load_unaligned(p + k + 2 * W), v3 = B::load_unaligned(p + k + 3 * W);
            a0 = xsimd::fma(v0, v0, a0);
            a1 = xsimd::fma(v1, v1, a1);
            a2 = xsimd::fma(v2, v2, a2);
            a3 = xsimd::fma(v3, v3, a3);
          }
          s += static_cast<double>(xsimd::hadd((a0 + a1) + (a2 + a3)));
        }
        for (; i < i1; ++i) s += static_cast<double>(p[i]) * static_cast<double>(p[i]);
        pp[blk] = s;
      }
    });
    return combine_pairwise<double, RK::Sum>(pp, nb);
  });
}

bool CpuBackend::all_finite(const Tensor& x) {
  check_float("all_finite", x, "x");
  const i64 n = x.numel();
  if (n == 0) return true;
  return dispatch_float(x.dtype(), "all_finite", [&](auto tag) -> bool {
    using T = decltype(tag);
    using B = Batch<T>;
    constexpr i64 W = kLanes<T>;
    const T* p = x.data<T>();
    std::atomic<bool> bad{false};
    pool_.parallel_for(n, kGrainCheap, [&](i64 b, i64 e) {
      // x - x is 0 for finite x and NaN for inf and NaN: one subtraction per element.
      for (i64 i0 = b; i0 < e && !bad.load(std::memory_order_relaxed); i0 += kRowBlock) {
        const i64 i1 = std::min(e, i0 + kRowBlock);
        B acc(T(0));
        i64 i = i0;
        for (; i + W <= i1; i += W) {
          const B v = B::load_unaligned(p + i);
          acc += v - v;
        }
        bool ok = xsimd::all(acc == B(T(0)));
        for (; i < i1; ++i) ok = ok && std::isfinite(p[i]);
        if (!ok) bad.store(true, std::memory_order_relaxed);
      }
    });
    return !bad.load();
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
