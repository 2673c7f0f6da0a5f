// norm_kernels.cpp — fused batch, layer and group normalization, forward and backward, over
// the channels-last layout.
//
// Batch normalization sees x as (M, C) rows and reduces every channel over the rows; group
// (and layer) normalization sees x as (N, S, C) and reduces each (sample, group) over its S
// positions and C / groups channels. Per-channel work is vectorised over the channel axis.
// When C is not a multiple of the SIMD width, the data is walked in "tiles" of lcm(C, W)
// elements (several whole rows), with the per-channel coefficients repeated to the tile
// length, so that even C = 3 runs at full vector width. Reductions are split into blocks
// whose size depends only on the shape (never on the thread count), accumulated in the
// tensor's type within a block and combined in double precision in a fixed order: results are
// bitwise identical for any number of threads.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

constexpr i64 kBlockElems = 16384;  // elements per block of a reduction
constexpr i64 kMaxDepth = 1024;     // additions into one float partial before going to double

constexpr i64 kMaxBlocks = 64;      // partials kept per reduction (bounds the scratch memory)

/// Units (rows or strips of `width` elements) per block of a reduction over `units` units:
/// about kBlockElems elements, at most kMaxBlocks blocks, at most kMaxDepth units. Depends
/// only on the shape, so results do not depend on the thread count.
i64 blocking(i64 units, i64 width) {
  const i64 by_size = kBlockElems / std::max<i64>(width, 1);
  const i64 by_count = (units + kMaxBlocks - 1) / kMaxBlocks;
  return std::clamp<i64>(std::max(by_size, by_count), 1, kMaxDepth);
}

/// A tile: a multiple of C, and of the SIMD width when that stays small.
template <class T>
i64 tile_length(i64 C) {
  const i64 W = kLanes<T>;
  if (C % W == 0) return C;
  const i64 l = std::lcm(C, W);
  return l <= 4096 ? l : C;
}

/// out[0, P) = v[0, C) repeated (P is a multiple of C).
template <class T>
void tile(const T* v, i64 C, i64 P, T* out) {
  for (i64 k = out == v ? C : 0; k < P; k += C) std::memcpy(out + k, v, static_cast<std::size_t>(C) * sizeof(T));
}

/// Adds the P-periodic partial t[0, P) into the per-channel acc[0, C).
template <class T>
void fold_add(const T* t, i64 C, i64 P, double* acc) {
  for (i64 k = 0; k < P; k += C)
    for (i64 c = 0; c < C; ++c) acc[c] += static_cast<double>(t[k + c]);
}

/// Sum of n contiguous values (4 vector accumulators).
template <class T>
double vsum(const T* p, i64 n) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  B a0(T(0)), a1(T(0));
  i64 i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 += B::load_unaligned(p + i);
    a1 += B::load_unaligned(p + i + W);
  }
  for (; i + W <= n; i += W) a0 += B::load_unaligned(p + i);
  double s = static_cast<double>(xsimd::hadd(a0 + a1));
  for (; i < n; ++i) s += static_cast<double>(p[i]);
  return s;
}

/// Sum of (p - m)^2 over n contiguous values.
template <class T>
double vsum_sqdev(const T* p, i64 n, T m) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  const B mb(m);
  B a0(T(0)), a1(T(0));
  i64 i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const B d0 = B::load_unaligned(p + i) - mb, d1 = B::load_unaligned(p + i + W) - mb;
    a0 = xsimd::fma(d0, d0, a0);
    a1 = xsimd::fma(d1, d1, a1);
  }
  for (; i + W <= n; i += W) {
    const B d = B::load_unaligned(p + i) - mb;
    a0 = xsimd::fma(d, d, a0);
  }
  double s = static_cast<double>(xsimd::hadd(a0 + a1));
  for (; i < n; ++i) {
    const double d = static_cast<double>(p[i]) - static_cast<double>(m);
    s += d * d;
  }
  return s;
}

/// Sums over n values of a = dy * g and b = dy * g * (x - m).
template <class T>
void vsum_dy(const T* dy, const T* x, const T* g, i64 n, T m, double& a, double& b) {
  using B = Batch<T>;
  constexpr i64 W = kLanes<T>;
  const B mb(m);
  B sa(T(0)), sb(T(0));
  i64 i = 0;
  for (; i + W <= n; i += W) {
    const B d = B::load_unaligned(dy + i) * B::load_unaligned(g + i);
    sa += d;
    sb = xsimd::fma(d, B::load_unaligned(x + i) - mb, sb);
  }
  a = static_cast<double>(xsimd::hadd(sa));
  b = static_cast<double>(xsimd::hadd(sb));
  for (; i < n; ++i) {
    const double d = static_cast<double>(dy[i]) * static_cast<double>(g[i]);
    a += d;
    b += d * (static_cast<double>(x[i]) - static_cast<double>(m));
  }
}

/// y = x * a + b over n elements where a and b are P-periodic (tiled per-channel values) and
/// n is a multiple of the channel count; strips of P elements run in parallel.
template <class T>
void affine_tiled(ThreadPool& pool, const T* x, i64 n, i64 P, const T* a, const T* b, T* y) {
  using B = Batch<T>;
  const i64 strips = (n + P - 1) / P;
  pool.parallel_for(strips, std::max<i64>(1, kGrainCheap / P), [&](i64 s0, i64 s1) {
    for (i64 s = s0; s < s1; ++s) {
      const i64 off = s * P, len = std::min(P, n - off);
      simd_map<T>(len, [](B xv, B av, B bv) { return xsimd::fma(xv, av, bv); }, y + off, x + off, a, b);
    }
  });
}

/// dx = dy * A + x * Bc + D over n elements with P-periodic A, Bc, D.
template <class T>
void dx_tiled(ThreadPool& pool, const T* dy, const T* x, i64 n, i64 P, const T* A, const T* Bc,
              const T* D, T* dx) {
  using B = Batch<T>;
  const i64 strips = (n + P - 1) / P;
  pool.parallel_for(strips, std::max<i64>(1, kGrainCheap / P), [&](i64 s0, i64 s1) {
    for (i64 s = s0; s < s1; ++s) {
      const i64 off = s * P, len = std::min(P, n - off);
      simd_map<T>(
          len, [](B g, B xv, B av, B bv, B dv) { return xsimd::fma(g, av, xsimd::fma(xv, bv, dv)); },
          dx + off, dy + off, x + off, A, Bc, D);
    }
  });
}

/// Per-channel sums over the rows of an (M, C) matrix walked in tiles of P:
/// s0[c] = sum of f0 and s1[c] = sum of f1, where `step(len, in_offset, acc0, acc1)` adds one
/// strip's contributions into the P-periodic accumulators.
template <class T, class Step>
void column_sums(CpuBackend& be, i64 n, i64 C, i64 P, Step&& step, double* s0, double* s1) {
  const i64 strips = (n + P - 1) / P;
  const i64 spb = blocking(strips, P);
  const i64 nb = (strips + spb - 1) / spb;
  Scratch part(be, static_cast<std::size_t>(2 * nb * P) * sizeof(T));
  T* pp = part.as<T>();
  be.pool().parallel_for(nb, std::max<i64>(1, kGrainCheap / (spb * P)), [&](i64 b, i64 e) {
    for (i64 blk = b; blk < e; ++blk) {
      T* a0 = pp + 2 * blk * P;
      T* a1 = a0 + P;
      std::fill(a0, a0 + 2 * P, T(0));
      const i64 st1 = std::min(strips, (blk + 1) * spb);
      for (i64 st = blk * spb; st < st1; ++st) {
        const i64 off = st * P;
        step(std::min(P, n - off), off, a0, a1);
      }
    }
  });
  std::fill(s0, s0 + C, 0.0);
  std::fill(s1, s1 + C, 0.0);
  for (i64 blk = 0; blk < nb; ++blk) {
    fold_add(pp + 2 * blk * P, C, P, s0);
    fold_add(pp + 2 * blk * P + P, C, P, s1);
  }
}

// ---- argument checks -----------------------------------------------------------------------

void check_param(const char* kernel, const Tensor& x, const Tensor& p, const char* name, i64 C) {
  if (!p.defined()) return;
  check_tensor(kernel, p, name);
  if (p.dtype() != x.dtype() || p.numel() != C)
    fail_shape(kernel, std::string(name) + " is " + describe(p) + " but x is " + describe(x) +
                           "; expected " + std::to_string(C) + " elements of x's dtype");
}

void check_out(const char* kernel, const Tensor& x, const Tensor* t, const char* name, i64 numel) {
  if (!t) return;
  check_tensor(kernel, *t, name);
  if (t->dtype() != x.dtype() || t->numel() != numel)
    fail_shape(kernel, std::string(name) + " is " + describe(*t) + " but x is " + describe(x) +
                           "; expected " + std::to_string(numel) + " elements of x's dtype");
}

i64 check_bn(const char* kernel, const Tensor& x) {
  check_float(kernel, x, "x");
  if (x.rank() != 2)
    fail_shape(kernel, "x is " + describe(x) + "; expected a 2-d (rows, channels) view");
  return x.shape()[1];
}

void check_gn(const char* kernel, const Tensor& x, i64 groups) {
  check_float(kernel, x, "x");
  if (x.rank() != 3)
    fail_shape(kernel, "x is " + describe(x) + "; expected a 3-d (samples, positions, channels) view");
  const i64 C = x.shape()[2];
  if (groups <= 0 || C % groups != 0)
    fail_value(kernel, "groups = " + std::to_string(groups) + " does not divide the " +
                           std::to_string(C) + " channels of x " + describe(x));
}

/// Per-channel gamma (or ones) and beta (or zeros) in scratch memory.
template <class T>
void effective_params(const Tensor& gamma, const Tensor& beta, i64 C, T* g, T* b) {
  if (gamma.defined()) std::memcpy(g, gamma.data<T>(), static_cast<std::size_t>(C) * sizeof(T));
  else std::fill(g, g + C, T(1));
  if (beta.defined()) std::memcpy(b, beta.data<T>(), static_cast<std::size_t>(C) * sizeof(T));
  else std::fill(b, b + C, T(0));
}

}  // namespace

// ================================================================================================
// Batch normalization
// ================================================================================================

void CpuBackend::batch_norm_forward_training(const Tensor& x, const Tensor& gamma,
                                             const Tensor& beta, double epsilon, Tensor& y,
                                             Tensor& mean, Tensor& var) {
  const char* kernel = "batch_norm_forward_training";
  const i64 C = check_bn(kernel, x);
  check_param(kernel, x, gamma, "gamma", C);
  check_param(kernel, x, beta, "beta", C);
  check_like(kernel, x, "x", y, "y");
  check_out(kernel, x, &mean, "mean", C);
  check_out(kernel, x, &var, "var", C);
  const i64 M = x.shape()[0];
  if (C == 0) return;
  if (M == 0) fail_value(kernel, "cannot compute batch statistics of an empty batch (x is " + describe(x) + ")");
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = x.data<T>();
    const i64 n = M * C, P = tile_length<T>(C);
    // Scratch: K (shift, tiled), a, b (tiled), gamma, beta (C), mean and var in double (C).
    Scratch buf(*this, static_cast<std::size_t>(3 * P + 2 * C) * sizeof(T) +
                           static_cast<std::size_t>(2 * C) * sizeof(double));
    auto* md = buf.as<double>();
    double* vd = md + C;
    T* K = reinterpret_cast<T*>(vd + C);
    T* at = K + P;
    T* bt = at + P;
    T* g = bt + P;
    T* b = g + C;
    // Sums of (x - K) and (x - K)^2 with K the first row: a shift close to the data keeps the
    // one-pass variance accurate.
    tile(xp, C, P, K);
    column_sums<T>(
        *this, n, C, P,
        [&](i64 len, i64 off, T* s, T* q) {
          simd_update<T, 2, 2>(
              len,
              [](const std::array<B, 2>& in, std::array<B, 2>& io) {
                const B d = in[0] - in[1];
                io[0] += d;
                io[1] = xsimd::fma(d, d, io[1]);
              },
              {xp + off, K}, {s, q});
        },
        md, vd);
    effective_params<T>(gamma, beta, C, g, b);
    T* mo = mean.data<T>();
    T* vo = var.data<T>();
    const double inv_m = 1.0 / static_cast<double>(M);
    for (i64 c = 0; c < C; ++c) {
      const double d = md[c] * inv_m;
      const double m = static_cast<double>(K[c]) + d;
      const double v = std::max(0.0, vd[c] * inv_m - d * d);
      const double a = static_cast<double>(g[c]) / std::sqrt(v + epsilon);
      mo[c] = static_cast<T>(m);
      vo[c] = static_cast<T>(v);
      at[c] = static_cast<T>(a);
      bt[c] = static_cast<T>(static_cast<double>(b[c]) - m * a);
    }
    tile(at, C, P, at);
    tile(bt, C, P, bt);
    affine_tiled<T>(pool_, xp, n, P, at, bt, y.data<T>());
  });
}

void CpuBackend::batch_norm_forward_inference(const Tensor& x, const Tensor& gamma,
                                              const Tensor& beta, const Tensor& mean,
                                              const Tensor& var, double epsilon, Tensor& y) {
  const char* kernel = "batch_norm_forward_inference";
  const i64 C = check_bn(kernel, x);
  check_param(kernel, x, gamma, "gamma", C);
  check_param(kernel, x, beta, "beta", C);
  check_out(kernel, x, &mean, "mean", C);
  check_out(kernel, x, &var, "var", C);
  check_like(kernel, x, "x", y, "y");
  if (C == 0 || x.numel() == 0) return;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const i64 n = x.numel(), P = tile_length<T>(C);
    Scratch buf(*this, static_cast<std::size_t>(2 * P + 2 * C) * sizeof(T));
    T* at = buf.as<T>();
    T* bt = at + P;
    T* g = bt + P;
    T* b = g + C;
    effective_params<T>(gamma, beta, C, g, b);
    const T* mp = mean.data<T>();
    const T* vp = var.data<T>();
    for (i64 c = 0; c < C; ++c) {
      const double a = static_cast<double>(g[c]) / std::sqrt(static_cast<double>(vp[c]) + epsilon);
      at[c] = static_cast<T>(a);
      bt[c] = static_cast<T>(static_cast<double>(b[c]) - static_cast<double>(mp[c]) * a);
    }
    tile(at, C, P, at);
    tile(bt, C, P, bt);
    affine_tiled<T>(pool_, x.data<T>(), n, P, at, bt, y.data<T>());
  });
}

void CpuBackend::batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                     const Tensor& mean, const Tensor& var, double epsilon,
                                     bool training, Tensor* dx, Tensor* dgamma, Tensor* dbeta) {
  const char* kernel = "batch_norm_backward";
  const i64 C = check_bn(kernel, x);
  check_like(kernel, x, "x", dy, "dy");
  check_param(kernel, x, gamma, "gamma", C);
  check_out(kernel, x, &mean, "mean", C);
  check_out(kernel, x, &var, "var", C);
  check_out(kernel, x, dx, "dx", x.numel());
  check_out(kernel, x, dgamma, "dgamma", C);
  check_out(kernel, x, dbeta, "dbeta", C);
  if (C == 0) return;
  const i64 M = x.shape()[0];
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = x.data<T>();
    const T* gp = dy.data<T>();
    const i64 n = M * C, P = tile_length<T>(C);
    // Scratch: mean (tiled), A, B, D (tiled), gamma, beta (C); sums in double (2C).
    Scratch buf(*this, static_cast<std::size_t>(4 * P + 2 * C) * sizeof(T) +
                           static_cast<std::size_t>(2 * C) * sizeof(double));
    auto* sdy = buf.as<double>();
    double* sdyx = sdy + C;
    T* mt = reinterpret_cast<T*>(sdyx + C);
    T* At = mt + P;
    T* Bt = At + P;
    T* Dt = Bt + P;
    T* g = Dt + P;
    T* unused_b = g + C;
    effective_params<T>(gamma, Tensor(), C, g, unused_b);
    const T* mp = mean.data<T>();
    const T* vp = var.data<T>();
    tile(mp, C, P, mt);
    const bool need_sums = training ? (dx || dgamma || dbeta) : (dgamma || dbeta);
    if (need_sums && M > 0) {
      column_sums<T>(
          *this, n, C, P,
          [&](i64 len, i64 off, T* s, T* q) {
            simd_update<T, 3, 2>(
                len,
                [](const std::array<B, 3>& in, std::array<B, 2>& io) {
                  io[0] += in[0];
                  io[1] = xsimd::fma(in[0], in[1] - in[2], io[1]);
                },
                {gp + off, xp + off, mt}, {s, q});
          },
          sdy, sdyx);
    } else {
      std::fill(sdy, sdy + 2 * C, 0.0);
    }
    const double inv_m = M > 0 ? 1.0 / static_cast<double>(M) : 0.0;
    for (i64 c = 0; c < C; ++c) {
      const double inv = 1.0 / std::sqrt(static_cast<double>(vp[c]) + epsilon);
      if (dgamma) dgamma->data<T>()[c] = static_cast<T>(sdyx[c] * inv);
      if (dbeta) dbeta->data<T>()[c] = static_cast<T>(sdy[c]);
      const double a = static_cast<double>(g[c]) * inv;
      double bc = 0.0, dc = 0.0;
      if (training) {
        bc = -a * inv * inv * sdyx[c] * inv_m;
        dc = -a * sdy[c] * inv_m - static_cast<double>(mp[c]) * bc;
      }
      At[c] = static_cast<T>(a);
      Bt[c] = static_cast<T>(bc);
      Dt[c] = static_cast<T>(dc);
    }
    if (!dx || n == 0) return;
    tile(At, C, P, At);
    tile(Bt, C, P, Bt);
    tile(Dt, C, P, Dt);
    dx_tiled<T>(pool_, gp, xp, n, P, At, Bt, Dt, dx->data<T>());
  });
}

// ================================================================================================
// Group normalization (layer normalization is groups = 1, S = 1)
// ================================================================================================

void CpuBackend::group_norm_forward(const Tensor& x, std::int64_t groups, const Tensor& gamma,
                                    const Tensor& beta, double epsilon, Tensor& y, Tensor& mean,
                                    Tensor& inv_std) {
  const char* kernel = "group_norm_forward";
  check_gn(kernel, x, groups);
  const i64 N = x.shape()[0], S = x.shape()[1], C = x.shape()[2], G = groups;
  check_param(kernel, x, gamma, "gamma", C);
  check_param(kernel, x, beta, "beta", C);
  check_like(kernel, x, "x", y, "y");
  check_out(kernel, x, &mean, "mean", N * G);
  check_out(kernel, x, &inv_std, "inv_std", N * G);
  if (N == 0 || C == 0) return;
  if (S == 0) fail_value(kernel, "cannot normalize over zero positions (x is " + describe(x) + ")");
  const i64 Cg = C / G;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    T* mo = mean.data<T>();
    T* io = inv_std.data<T>();
    if (S == 1) {
      // Rows (layer normalization): each group is a contiguous segment of a row.
      Scratch buf(*this, static_cast<std::size_t>(2 * C) * sizeof(T));
      T* g = buf.as<T>();
      T* b = g + C;
      effective_params<T>(gamma, beta, C, g, b);
      pool_.parallel_for(N, std::max<i64>(1, kGrainCheap / (4 * C)), [&](i64 r0, i64 r1) {
        for (i64 r = r0; r < r1; ++r) {
          for (i64 k = 0; k < G; ++k) {
            const i64 off = r * C + k * Cg;
            const T m = static_cast<T>(vsum(xp + off, Cg) / static_cast<double>(Cg));
            const double v = vsum_sqdev(xp + off, Cg, m) / static_cast<double>(Cg);
            const T inv = static_cast<T>(1.0 / std::sqrt(v + epsilon));
            mo[r * G + k] = m;
            io[r * G + k] = inv;
            const B mb(m), ib(inv);
            simd_map<T>(Cg, [=](B xv, B gv, B bv) { return xsimd::fma((xv - mb) * ib, gv, bv); },
                        yp + off, xp + off, g + k * Cg, b + k * Cg);
          }
        }
      });
      return;
    }
    // Images: per sample, per-channel sums over positions in tiles, folded into groups.
    const i64 L = S * C, P = tile_length<T>(C);
    const i64 spb = std::clamp<i64>(kBlockElems / L, 1, N);
    const i64 nb = (N + spb - 1) / spb;
    // Per block: acc, meanc, a, b tiled (4P); channel sums (C double). Shared: gamma, beta.
    const std::size_t per_block = static_cast<std::size_t>(4 * P) * sizeof(T) +
                                  static_cast<std::size_t>(C) * sizeof(double);
    Scratch buf(*this, static_cast<std::size_t>(nb) * per_block + static_cast<std::size_t>(2 * C) * sizeof(T));
    auto* base = buf.as<unsigned char>();
    T* g = reinterpret_cast<T*>(base + static_cast<std::size_t>(nb) * per_block);
    T* b = g + C;
    effective_params<T>(gamma, beta, C, g, b);
    const double cnt = static_cast<double>(S * Cg);
    pool_.parallel_for(nb, 1, [&](i64 b0, i64 b1) {
      for (i64 blk = b0; blk < b1; ++blk) {
        auto* chs = reinterpret_cast<double*>(base + static_cast<std::size_t>(blk) * per_block);
        T* acc = reinterpret_cast<T*>(chs + C);
        T* mc = acc + P;
        T* at = mc + P;
        T* bt = at + P;
        const i64 n1 = std::min(N, (blk + 1) * spb);
        for (i64 s = blk * spb; s < n1; ++s) {
          const T* xs = xp + s * L;
          // pass 1: means
          std::fill(acc, acc + P, T(0));
          for (i64 off = 0; off < L; off += P)
            simd_map<T>(std::min(P, L - off), [](B a, B v) { return a + v; }, acc, acc, xs + off);
          std::fill(chs, chs + C, 0.0);
          fold_add(acc, C, P, chs);
          for (i64 k = 0; k < G; ++k) {
            double t = 0.0;
            for (i64 c = k * Cg; c < (k + 1) * Cg; ++c) t += chs[c];
            const T m = static_cast<T>(t / cnt);
            mo[s * G + k] = m;
            std::fill(mc + k * Cg, mc + (k + 1) * Cg, m);
          }
          tile(mc, C, P, mc);
          // pass 2: variances about the means
          std::fill(acc, acc + P, T(0));
          for (i64 off = 0; off < L; off += P)
            simd_map<T>(
                std::min(P, L - off),
                [](B a, B v, B m) {
                  const B d = v - m;
                  return xsimd::fma(d, d, a);
                },
                acc, acc, xs + off, mc);
          std::fill(chs, chs + C, 0.0);
          fold_add(acc, C, P, chs);
          for (i64 k = 0; k < G; ++k) {
            double t = 0.0;
            for (i64 c = k * Cg; c < (k + 1) * Cg; ++c) t += chs[c];
            const double inv = 1.0 / std::sqrt(t / cnt + epsilon);
            io[s * G + k] = static_cast<T>(inv);
            const double m = static_cast<double>(mo[s * G + k]);
            for (i64 c = k * Cg; c < (k + 1) * Cg; ++c) {
              const double a = static_cast<double>(g[c]) * inv;
              at[c] = static_cast<T>(a);
              bt[c] = static_cast<T>(static_cast<double>(b[c]) - m * a);
            }
          }
          tile(at, C, P, at);
          tile(bt, C, P, bt);
          // pass 3: output
          T* ys = yp + s * L;
          for (i64 off = 0; off < L; off += P)
            simd_map<T>(std::min(P, L - off), [](B v, B a, B c) { return xsimd::fma(v, a, c); },
                        ys + off, xs + off, at, bt);
        }
      }
    });
  });
}

void CpuBackend::group_norm_backward(const Tensor& x, const Tensor& dy, std::int64_t groups,
                                     const Tensor& gamma, const Tensor& mean,
                                     const Tensor& inv_std, Tensor* dx, Tensor* dgamma,
                                     Tensor* dbeta) {
  const char* kernel = "group_norm_backward";
  check_gn(kernel, x, groups);
  const i64 N = x.shape()[0], S = x.shape()[1], C = x.shape()[2], G = groups;
  check_like(kernel, x, "x", dy, "dy");
  check_param(kernel, x, gamma, "gamma", C);
  check_out(kernel, x, &mean, "mean", N * G);
  check_out(kernel, x, &inv_std, "inv_std", N * G);
  check_out(kernel, x, dx, "dx", x.numel());
  check_out(kernel, x, dgamma, "dgamma", C);
  check_out(kernel, x, dbeta, "dbeta", C);
  if (C == 0) return;
  const i64 Cg = C / G;
  const bool params = dgamma || dbeta;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    constexpr i64 W = kLanes<T>;
    const T* xp = x.data<T>();
    const T* gp = dy.data<T>();
    const T* mp = mean.data<T>();
    const T* ip = inv_std.data<T>();
    T* dxp = dx ? dx->data<T>() : nullptr;
    const i64 L = S * C;
    const double cnt = static_cast<double>(S * Cg);
    if (S == 1) {
      // Rows (layer normalization). Blocks of rows accumulate dgamma and dbeta partials.
      const i64 rpb = blocking(N, C);
      const i64 nb = N == 0 ? 0 : (N + rpb - 1) / rpb;
      Scratch buf(*this, static_cast<std::size_t>(2 * C + 2 * nb * C) * sizeof(T));
      T* g = buf.as<T>();
      T* unused_b = g + C;
      T* part = unused_b + C;
      effective_params<T>(gamma, Tensor(), C, g, unused_b);
      pool_.parallel_for(nb, std::max<i64>(1, kGrainCheap / (rpb * C)), [&](i64 b0, i64 b1) {
        for (i64 blk = b0; blk < b1; ++blk) {
          T* pg = part + 2 * blk * C;
          T* pb = pg + C;
          if (params) std::fill(pg, pg + 2 * C, T(0));
          const i64 r1 = std::min(N, (blk + 1) * rpb);
          for (i64 r = blk * rpb; r < r1; ++r) {
            for (i64 k = 0; k < G; ++k) {
              const i64 off = r * C + k * Cg;
              const T m = mp[r * G + k], inv = ip[r * G + k];
              const T* xr = xp + off;
              const T* gr = gp + off;
              const T* gm = g + k * Cg;
              T* pgr = pg + k * Cg;
              T* pbr = pb + k * Cg;
              double sa = 0.0, sb = 0.0;
              if (dxp) vsum_dy(gr, xr, gm, Cg, m, sa, sb);
              // dx = inv * (dy*g - sa/n - xhat * inv * sb/n), xhat = (x - m) * inv
              const T ca = static_cast<T>(static_cast<double>(inv) * sa / cnt);
              const T cb = static_cast<T>(static_cast<double>(inv) * static_cast<double>(inv) * sb / cnt);
              const B mb(m), ib(inv), cab(ca), cbb(cb);
              T* dr = dxp ? dxp + off : nullptr;
              i64 i = 0;
              for (; i + W <= Cg; i += W) {
                const B dyv = B::load_unaligned(gr + i);
                const B xh = (B::load_unaligned(xr + i) - mb) * ib;
                if (dr) {
                  const B gv = B::load_unaligned(gm + i);
                  (ib * (dyv * gv) - cab - xh * cbb).store_unaligned(dr + i);
                }
                if (params) {
                  xsimd::fma(dyv, xh, B::load_unaligned(pgr + i)).store_unaligned(pgr + i);
                  (B::load_unaligned(pbr + i) + dyv).store_unaligned(pbr + i);
                }
              }
              for (; i < Cg; ++i) {
                const T xh = (xr[i] - m) * inv;
                if (dr) dr[i] = inv * (gr[i] * gm[i]) - ca - xh * cb;
                if (params) {
                  pgr[i] += gr[i] * xh;
                  pbr[i] += gr[i];
                }
              }
            }
          }
        }
      });
      if (!params) return;
      Scratch acc(*this, static_cast<std::size_t>(2 * C) * sizeof(double));
      auto* dg = acc.as<double>();
      double* db = dg + C;
      std::fill(dg, dg + 2 * C, 0.0);
      for (i64 blk = 0; blk < nb; ++blk)
        for (i64 c = 0; c < C; ++c) {
          dg[c] += static_cast<double>(part[2 * blk * C + c]);
          db[c] += static_cast<double>(part[2 * blk * C + C + c]);
        }
      for (i64 c = 0; c < C; ++c) {
        if (dgamma) dgamma->data<T>()[c] = static_cast<T>(dg[c]);
        if (dbeta) dbeta->data<T>()[c] = static_cast<T>(db[c]);
      }
      return;
    }
    // Images: per sample, per-channel sums u = sum dy and v = sum dy * (x - mean) in tiles.
    const i64 P = tile_length<T>(C);
    const i64 spb = std::clamp<i64>(kBlockElems / std::max<i64>(L, 1), 1, std::max<i64>(N, 1));
    const i64 nb = N == 0 ? 0 : (N + spb - 1) / spb;
    // Per block: u, v, dgamma, dbeta partials (4C double); acc0, acc1, mc, A, Bc, D (6P).
    const std::size_t per_block = static_cast<std::size_t>(4 * C) * sizeof(double) +
                                  static_cast<std::size_t>(6 * P) * sizeof(T);
    Scratch buf(*this, static_cast<std::size_t>(nb) * per_block + static_cast<std::size_t>(2 * C) * sizeof(T));
    auto* base = buf.as<unsigned char>();
    T* g = reinterpret_cast<T*>(base + static_cast<std::size_t>(nb) * per_block);
    T* unused_b = g + C;
    effective_params<T>(gamma, Tensor(), C, g, unused_b);
    pool_.parallel_for(nb, 1, [&](i64 b0, i64 b1) {
      for (i64 blk = b0; blk < b1; ++blk) {
        auto* u = reinterpret_cast<double*>(base + static_cast<std::size_t>(blk) * per_block);
        double* v = u + C;
        double* pdg = v + C;
        double* pdb = pdg + C;
        T* a0 = reinterpret_cast<T*>(pdb + C);
        T* a1 = a0 + P;
        T* mc = a1 + P;
        T* At = mc + P;
        T* Bt = At + P;
        T* Dt = Bt + P;
        std::fill(pdg, pdg + 2 * C, 0.0);
        const i64 n1 = std::min(N, (blk + 1) * spb);
        for (i64 s = blk * spb; s < n1; ++s) {
          const T* xs = xp + s * L;
          const T* gs = gp + s * L;
          for (i64 k = 0; k < G; ++k) std::fill(mc + k * Cg, mc + (k + 1) * Cg, mp[s * G + k]);
          tile(mc, C, P, mc);
          std::fill(a0, a0 + 2 * P, T(0));
          for (i64 off = 0; off < L; off += P)
            simd_update<T, 3, 2>(
                std::min(P, L - off),
                [](const std::array<B, 3>& in, std::array<B, 2>& io_) {
                  io_[0] += in[0];
                  io_[1] = xsimd::fma(in[0], in[1] - in[2], io_[1]);
                },
                {gs + off, xs + off, mc}, {a0, a1});
          std::fill(u, u + 2 * C, 0.0);
          fold_add(a0, C, P, u);
          fold_add(a1, C, P, v);
          for (i64 k = 0; k < G; ++k) {
            const double inv = static_cast<double>(ip[s * G + k]);
            const double m = static_cast<double>(mp[s * G + k]);
            double sa = 0.0, sb = 0.0;
            for (i64 c = k * Cg; c < (k + 1) * Cg; ++c) {
              sa += static_cast<double>(g[c]) * u[c];
              sb += static_cast<double>(g[c]) * v[c];
              pdg[c] += inv * v[c];
              pdb[c] += u[c];
            }
            const double bc = -inv * inv * inv * sb / cnt;
            const double dc = -bc * m - inv * sa / cnt;
            for (i64 c = k * Cg; c < (k + 1) * Cg; ++c) {
              At[c] = static_cast<T>(inv * static_cast<double>(g[c]));
              Bt[c] = static_cast<T>(bc);
              Dt[c] = static_cast<T>(dc);
            }
          }
          if (!dxp) continue;
          tile(At, C, P, At);
          tile(Bt, C, P, Bt);
          tile(Dt, C, P, Dt);
          T* ds = dxp + s * L;
          for (i64 off = 0; off < L; off += P)
            simd_map<T>(
                std::min(P, L - off),
                [](B gv, B xv, B av, B bv, B dv) { return xsimd::fma(gv, av, xsimd::fma(xv, bv, dv)); },
                ds + off, gs + off, xs + off, At, Bt, Dt);
        }
      }
    });
    if (!params) return;
    Scratch acc(*this, static_cast<std::size_t>(2 * C) * sizeof(double));
    auto* dg = acc.as<double>();
    double* db = dg + C;
    std::fill(dg, dg + 2 * C, 0.0);
    for (i64 blk = 0; blk < nb; ++blk) {
      const auto* pd = reinterpret_cast<const double*>(base + static_cast<std::size_t>(blk) * per_block) + 2 * C;
      for (i64 c = 0; c < C; ++c) {
        dg[c] += pd[c];
        db[c] += pd[C + c];
      }
    }
    for (i64 c = 0; c < C; ++c) {
      if (dgamma) dgamma->data<T>()[c] = static_cast<T>(dg[c]);
      if (dbeta) dbeta->data<T>()[c] = static_cast<T>(db[c]);
    }
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
