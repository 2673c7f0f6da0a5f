// conv_kernels.cpp — 2-D convolution forward, backward-data and backward-filter (NHWC).
//
// This file includes <cblas.h> (and no xtensor-blas header): like gemm.cpp it calls OpenBLAS
// single-threaded and takes its parallelism from the backend's own thread pool.
//
// Scheme (measured against whole-tensor im2col, see bench/RESULTS.md):
//  * General convolutions use a *tiled* im2col: the output rows (n, oh, ow) are cut into
//    blocks of ~48K im2col elements, and each thread turns one block into a column matrix
//    that stays in its L2 cache and multiplies it by the kernel with one sgemm. Bias and a
//    fused relu are applied to the block while it is still in cache. The full im2col matrix
//    (18 MB for the Keras convnet's second layer at batch 128) is never materialised.
//  * Backward data multiplies dy by the kernel's transpose block by block into the same kind
//    of column tile and scatters it back (col2im); work is split by whole images, so no two
//    threads ever add into the same dx pixel.
//  * Backward filter accumulates col^T @ dy per chunk of rows into a per-chunk partial
//    (K x O, tiny), summed at the end: no atomics, deterministic for a given thread count.
//  * 1x1 convolutions with stride 1 and no padding are one plain GEMM on the NHWC data.
//  * Convolutions whose groups each read a single input channel (depthwise convolutions, and
//    any convolution of a 1-channel image such as the first layer of an MNIST convnet, where
//    im2col would give a K = 9 GEMM) use direct loops vectorised over output channels.
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <type_traits>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/onednn_conv.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

using Window = Backend::Window2D;

// im2col elements per tile: 48K floats = 192 KB, half of a 512 KB L2.
constexpr i64 kTileElems = i64{48} << 10;

/// Every extent of one convolution, checked once.
struct Geom {
  i64 N = 0, H = 0, W = 0, C = 0;  // input
  i64 OH = 0, OW = 0, O = 0;       // output
  i64 KH = 0, KW = 0, G = 1, Cg = 0, Og = 0;
  i64 sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  i64 K() const { return KH * KW * Cg; }
  i64 rows() const { return N * OH * OW; }
  i64 image_rows() const { return OH * OW; }
  bool pointwise() const {
    return KH == 1 && KW == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && OH == H && OW == W && G == 1;
  }
};

std::string conv_shapes(const Tensor& x, const char* xn, const Tensor& w, const Tensor& y, const char* yn) {
  std::string s = std::string(xn) + " ";
  s += describe(x);
  s += ", w ";
  s += describe(w);
  s += ", ";
  s += yn;
  s += " ";
  s += describe(y);
  return s;
}

/// Validates x (N,H,W,C), w (KH,KW,C/G,O), y (N,OH,OW,O) and the window.
Geom make_geom(const char* kernel, const Tensor& x, const char* xn, const Tensor& w, const Tensor& y,
               const char* yn, const Window& win, i64 groups) {
  check_float(kernel, x, xn);
  check_tensor(kernel, w, "w");
  check_tensor(kernel, y, yn);
  if (w.dtype() != x.dtype() || y.dtype() != x.dtype())
    fail_value(kernel, conv_shapes(x, xn, w, y, yn) + ": expected one float dtype");
  if (x.rank() != 4 || w.rank() != 4 || y.rank() != 4)
    fail_shape(kernel, conv_shapes(x, xn, w, y, yn) + ": expected rank-4 NHWC tensors and a (kh, kw, in, out) kernel");
  if (groups < 1) fail_value(kernel, "groups must be >= 1, got " + std::to_string(groups));
  if (win.stride_h < 1 || win.stride_w < 1 || win.dilation_h < 1 || win.dilation_w < 1 || win.pad_top < 0 ||
      win.pad_left < 0)
    fail_value(kernel, "strides and dilations must be >= 1 and paddings >= 0");
  Geom g;
  g.N = x.shape()[0];
  g.H = x.shape()[1];
  g.W = x.shape()[2];
  g.C = x.shape()[3];
  g.KH = w.shape()[0];
  g.KW = w.shape()[1];
  g.Cg = w.shape()[2];
  g.O = w.shape()[3];
  g.OH = y.shape()[1];
  g.OW = y.shape()[2];
  g.G = groups;
  g.sh = win.stride_h;
  g.sw = win.stride_w;
  g.dh = win.dilation_h;
  g.dw = win.dilation_w;
  g.pt = win.pad_top;
  g.pl = win.pad_left;
  if (y.shape()[0] != g.N || y.shape()[3] != g.O || g.Cg * groups != g.C || g.O % groups != 0 ||
      win.kernel_h != g.KH || win.kernel_w != g.KW)
    fail_shape(kernel, conv_shapes(x, xn, w, y, yn) + " with groups " + std::to_string(groups) +
                           ": expected w (kh, kw, C / groups, O) matching the window and y (N, OH, OW, O)");
  g.Og = g.O / groups;
  return g;
}

// ---- BLAS -----------------------------------------------------------------------------------
template <class T>
void gemm(bool ta, bool tb, i64 M, i64 N, i64 K, T alpha, const T* A, i64 lda, const T* B, i64 ldb, T beta,
          T* C, i64 ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (i64 i = 0; i < M; ++i)
      for (i64 j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
  const auto TA = ta ? CblasTrans : CblasNoTrans;
  const auto TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, TA, TB, static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K),
                alpha, A, static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C,
                static_cast<blasint>(ldc));
  else
    cblas_dgemm(CblasRowMajor, TA, TB, static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K),
                alpha, A, static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C,
                static_cast<blasint>(ldc));
}

// ---- im2col / col2im over a block of output rows ----------------------------------------
/// Output row r = (n * OH + oh) * OW + ow.
struct RowPos {
  i64 n, oh, ow;
};
inline RowPos row_pos(const Geom& g, i64 r) {
  const i64 ir = g.image_rows();
  const i64 n = r / ir, rem = r % ir;
  return {n, rem / g.OW, rem % g.OW};
}
inline void advance(const Geom& g, RowPos& p) {
  if (++p.ow == g.OW) {
    p.ow = 0;
    if (++p.oh == g.OH) {
      p.oh = 0;
      ++p.n;
    }
  }
}

/// col[r][(i * KW + j) * Cg + c] = x[n, ih, iw, grp * Cg + c] (0 outside) for m rows from r0.
template <class T>
void im2col(const Geom& g, const T* x, i64 r0, i64 m, i64 grp, T* col) {
  const i64 K = g.K(), Cg = g.Cg;
  const bool contiguous = g.dw == 1 && g.G == 1;  // a window row is one run of KW * C values
  RowPos p = row_pos(g, r0);
  for (i64 r = 0; r < m; ++r, advance(g, p)) {
    T* dst = col + r * K;
    const T* ximg = x + p.n * g.H * g.W * g.C + grp * Cg;
    const i64 iw0 = p.ow * g.sw - g.pl;
    for (i64 i = 0; i < g.KH; ++i, dst += g.KW * Cg) {
      const i64 ih = p.oh * g.sh - g.pt + i * g.dh;
      if (ih < 0 || ih >= g.H) {
        std::memset(dst, 0, static_cast<std::size_t>(g.KW * Cg) * sizeof(T));
        continue;
      }
      const T* xrow = ximg + ih * g.W * g.C;
      if (contiguous) {
        const i64 j0 = std::max<i64>(0, -iw0), j1 = std::min<i64>(g.KW, g.W - iw0);
        if (j0 > 0) std::memset(dst, 0, static_cast<std::size_t>(j0 * Cg) * sizeof(T));
        if (j1 > j0)
          std::memcpy(dst + j0 * Cg, xrow + (iw0 + j0) * g.C, static_cast<std::size_t>((j1 - j0) * Cg) * sizeof(T));
        const i64 js = std::max(j0, j1);
        if (js < g.KW) std::memset(dst + js * Cg, 0, static_cast<std::size_t>((g.KW - js) * Cg) * sizeof(T));
        continue;
      }
      for (i64 j = 0; j < g.KW; ++j) {
        const i64 iw = iw0 + j * g.dw;
        T* d = dst + j * Cg;
        if (iw < 0 || iw >= g.W) {
          std::memset(d, 0, static_cast<std::size_t>(Cg) * sizeof(T));
        } else {
          const T* s = xrow + iw * g.C;
          for (i64 c = 0; c < Cg; ++c) d[c] = s[c];
        }
      }
    }
  }
}

/// dx[n, ih, iw, grp * Cg + c] += col[r][(i * KW + j) * Cg + c]: the adjoint of im2col.
template <class T>
void col2im_add(const Geom& g, const T* col, i64 r0, i64 m, i64 grp, T* dx) {
  const i64 K = g.K(), Cg = g.Cg;
  RowPos p = row_pos(g, r0);
  for (i64 r = 0; r < m; ++r, advance(g, p)) {
    const T* src = col + r * K;
    T* ximg = dx + p.n * g.H * g.W * g.C + grp * Cg;
    const i64 iw0 = p.ow * g.sw - g.pl;
    for (i64 i = 0; i < g.KH; ++i, src += g.KW * Cg) {
      const i64 ih = p.oh * g.sh - g.pt + i * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      T* xrow = ximg + ih * g.W * g.C;
      for (i64 j = 0; j < g.KW; ++j) {
        const i64 iw = iw0 + j * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        T* d = xrow + iw * g.C;
        const T* s = src + j * Cg;
        for (i64 c = 0; c < Cg; ++c) d[c] += s[c];
      }
    }
  }
}

/// Rows per tile for a K-wide column matrix: ~kTileElems elements, a multiple of 8, and small
/// enough that every thread gets a tile.
i64 tile_rows(i64 rows, i64 K, int threads) {
  i64 blk = std::clamp<i64>(kTileElems / std::max<i64>(K, 1), 16, 4096);
  const i64 per_thread = (rows + threads - 1) / threads;
  if (per_thread < blk) blk = per_thread;
  blk = std::max<i64>(1, (blk + 7) / 8 * 8);
  return std::min(blk, std::max<i64>(rows, 1));
}

template <class T>
void bias_relu_rows(T* y, i64 m, i64 O, const T* bias, bool relu) {
  if (!bias && !relu) return;
  for (i64 r = 0; r < m; ++r) {
    T* yr = y + r * O;
    if (bias)
      for (i64 o = 0; o < O; ++o) yr[o] += bias[o];
    if (relu)
      for (i64 o = 0; o < O; ++o) yr[o] = yr[o] < T(0) ? T(0) : yr[o];  // keeps NaN, like TF/PyTorch
  }
}

// ---- direct kernels for groups that read one input channel (Cg == 1) -------------------
/// y[n, oh, ow, o] = sum_ij x[n, ih, iw, o / Og] * w[i, j, 0, o] for the output rows
/// [row0, row1) of (n, oh).
template <class T>
void direct_forward_rows(const Geom& g, const T* x, const T* w, const T* bias, bool relu, T* y, i64 row0,
                         i64 row1) {
  const i64 O = g.O, Og = g.Og, C = g.C;
  for (i64 nr = row0; nr < row1; ++nr) {
    const i64 n = nr / g.OH, oh = nr % g.OH;
    const T* ximg = x + n * g.H * g.W * C;
    for (i64 ow = 0; ow < g.OW; ++ow) {
      T* acc = y + (nr * g.OW + ow) * O;
      if (bias)
        for (i64 o = 0; o < O; ++o) acc[o] = bias[o];
      else
        for (i64 o = 0; o < O; ++o) acc[o] = T(0);
      for (i64 i = 0; i < g.KH; ++i) {
        const i64 ih = oh * g.sh - g.pt + i * g.dh;
        if (ih < 0 || ih >= g.H) continue;
        for (i64 j = 0; j < g.KW; ++j) {
          const i64 iw = ow * g.sw - g.pl + j * g.dw;
          if (iw < 0 || iw >= g.W) continue;
          const T* xp = ximg + (ih * g.W + iw) * C;
          const T* wp = w + (i * g.KW + j) * O;
          if (Og == 1) {
            for (i64 o = 0; o < O; ++o) acc[o] += xp[o] * wp[o];
          } else {
            for (i64 c = 0; c < C; ++c) {
              const T xv = xp[c];
              T* a = acc + c * Og;
              const T* wc = wp + c * Og;
              for (i64 mm = 0; mm < Og; ++mm) a[mm] += xv * wc[mm];
            }
          }
        }
      }
      if (relu)
        for (i64 o = 0; o < O; ++o) acc[o] = acc[o] < T(0) ? T(0) : acc[o];  // keeps NaN
    }
  }
}

/// dx += adjoint of direct_forward over the images [n0, n1) (dx zeroed by the caller).
template <class T>
void direct_backward_data_images(const Geom& g, const T* dy, const T* w, T* dx, i64 n0, i64 n1) {
  const i64 O = g.O, Og = g.Og, C = g.C;
  for (i64 n = n0; n < n1; ++n) {
    T* ximg = dx + n * g.H * g.W * C;
    for (i64 oh = 0; oh < g.OH; ++oh)
      for (i64 ow = 0; ow < g.OW; ++ow) {
        const T* d = dy + ((n * g.OH + oh) * g.OW + ow) * O;
        for (i64 i = 0; i < g.KH; ++i) {
          const i64 ih = oh * g.sh - g.pt + i * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (i64 j = 0; j < g.KW; ++j) {
            const i64 iw = ow * g.sw - g.pl + j * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            T* xp = ximg + (ih * g.W + iw) * C;
            const T* wp = w + (i * g.KW + j) * O;
            if (Og == 1) {
              for (i64 c = 0; c < C; ++c) xp[c] += d[c] * wp[c];
            } else {
              for (i64 c = 0; c < C; ++c) {
                T s = 0;
                for (i64 mm = 0; mm < Og; ++mm) s += d[c * Og + mm] * wp[c * Og + mm];
                xp[c] += s;
              }
            }
          }
        }
      }
  }
}

/// dw[i, j, 0, o] += sum over the output rows [row0, row1) of x[.., o / Og] * dy[.., o].
template <class T>
void direct_backward_filter_rows(const Geom& g, const T* x, const T* dy, T* dw, i64 row0, i64 row1) {
  const i64 O = g.O, Og = g.Og, C = g.C;
  for (i64 nr = row0; nr < row1; ++nr) {
    const i64 n = nr / g.OH, oh = nr % g.OH;
    const T* ximg = x + n * g.H * g.W * C;
    for (i64 ow = 0; ow < g.OW; ++ow) {
      const T* d = dy + (nr * g.OW + ow) * O;
      for (i64 i = 0; i < g.KH; ++i) {
        const i64 ih = oh * g.sh - g.pt + i * g.dh;
        if (ih < 0 || ih >= g.H) continue;
        for (i64 j = 0; j < g.KW; ++j) {
          const i64 iw = ow * g.sw - g.pl + j * g.dw;
          if (iw < 0 || iw >= g.W) continue;
          const T* xp = ximg + (ih * g.W + iw) * C;
          T* wp = dw + (i * g.KW + j) * O;
          if (Og == 1) {
            for (i64 o = 0; o < O; ++o) wp[o] += xp[o] * d[o];
          } else {
            for (i64 c = 0; c < C; ++c) {
              const T xv = xp[c];
              for (i64 mm = 0; mm < Og; ++mm) wp[c * Og + mm] += xv * d[c * Og + mm];
            }
          }
        }
      }
    }
  }
}


// ---- vectorised direct kernels --------------------------------------------------------------
// Two shapes cover every real use of the direct path: one input channel feeding all O
// outputs (the first layer of an image model: x is broadcast, `kBroadcast`), and depthwise
// convolutions with depth_multiplier 1 (output channel o reads input channel o). Output
// channels are processed NB vectors at a time with the accumulators in registers; O must be a
// multiple of the vector width, otherwise the scalar loops above run.
template <class T>
bool direct_fast(const Geom& g) {
  return g.O % kLanes<T> == 0 && ((g.C == 1 && g.G == 1) || (g.Og == 1 && g.Cg == 1));
}

template <class T, int NB, bool kBroadcast>
inline void direct_fwd_block(const Geom& g, const T* ximg, const T* w, const T* bias, bool relu, T* out, i64 oh,
                             i64 ow, i64 o0) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  B acc[NB];
  for (int k = 0; k < NB; ++k) acc[k] = bias ? B::load_unaligned(bias + o0 + k * L) : B(T(0));
  for (i64 i = 0; i < g.KH; ++i) {
    const i64 ih = oh * g.sh - g.pt + i * g.dh;
    if (ih < 0 || ih >= g.H) continue;
    for (i64 j = 0; j < g.KW; ++j) {
      const i64 iw = ow * g.sw - g.pl + j * g.dw;
      if (iw < 0 || iw >= g.W) continue;
      const T* xp = ximg + (ih * g.W + iw) * g.C;
      const T* wp = w + (i * g.KW + j) * g.O + o0;
      if constexpr (kBroadcast) {
        const B xv(xp[0]);
        for (int k = 0; k < NB; ++k) acc[k] = xsimd::fma(xv, B::load_unaligned(wp + k * L), acc[k]);
      } else {
        for (int k = 0; k < NB; ++k)
          acc[k] = xsimd::fma(B::load_unaligned(xp + o0 + k * L), B::load_unaligned(wp + k * L), acc[k]);
      }
    }
  }
  for (int k = 0; k < NB; ++k) {
    if (relu) acc[k] = xsimd::select(acc[k] < B(T(0)), B(T(0)), acc[k]);  // keeps NaN
    acc[k].store_unaligned(out + o0 + k * L);
  }
}

template <class T, bool kBroadcast>
void direct_fwd_fast(const Geom& g, const T* x, const T* w, const T* bias, bool relu, T* y, i64 row0, i64 row1) {
  constexpr i64 L = kLanes<T>;
  for (i64 nr = row0; nr < row1; ++nr) {
    const i64 n = nr / g.OH, oh = nr % g.OH;
    const T* ximg = x + n * g.H * g.W * g.C;
    for (i64 ow = 0; ow < g.OW; ++ow) {
      T* out = y + (nr * g.OW + ow) * g.O;
      i64 o0 = 0;
      for (; o0 + 4 * L <= g.O; o0 += 4 * L) direct_fwd_block<T, 4, kBroadcast>(g, ximg, w, bias, relu, out, oh, ow, o0);
      for (; o0 < g.O; o0 += L) direct_fwd_block<T, 1, kBroadcast>(g, ximg, w, bias, relu, out, oh, ow, o0);
    }
  }
}

/// dw[tap, o] += sum over the output pixels of the lines [row0, row1) of x[.., tap] * dy[.., o]:
/// per line and tap, NB accumulators stream over the line's pixels (the dy line stays in L1).
template <class T, int NB, bool kBroadcast>
inline void direct_bwf_block(const Geom& g, const T* ximg, const T* dyl, T* dw, i64 oh, i64 i, i64 j, i64 o0) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  const i64 ih = oh * g.sh - g.pt + i * g.dh;
  if (ih < 0 || ih >= g.H) return;
  B acc[NB];
  for (int k = 0; k < NB; ++k) acc[k] = B(T(0));
  const T* xrow = ximg + ih * g.W * g.C;
  for (i64 ow = 0; ow < g.OW; ++ow) {
    const i64 iw = ow * g.sw - g.pl + j * g.dw;
    if (iw < 0 || iw >= g.W) continue;
    const T* xp = xrow + iw * g.C;
    const T* d = dyl + ow * g.O + o0;
    if constexpr (kBroadcast) {
      const B xv(xp[0]);
      for (int k = 0; k < NB; ++k) acc[k] = xsimd::fma(xv, B::load_unaligned(d + k * L), acc[k]);
    } else {
      for (int k = 0; k < NB; ++k)
        acc[k] = xsimd::fma(B::load_unaligned(xp + o0 + k * L), B::load_unaligned(d + k * L), acc[k]);
    }
  }
  T* wp = dw + (i * g.KW + j) * g.O + o0;
  for (int k = 0; k < NB; ++k) (B::load_unaligned(wp + k * L) + acc[k]).store_unaligned(wp + k * L);
}

template <class T, bool kBroadcast>
void direct_bwf_fast(const Geom& g, const T* x, const T* dy, T* dw, i64 row0, i64 row1) {
  constexpr i64 L = kLanes<T>;
  for (i64 nr = row0; nr < row1; ++nr) {
    const i64 n = nr / g.OH, oh = nr % g.OH;
    const T* ximg = x + n * g.H * g.W * g.C;
    const T* dyl = dy + nr * g.OW * g.O;
    for (i64 i = 0; i < g.KH; ++i)
      for (i64 j = 0; j < g.KW; ++j) {
        i64 o0 = 0;
        for (; o0 + 4 * L <= g.O; o0 += 4 * L) direct_bwf_block<T, 4, kBroadcast>(g, ximg, dyl, dw, oh, i, j, o0);
        for (; o0 < g.O; o0 += L) direct_bwf_block<T, 1, kBroadcast>(g, ximg, dyl, dw, oh, i, j, o0);
      }
  }
}

/// Depthwise (Og == 1) data gradient, vectorised over channels, for the images [n0, n1).
template <class T>
void depthwise_bwd_data_fast(const Geom& g, const T* dy, const T* w, T* dx, i64 n0, i64 n1) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  const i64 C = g.C;
  for (i64 n = n0; n < n1; ++n) {
    T* ximg = dx + n * g.H * g.W * C;
    for (i64 oh = 0; oh < g.OH; ++oh)
      for (i64 ow = 0; ow < g.OW; ++ow) {
        const T* d = dy + ((n * g.OH + oh) * g.OW + ow) * C;
        for (i64 i = 0; i < g.KH; ++i) {
          const i64 ih = oh * g.sh - g.pt + i * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (i64 j = 0; j < g.KW; ++j) {
            const i64 iw = ow * g.sw - g.pl + j * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            T* xp = ximg + (ih * g.W + iw) * C;
            const T* wp = w + (i * g.KW + j) * C;
            for (i64 c = 0; c < C; c += L)
              xsimd::fma(B::load_unaligned(d + c), B::load_unaligned(wp + c), B::load_unaligned(xp + c))
                  .store_unaligned(xp + c);
          }
        }
      }
  }
}

/// The tiled im2col + sgemm forward convolution (see the top of the file).
template <class T>
void forward_im2col(CpuBackend& be, ThreadPool& pool, const Geom& g, const T* X, const T* Wt, const T* B, bool relu,
                    T* Y) {
  const i64 rows = g.rows(), K = g.K();
  const i64 blk = tile_rows(rows, K, pool.num_threads());
  pool.run((rows + blk - 1) / blk, [&](i64 c) {
    const i64 r0 = c * blk, m = std::min(rows, r0 + blk) - r0;
    Scratch col(be, static_cast<std::size_t>(m * K) * sizeof(T));
    for (i64 grp = 0; grp < g.G; ++grp) {
      im2col<T>(g, X, r0, m, grp, col.as<T>());
      gemm<T>(false, false, m, g.Og, K, T(1), col.as<T>(), K, Wt + grp * g.Og, g.O, T(0), Y + r0 * g.O + grp * g.Og,
              g.O);
    }
    bias_relu_rows<T>(Y + r0 * g.O, m, g.O, B, relu);
  });
}

/// Backward data of a stride-1 convolution as a forward convolution of dy with the kernel
/// flipped in space and transposed in channels, (kh, kw, O, C), padded by
/// dilation * (k - 1) - pad: one sgemm with K = kh * kw * O per tile and no col2im scatter.
template <class T>
void backward_data_as_forward(CpuBackend& be, ThreadPool& pool, const Geom& g, const T* DY, const T* Wt, T* DX) {
  Geom t = g;
  t.H = g.OH;
  t.W = g.OW;
  t.C = g.O;
  t.OH = g.H;
  t.OW = g.W;
  t.O = g.C;
  t.Cg = g.O;
  t.Og = g.C;
  t.pt = g.dh * (g.KH - 1) - g.pt;
  t.pl = g.dw * (g.KW - 1) - g.pl;
  Scratch wf(be, static_cast<std::size_t>(g.KH * g.KW * g.C * g.O) * sizeof(T));
  T* F = wf.as<T>();
  for (i64 i = 0; i < g.KH; ++i)
    for (i64 j = 0; j < g.KW; ++j) {
      const T* src = Wt + ((g.KH - 1 - i) * g.KW + (g.KW - 1 - j)) * g.C * g.O;
      T* dst = F + (i * g.KW + j) * g.O * g.C;
      for (i64 c = 0; c < g.C; ++c)
        for (i64 o = 0; o < g.O; ++o) dst[o * g.C + c] = src[c * g.O + o];
    }
  forward_im2col<T>(be, pool, t, DY, F, nullptr, false, DX);
}

/// Splits [0, n) into `chunks` nearly equal contiguous parts.
inline i64 part(i64 n, i64 chunks, i64 c) { return n / chunks * c + std::min(c, n % chunks); }

/// Number of accumulation chunks for a reduction over `rows` rows costing `row_cost` each.
i64 reduce_chunks(ThreadPool& pool, i64 rows, i64 row_cost) {
  const i64 t = pool.num_threads();
  const i64 by_work = (rows * row_cost) / (i64{1} << 16);
  return std::clamp<i64>(std::min(by_work, rows), 1, 2 * t);
}

/// The oneDNN problem for a float32, ungrouped convolution (see onednn_conv.hpp).
onednn::ConvProblem onednn_problem(const Geom& g, bool bias, bool relu) {
  onednn::ConvProblem p;
  p.N = g.N, p.H = g.H, p.W = g.W, p.C = g.C, p.O = g.O, p.OH = g.OH, p.OW = g.OW;
  p.KH = g.KH, p.KW = g.KW, p.sh = g.sh, p.sw = g.sw, p.dh = g.dh, p.dw = g.dw, p.pt = g.pt, p.pl = g.pl;
  p.bias = bias;
  p.relu = relu;
  return p;
}

/// oneDNN's plan for this pass when it takes the convolution (float32, groups == 1), else null.
std::shared_ptr<const onednn::ConvPlan> onednn_plan(onednn::ConvPass pass, const Geom& g, DType dtype, bool bias,
                                                    bool relu, const ThreadPool& pool) {
  if (dtype != DType::Float32 || g.G != 1) return nullptr;  // conv_plan checks TEMPER_ONEDNN
  return onednn::conv_plan(pass, onednn_problem(g, bias, relu), pool.num_threads());
}

}  // namespace

// ==== forward ===============================================================================
void CpuBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y,
                                const Window2D& win, std::int64_t groups, bool fuse_relu) {
  const char* kernel = "conv2d_forward";
  const Geom g = make_geom(kernel, x, "x", w, y, "y", win, groups);
  if (bias) {
    check_tensor(kernel, *bias, "bias");
    if (bias->dtype() != x.dtype() || bias->numel() != g.O)
      fail_shape(kernel, "bias is " + describe(*bias) + "; expected " + std::to_string(g.O) + " values of " +
                             dtype_name(x.dtype()));
  }
  if (y.numel() == 0) return;
  if (auto plan = onednn_plan(onednn::ConvPass::Forward, g, x.dtype(), bias != nullptr, fuse_relu, pool_)) {
    Scratch scratch(*this, onednn::scratch_bytes(*plan));
    onednn::run_forward(*plan, pool_, scratch.as<void>(), x.data<float>(), w.data<float>(),
                        bias ? bias->data<float>() : nullptr, y.data<float>());
    return;
  }
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    const T* Wt = w.data<T>();
    const T* B = bias ? bias->data<T>() : nullptr;
    T* Y = y.data<T>();
    if (g.Cg == 1) {
      const i64 nrows = g.N * g.OH;
      const i64 row_cost = g.OW * g.KH * g.KW * g.O;
      pool_.parallel_for(nrows, std::max<i64>(1, kGrainCheap / std::max<i64>(row_cost, 1)), [&](i64 r0, i64 r1) {
        if (direct_fast<T>(g) && g.C == 1)
          direct_fwd_fast<T, true>(g, X, Wt, B, fuse_relu, Y, r0, r1);
        else if (direct_fast<T>(g))
          direct_fwd_fast<T, false>(g, X, Wt, B, fuse_relu, Y, r0, r1);
        else
          direct_forward_rows<T>(g, X, Wt, B, fuse_relu, Y, r0, r1);
      });
      return;
    }
    const i64 rows = g.rows(), K = g.K();
    if (g.pointwise()) {
      const i64 blk = tile_rows(rows, 4 * K, pool_.num_threads());
      pool_.run((rows + blk - 1) / blk, [&](i64 c) {
        const i64 r0 = c * blk, m = std::min(rows, r0 + blk) - r0;
        gemm<T>(false, false, m, g.O, K, T(1), X + r0 * g.C, g.C, Wt, g.O, T(0), Y + r0 * g.O, g.O);
        bias_relu_rows<T>(Y + r0 * g.O, m, g.O, B, fuse_relu);
      });
      return;
    }
    forward_im2col<T>(*this, pool_, g, X, Wt, B, fuse_relu, Y);
  });
}

// ==== backward data =========================================================================
void CpuBackend::conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx, const Window2D& win,
                                      std::int64_t groups) {
  const char* kernel = "conv2d_backward_data";
  const Geom g = make_geom(kernel, dx, "dx", w, dy, "dy", win, groups);
  if (dx.numel() == 0) return;
  if (auto plan = onednn_plan(onednn::ConvPass::BackwardData, g, dx.dtype(), false, false, pool_)) {
    Scratch scratch(*this, onednn::scratch_bytes(*plan));
    onednn::run_backward_data(*plan, pool_, scratch.as<void>(), dy.data<float>(), w.data<float>(), dx.data<float>());
    return;
  }
  dispatch_float(dx.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* DY = dy.data<T>();
    const T* Wt = w.data<T>();
    T* DX = dx.data<T>();
    const i64 img = g.H * g.W * g.C;
    const i64 K = g.K();
    if (g.pointwise()) {
      const i64 rows = g.rows();
      const i64 blk = tile_rows(rows, 4 * K, pool_.num_threads());
      pool_.run((rows + blk - 1) / blk, [&](i64 c) {
        const i64 r0 = c * blk, m = std::min(rows, r0 + blk) - r0;
        gemm<T>(false, true, m, g.C, g.O, T(1), DY + r0 * g.O, g.O, Wt, g.O, T(0), DX + r0 * g.C, g.C);
      });
      return;
    }
    // Stride 1 with the padding inside the kernel's reach: a forward convolution of dy.
    if (g.G == 1 && g.sh == 1 && g.sw == 1 && g.pt <= g.dh * (g.KH - 1) && g.pl <= g.dw * (g.KW - 1) &&
        g.OH + g.dh * (g.KH - 1) - g.pt >= g.H && g.OW + g.dw * (g.KW - 1) - g.pl >= g.W && g.Cg > 1) {
      backward_data_as_forward<T>(*this, pool_, g, DY, Wt, DX);
      return;
    }
    // Whole images per chunk: windows of different images never overlap.
    const i64 per_image_cost = g.image_rows() * g.O * K;
    const i64 img_grain = std::max<i64>(1, (i64{1} << 18) / std::max<i64>(per_image_cost, 1));
    if (g.Cg == 1) {
      pool_.parallel_for(g.N, img_grain, [&](i64 n0, i64 n1) {
        std::memset(DX + n0 * img, 0, static_cast<std::size_t>((n1 - n0) * img) * sizeof(T));
        if (direct_fast<T>(g) && g.Og == 1)
          depthwise_bwd_data_fast<T>(g, DY, Wt, DX, n0, n1);
        else
          direct_backward_data_images<T>(g, DY, Wt, DX, n0, n1);
      });
      return;
    }
    pool_.parallel_for(g.N, img_grain, [&](i64 n0, i64 n1) {
      std::memset(DX + n0 * img, 0, static_cast<std::size_t>((n1 - n0) * img) * sizeof(T));
      const i64 rbeg = n0 * g.image_rows(), rend = n1 * g.image_rows();
      const i64 blk = std::min<i64>(rend - rbeg, std::clamp<i64>(kTileElems / std::max<i64>(K, 1), 16, 4096));
      if (blk <= 0) return;
      Scratch col(*this, static_cast<std::size_t>(blk * K) * sizeof(T));
      for (i64 r0 = rbeg; r0 < rend; r0 += blk) {
        const i64 m = std::min(rend, r0 + blk) - r0;
        for (i64 grp = 0; grp < g.G; ++grp) {
          // col (m x K) = dy_g (m x Og) @ w_g^T, w_g being (K x Og) with row stride O.
          gemm<T>(false, true, m, K, g.Og, T(1), DY + r0 * g.O + grp * g.Og, g.O, Wt + grp * g.Og, g.O, T(0),
                  col.as<T>(), K);
          col2im_add<T>(g, col.as<T>(), r0, m, grp, DX);
        }
      }
    });
  });
}

// ==== backward filter =======================================================================
void CpuBackend::conv2d_backward_filter(const Tensor& x, const Tensor& dy, Tensor& dw, const Window2D& win,
                                        std::int64_t groups) {
  const char* kernel = "conv2d_backward_filter";
  const Geom g = make_geom(kernel, x, "x", dw, dy, "dy", win, groups);
  if (dw.numel() == 0) return;
  if (g.rows() > 0) {
    if (auto plan = onednn_plan(onednn::ConvPass::BackwardWeights, g, x.dtype(), false, false, pool_)) {
      Scratch scratch(*this, onednn::scratch_bytes(*plan));
      onednn::run_backward_weights(*plan, pool_, scratch.as<void>(), x.data<float>(), dy.data<float>(),
                                   dw.data<float>());
      return;
    }
  }
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    const T* DY = dy.data<T>();
    T* DW = dw.data<T>();
    const i64 K = g.K(), wsize = dw.numel();
    if (g.rows() == 0) {
      std::memset(DW, 0, static_cast<std::size_t>(wsize) * sizeof(T));
      return;
    }
    // Rows of the reduction: (n, oh) lines for the direct kernel, output pixels otherwise.
    const bool direct = g.Cg == 1;
    const i64 rows = direct ? g.N * g.OH : g.rows();
    const i64 row_cost = direct ? g.OW * g.KH * g.KW * g.O : K * g.O;
    const i64 chunks = reduce_chunks(pool_, rows, row_cost);
    Scratch partial(*this, static_cast<std::size_t>(chunks * wsize) * sizeof(T));
    T* P = partial.as<T>();
    pool_.run(chunks, [&](i64 c) {
      T* acc = P + c * wsize;
      std::memset(acc, 0, static_cast<std::size_t>(wsize) * sizeof(T));
      const i64 rbeg = part(rows, chunks, c), rend = part(rows, chunks, c + 1);
      if (direct) {
        if (direct_fast<T>(g) && g.C == 1)
          direct_bwf_fast<T, true>(g, X, DY, acc, rbeg, rend);
        else if (direct_fast<T>(g))
          direct_bwf_fast<T, false>(g, X, DY, acc, rbeg, rend);
        else
          direct_backward_filter_rows<T>(g, X, DY, acc, rbeg, rend);
        return;
      }
      if (g.pointwise()) {
        gemm<T>(true, false, K, g.O, rend - rbeg, T(1), X + rbeg * g.C, g.C, DY + rbeg * g.O, g.O, T(0), acc, g.O);
        return;
      }
      const i64 blk = std::min<i64>(rend - rbeg, std::clamp<i64>(kTileElems / std::max<i64>(K, 1), 16, 4096));
      if (blk <= 0) return;
      Scratch col(*this, static_cast<std::size_t>(blk * K) * sizeof(T));
      for (i64 r0 = rbeg; r0 < rend; r0 += blk) {
        const i64 m = std::min(rend, r0 + blk) - r0;
        for (i64 grp = 0; grp < g.G; ++grp) {
          im2col<T>(g, X, r0, m, grp, col.as<T>());
          // dw_g (K x Og, row stride O) += col^T (K x m) @ dy_g (m x Og)
          gemm<T>(true, false, K, g.Og, m, T(1), col.as<T>(), K, DY + r0 * g.O + grp * g.Og, g.O, T(1),
                  acc + grp * g.Og, g.O);
        }
      }
    });
    // Sum the partials into dw.
    pool_.parallel_for(wsize, kGrainCheap, [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i) {
        T s = P[i];
        for (i64 c = 1; c < chunks; ++c) s += P[c * wsize + i];
        DW[i] = s;
      }
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
