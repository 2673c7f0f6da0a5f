// pool_kernels.cpp — max/average pooling, global pooling, zero padding / cropping and
// upsampling over NHWC tensors, forward and backward.
//
// Channels are the innermost axis, so every kernel's inner loop runs over a contiguous run of
// C values that the compiler vectorises (-O3); work is split over the thread pool by output
// lines (n, oh) in the forward passes and by whole images in backward passes whose windows
// may overlap, so no two threads ever add into the same element.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

using Window = Backend::Window2D;

struct PoolGeom {
  i64 N, H, W, C, OH, OW;
};

PoolGeom pool_geom(const char* kernel, const Tensor& x, const Tensor& y, const Window& win) {
  check_float(kernel, x, "x");
  check_tensor(kernel, y, "y");
  if (x.rank() != 4 || y.rank() != 4 || y.dtype() != x.dtype() || y.shape()[0] != x.shape()[0] ||
      y.shape()[3] != x.shape()[3])
    fail_shape(kernel, "x is " + describe(x) + " and y is " + describe(y) +
                           "; expected NHWC tensors (N, H, W, C) and (N, OH, OW, C) of one float dtype");
  if (win.kernel_h < 1 || win.kernel_w < 1 || win.stride_h < 1 || win.stride_w < 1 || win.dilation_h != 1 ||
      win.dilation_w != 1 || win.pad_top < 0 || win.pad_left < 0)
    fail_value(kernel, "pool window " + std::to_string(win.kernel_h) + "x" + std::to_string(win.kernel_w) +
                           " with strides " + std::to_string(win.stride_h) + "x" + std::to_string(win.stride_w) +
                           ": expected sizes and strides >= 1, no dilation and paddings >= 0");
  return {x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3], y.shape()[1], y.shape()[2]};
}

/// The clipped window [i0, i1) x [j0, j1) of output (oh, ow).
struct Span {
  i64 i0, i1, j0, j1;
};
inline Span window_of(const PoolGeom& g, const Window& win, i64 oh, i64 ow) {
  const i64 h0 = oh * win.stride_h - win.pad_top, w0 = ow * win.stride_w - win.pad_left;
  return {std::max<i64>(h0, 0), std::min(g.H, h0 + win.kernel_h), std::max<i64>(w0, 0),
          std::min(g.W, w0 + win.kernel_w)};
}


/// out[c] = max (or mean) of the window s, vectorised over channels (C a multiple of the width).
template <class T>
inline void pool_window_fast(bool is_max, const T* ximg, i64 W, i64 C, const Span& s, i64 count, T* out) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  const T inv = T(1) / static_cast<T>(count);
  for (i64 c = 0; c < C; c += L) {
    B acc = is_max ? B(-std::numeric_limits<T>::infinity()) : B(T(0));
    for (i64 i = s.i0; i < s.i1; ++i)
      for (i64 j = s.j0; j < s.j1; ++j) {
        const B v = B::load_unaligned(ximg + (i * W + j) * C + c);
        acc = is_max ? max_nan(acc, v) : acc + v;
      }
    if (!is_max) acc *= B(inv);
    acc.store_unaligned(out + c);
  }
}

/// Adds one output pixel's gradient d into its window of dx: to the first position equal to
/// the maximum (max pooling) or spread evenly (average pooling). A window holding NaN has
/// the maximum NaN, and its gradient goes to the first NaN (PyTorch's argmax does the same).
template <class T>
inline void pool_window_backward_fast(bool is_max, const T* ximg, T* dximg, const T* yo, const T* d, i64 W, i64 C,
                                      const Span& s) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  const T inv = T(1) / static_cast<T>((s.i1 - s.i0) * (s.j1 - s.j0));
  for (i64 c = 0; c < C; c += L) {
    B pend = B::load_unaligned(d + c);
    if (!is_max) pend *= B(inv);
    const B yv = is_max ? B::load_unaligned(yo + c) : B(T(0));
    for (i64 i = s.i0; i < s.i1; ++i)
      for (i64 j = s.j0; j < s.j1; ++j) {
        T* q = dximg + (i * W + j) * C + c;
        if (!is_max) {
          (B::load_unaligned(q) + pend).store_unaligned(q);
          continue;
        }
        const B xv = B::load_unaligned(ximg + (i * W + j) * C + c);
        const auto hit = (xv == yv) || xsimd::isnan(xv);
        (B::load_unaligned(q) + xsimd::select(hit, pend, B(T(0)))).store_unaligned(q);
        pend = xsimd::select(hit, B(T(0)), pend);
      }
  }
}

/// Backward of one output line of a pooling whose windows tile the input exactly: writes the
/// input rows [oh * kh, (oh + 1) * kh) of dx (and, for the last line, the rows below that no
/// window covers), zero where no gradient lands.
template <class T>
inline void pool_line_backward_tiled(bool is_max, const PoolGeom& g, const Window& win, const T* X, const T* Y,
                                     const T* DY, T* DX, i64 n, i64 oh) {
  using B = Batch<T>;
  constexpr i64 L = kLanes<T>;
  const i64 C = g.C, kh = win.kernel_h, kw = win.kernel_w;
  const i64 img = g.H * g.W * C;
  const T* ximg = X + n * img;
  T* dximg = DX + n * img;
  const T inv = T(1) / static_cast<T>(kh * kw);
  const B zero(T(0));
  for (i64 ow = 0; ow < g.OW; ++ow) {
    const i64 o = ((n * g.OH + oh) * g.OW + ow) * C;
    for (i64 c = 0; c < C; c += L) {
      B pend = B::load_unaligned(DY + o + c);
      if (!is_max) pend *= B(inv);
      const B yv = is_max ? B::load_unaligned(Y + o + c) : zero;
      for (i64 i = oh * kh; i < oh * kh + kh; ++i)
        for (i64 j = ow * kw; j < ow * kw + kw; ++j) {
          const i64 off = (i * g.W + j) * C + c;
          if (!is_max) {
            pend.store_unaligned(dximg + off);
            continue;
          }
          const B xv = B::load_unaligned(ximg + off);
          const auto hit = (xv == yv) || xsimd::isnan(xv);
          xsimd::select(hit, pend, zero).store_unaligned(dximg + off);
          pend = xsimd::select(hit, zero, pend);
        }
    }
  }
  // Columns right of the last window, and rows below the last line.
  const i64 row_end = oh == g.OH - 1 ? g.H : oh * kh + kh;
  for (i64 i = oh * kh; i < row_end; ++i) {
    const i64 from = i < g.OH * kh ? g.OW * kw : 0;
    if (from < g.W)
      std::memset(dximg + (i * g.W + from) * C, 0, static_cast<std::size_t>((g.W - from) * C) * sizeof(T));
  }
}

}  // namespace

// ==== pooling ===============================================================================
void CpuBackend::pool2d_forward(bool is_max, const Tensor& x, Tensor& y, const Window2D& win) {
  const char* kernel = is_max ? "max_pool2d" : "avg_pool2d";
  const PoolGeom g = pool_geom(kernel, x, y, win);
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    T* Y = y.data<T>();
    const i64 C = g.C;
    const i64 line_cost = g.OW * win.kernel_h * win.kernel_w * C;
    pool_.parallel_for(g.N * g.OH, std::max<i64>(1, kGrainCheap / std::max<i64>(line_cost, 1)), [&](i64 l0, i64 l1) {
      for (i64 l = l0; l < l1; ++l) {
        const i64 n = l / g.OH, oh = l % g.OH;
        const T* ximg = X + n * g.H * g.W * C;
        for (i64 ow = 0; ow < g.OW; ++ow) {
          T* out = Y + (l * g.OW + ow) * C;
          const Span s = window_of(g, win, oh, ow);
          const i64 count = std::max<i64>(0, s.i1 - s.i0) * std::max<i64>(0, s.j1 - s.j0);
          if (count == 0) {
            std::memset(out, 0, static_cast<std::size_t>(C) * sizeof(T));
            continue;
          }
          if (C % kLanes<T> == 0) {
            pool_window_fast<T>(is_max, ximg, g.W, C, s, count, out);
            continue;
          }
          const T* first = ximg + (s.i0 * g.W + s.j0) * C;
          std::memcpy(out, first, static_cast<std::size_t>(C) * sizeof(T));
          for (i64 i = s.i0; i < s.i1; ++i)
            for (i64 j = (i == s.i0 ? s.j0 + 1 : s.j0); j < s.j1; ++j) {
              const T* p = ximg + (i * g.W + j) * C;
              if (is_max)
                for (i64 c = 0; c < C; ++c) out[c] = max_nan(out[c], p[c]);
              else
                for (i64 c = 0; c < C; ++c) out[c] += p[c];
            }
          if (!is_max) {
            const T inv = T(1) / static_cast<T>(count);
            for (i64 c = 0; c < C; ++c) out[c] *= inv;
          }
        }
      }
    });
  });
}

void CpuBackend::pool2d_backward(bool is_max, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                                 const Window2D& win) {
  const char* kernel = is_max ? "max_pool2d_backward" : "avg_pool2d_backward";
  const PoolGeom g = pool_geom(kernel, x, y, win);
  check_same_shape(kernel, y, "y", dy, "dy");
  check_same_shape(kernel, x, "x", dx, "dx");
  if (dx.numel() == 0) return;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    const T* Y = y.data<T>();
    const T* DY = dy.data<T>();
    T* DX = dx.data<T>();
    const i64 C = g.C, img = g.H * g.W * C;
    // Windows that tile the input exactly (stride == pool, no padding; the Keras default):
    // every dx element is written once, with no zeroing pass and no read-modify-write.
    // "same" padding of an odd size also has pad_top == 0 but a last window that runs past
    // the input (bottom / right padding): those take the general path below.
    if (win.stride_h == win.kernel_h && win.stride_w == win.kernel_w && win.pad_top == 0 && win.pad_left == 0 &&
        g.OH * win.kernel_h <= g.H && g.OW * win.kernel_w <= g.W && C % kLanes<T> == 0) {
      pool_.parallel_for(g.N * g.OH, std::max<i64>(1, kGrainCheap / std::max<i64>(g.W * win.kernel_h * C, 1)),
                         [&](i64 l0, i64 l1) {
                           for (i64 l = l0; l < l1; ++l)
                             pool_line_backward_tiled<T>(is_max, g, win, X, Y, DY, DX, l / g.OH, l % g.OH);
                         });
      return;
    }
    // Windows that do not overlap can be split by output lines; overlapping ones by image.
    const bool disjoint = win.stride_h >= win.kernel_h;
    const i64 units = disjoint ? g.N * g.OH : g.N;
    const i64 unit_cost = (disjoint ? 1 : g.OH) * g.OW * win.kernel_h * win.kernel_w * C;
    pool_.parallel_for(units, std::max<i64>(1, kGrainCheap / std::max<i64>(unit_cost, 1)), [&](i64 u0, i64 u1) {
      Scratch pend_buf(*this, static_cast<std::size_t>(C) * sizeof(T));
      T* pend = pend_buf.as<T>();
      // Zero the part of dx this chunk owns.
      if (disjoint) {
        for (i64 u = u0; u < u1; ++u) {
          const i64 n = u / g.OH, oh = u % g.OH;
          const i64 h0 = oh * win.stride_h - win.pad_top;
          // Rows [h0, h0 + stride) belong to this line (the first line also owns the rows
          // before it, the last one the rows after it).
          const i64 rb = oh == 0 ? 0 : std::clamp<i64>(h0, 0, g.H);
          const i64 re = oh == g.OH - 1 ? g.H : std::clamp<i64>(h0 + win.stride_h, 0, g.H);
          if (re > rb)
            std::memset(DX + n * img + rb * g.W * C, 0, static_cast<std::size_t>((re - rb) * g.W * C) * sizeof(T));
        }
      } else {
        std::memset(DX + u0 * img, 0, static_cast<std::size_t>((u1 - u0) * img) * sizeof(T));
      }
      for (i64 u = u0; u < u1; ++u) {
        const i64 n = disjoint ? u / g.OH : u;
        const i64 oh_b = disjoint ? u % g.OH : 0, oh_e = disjoint ? oh_b + 1 : g.OH;
        const T* ximg = X + n * img;
        T* dximg = DX + n * img;
        for (i64 oh = oh_b; oh < oh_e; ++oh)
          for (i64 ow = 0; ow < g.OW; ++ow) {
            const i64 o = ((n * g.OH + oh) * g.OW + ow) * C;
            const Span s = window_of(g, win, oh, ow);
            if (s.i1 <= s.i0 || s.j1 <= s.j0) continue;
            const T* d = DY + o;
            if (C % kLanes<T> == 0) {
              pool_window_backward_fast<T>(is_max, ximg, dximg, Y + o, d, g.W, C, s);
              continue;
            }
            if (is_max) {
              const T* yo = Y + o;
              std::memcpy(pend, d, static_cast<std::size_t>(C) * sizeof(T));
              for (i64 i = s.i0; i < s.i1; ++i)
                for (i64 j = s.j0; j < s.j1; ++j) {
                  const T* p = ximg + (i * g.W + j) * C;
                  T* q = dximg + (i * g.W + j) * C;
                  for (i64 c = 0; c < C; ++c) {
                    const bool hit = p[c] == yo[c] || p[c] != p[c];
                    q[c] += hit ? pend[c] : T(0);
                    pend[c] = hit ? T(0) : pend[c];
                  }
                }
            } else {
              const T inv = T(1) / static_cast<T>((s.i1 - s.i0) * (s.j1 - s.j0));
              for (i64 i = s.i0; i < s.i1; ++i)
                for (i64 j = s.j0; j < s.j1; ++j) {
                  T* q = dximg + (i * g.W + j) * C;
                  for (i64 c = 0; c < C; ++c) q[c] += d[c] * inv;
                }
            }
          }
      }
    });
  });
}

// ==== global pooling ========================================================================
namespace {
void global_geom(const char* kernel, const Tensor& x, const Tensor& y, i64& N, i64& S, i64& C) {
  check_float(kernel, x, "x");
  check_tensor(kernel, y, "y");
  if (x.rank() < 3 || y.dtype() != x.dtype() || y.numel() != x.shape()[0] * x.shape().back())
    fail_shape(kernel, "x is " + describe(x) + " and y is " + describe(y) +
                           "; expected x (N, ..., C) of rank >= 3 and y holding N * C values of the same dtype");
  N = x.shape()[0];
  C = x.shape().back();
  S = N * C == 0 ? 0 : x.numel() / (N * C);
}
}  // namespace

void CpuBackend::global_pool_forward(bool is_max, const Tensor& x, Tensor& y) {
  const char* kernel = is_max ? "global_max_pool" : "global_avg_pool";
  i64 N, S, C;
  global_geom(kernel, x, y, N, S, C);
  if (y.numel() == 0) return;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    T* Y = y.data<T>();
    pool_.parallel_for(N, std::max<i64>(1, kGrainCheap / std::max<i64>(S * C, 1)), [&](i64 n0, i64 n1) {
      for (i64 n = n0; n < n1; ++n) {
        T* out = Y + n * C;
        const T* p = X + n * S * C;
        if (S == 0) {
          for (i64 c = 0; c < C; ++c) out[c] = is_max ? -std::numeric_limits<T>::infinity() : T(0);
          continue;
        }
        std::memcpy(out, p, static_cast<std::size_t>(C) * sizeof(T));
        for (i64 s = 1; s < S; ++s) {
          const T* q = p + s * C;
          if (is_max)
            for (i64 c = 0; c < C; ++c) out[c] = max_nan(out[c], q[c]);
          else
            for (i64 c = 0; c < C; ++c) out[c] += q[c];
        }
        if (!is_max) {
          const T inv = T(1) / static_cast<T>(S);
          for (i64 c = 0; c < C; ++c) out[c] *= inv;
        }
      }
    });
  });
}

void CpuBackend::global_pool_backward(bool is_max, const Tensor& x, const Tensor& y, const Tensor& dy,
                                      Tensor& dx) {
  const char* kernel = is_max ? "global_max_pool_backward" : "global_avg_pool_backward";
  i64 N, S, C;
  global_geom(kernel, x, y, N, S, C);
  check_like(kernel, y, "y", dy, "dy");
  check_like(kernel, x, "x", dx, "dx");
  if (dx.numel() == 0) return;
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    const T* Y = y.data<T>();
    const T* DY = dy.data<T>();
    T* DX = dx.data<T>();
    pool_.parallel_for(N, std::max<i64>(1, kGrainCheap / std::max<i64>(S * C, 1)), [&](i64 n0, i64 n1) {
      Scratch sbuf(*this, static_cast<std::size_t>(C) * sizeof(T));
      T* scale = sbuf.as<T>();
      for (i64 n = n0; n < n1; ++n) {
        const T* d = DY + n * C;
        const T* p = X + n * S * C;
        T* q = DX + n * S * C;
        if (!is_max) {
          const T inv = T(1) / static_cast<T>(S);
          for (i64 c = 0; c < C; ++c) scale[c] = d[c] * inv;
          for (i64 s = 0; s < S; ++s)
            for (i64 c = 0; c < C; ++c) q[s * C + c] = scale[c];
          continue;
        }
        // The gradient is shared by the positions equal to the maximum; where the maximum is
        // NaN, by the NaN positions.
        const T* yo = Y + n * C;
        auto hit = [](T v, T m) { return v == m || v != v; };
        for (i64 c = 0; c < C; ++c) scale[c] = T(0);
        for (i64 s = 0; s < S; ++s)
          for (i64 c = 0; c < C; ++c) scale[c] += hit(p[s * C + c], yo[c]) ? T(1) : T(0);
        for (i64 c = 0; c < C; ++c) scale[c] = scale[c] > T(0) ? d[c] / scale[c] : T(0);
        for (i64 s = 0; s < S; ++s)
          for (i64 c = 0; c < C; ++c) q[s * C + c] = hit(p[s * C + c], yo[c]) ? scale[c] : T(0);
      }
    });
  });
}

// ==== zero padding / cropping ===============================================================
void CpuBackend::pad_crop2d(const Tensor& x, Tensor& y, std::int64_t offset_h, std::int64_t offset_w) {
  const char* kernel = "pad_crop2d";
  check_tensor(kernel, x, "x");
  check_tensor(kernel, y, "y");
  if (x.rank() != 4 || y.rank() != 4 || x.dtype() != y.dtype() || x.shape()[0] != y.shape()[0] ||
      x.shape()[3] != y.shape()[3])
    fail_shape(kernel, "x is " + describe(x) + " and y is " + describe(y) +
                           "; expected NHWC tensors with the same batch, channels and dtype");
  const i64 N = x.shape()[0], H = x.shape()[1], W = x.shape()[2], C = x.shape()[3];
  const i64 OH = y.shape()[1], OW = y.shape()[2];
  if (y.numel() == 0) return;
  const std::size_t es = dtype_size(x.dtype());
  const auto* X = x.data<unsigned char>();
  auto* Y = y.data<unsigned char>();
  // Output columns [j0, j1) read x; the rest are zero.
  const i64 j0 = std::clamp<i64>(-offset_w, 0, OW), j1 = std::clamp<i64>(W - offset_w, j0, OW);
  pool_.parallel_for(N * OH, std::max<i64>(1, kGrainCopy / std::max<i64>(OW * C, 1)), [&](i64 l0, i64 l1) {
    for (i64 l = l0; l < l1; ++l) {
      const i64 n = l / OH, i = l % OH, ih = i + offset_h;
      unsigned char* out = Y + static_cast<std::size_t>(l * OW * C) * es;
      if (ih < 0 || ih >= H || j1 <= j0) {
        std::memset(out, 0, static_cast<std::size_t>(OW * C) * es);
        continue;
      }
      if (j0 > 0) std::memset(out, 0, static_cast<std::size_t>(j0 * C) * es);
      std::memcpy(out + static_cast<std::size_t>(j0 * C) * es,
                  X + static_cast<std::size_t>(((n * H + ih) * W + j0 + offset_w) * C) * es,
                  static_cast<std::size_t>((j1 - j0) * C) * es);
      if (j1 < OW) std::memset(out + static_cast<std::size_t>(j1 * C) * es, 0, static_cast<std::size_t>((OW - j1) * C) * es);
    }
  });
}

// ==== upsampling ============================================================================
namespace {
/// Half-pixel bilinear source coordinate of output index o (TF resize, half_pixel_centers).
struct Lerp {
  i64 lo, hi;
  double frac;
};
inline Lerp lerp_of(i64 o, i64 in, i64 out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  double src = (static_cast<double>(o) + 0.5) * scale - 0.5;
  if (src < 0) src = 0;
  i64 lo = static_cast<i64>(std::floor(src));
  if (lo > in - 1) lo = in - 1;
  const i64 hi = std::min(lo + 1, in - 1);
  return {lo, hi, src - static_cast<double>(lo)};
}

void upsample_geom(const char* kernel, const Tensor& small, const char* sn, const Tensor& big, const char* bn,
                   i64& sh, i64& sw) {
  check_float(kernel, small, sn);
  check_tensor(kernel, big, bn);
  const bool ok = small.rank() == 4 && big.rank() == 4 && small.dtype() == big.dtype() &&
                  small.shape()[0] == big.shape()[0] && small.shape()[3] == big.shape()[3] && small.shape()[1] > 0 &&
                  small.shape()[2] > 0 && big.shape()[1] % small.shape()[1] == 0 &&
                  big.shape()[2] % small.shape()[2] == 0;
  if (!ok)
    fail_shape(kernel, std::string(sn) + " is " + describe(small) + " and " + bn + " is " + describe(big) +
                           "; expected NHWC tensors whose height and width are whole multiples");
  sh = big.shape()[1] / small.shape()[1];
  sw = big.shape()[2] / small.shape()[2];
}
}  // namespace

void CpuBackend::upsample2d(const Tensor& x, Tensor& y, bool bilinear) {
  const char* kernel = "upsample2d";
  i64 sh, sw;
  if (x.numel() == 0 || y.numel() == 0) return;
  upsample_geom(kernel, x, "x", y, "y", sh, sw);
  const i64 H = x.shape()[1], W = x.shape()[2], C = x.shape()[3], OH = y.shape()[1], OW = y.shape()[2];
  const i64 N = x.shape()[0];
  dispatch_float(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* X = x.data<T>();
    T* Y = y.data<T>();
    pool_.parallel_for(N * OH, std::max<i64>(1, kGrainCopy / std::max<i64>(OW * C, 1)), [&](i64 l0, i64 l1) {
      for (i64 l = l0; l < l1; ++l) {
        const i64 n = l / OH, i = l % OH;
        T* out = Y + l * OW * C;
        if (!bilinear) {
          const T* row = X + (n * H + i / sh) * W * C;
          for (i64 j = 0; j < OW; ++j)
            std::memcpy(out + j * C, row + (j / sw) * C, static_cast<std::size_t>(C) * sizeof(T));
          continue;
        }
        const Lerp li = lerp_of(i, H, OH);
        const T* r0 = X + (n * H + li.lo) * W * C;
        const T* r1 = X + (n * H + li.hi) * W * C;
        const T fy = static_cast<T>(li.frac);
        for (i64 j = 0; j < OW; ++j) {
          const Lerp lj = lerp_of(j, W, OW);
          const T fx = static_cast<T>(lj.frac);
          const T *a = r0 + lj.lo * C, *b = r0 + lj.hi * C, *c0 = r1 + lj.lo * C, *d = r1 + lj.hi * C;
          T* o = out + j * C;
          for (i64 c = 0; c < C; ++c) {
            const T top = a[c] + (b[c] - a[c]) * fx;
            const T bot = c0[c] + (d[c] - c0[c]) * fx;
            o[c] = top + (bot - top) * fy;
          }
        }
      }
    });
  });
}

void CpuBackend::upsample2d_backward(const Tensor& dy, Tensor& dx, bool bilinear) {
  const char* kernel = "upsample2d_backward";
  i64 sh, sw;
  if (dx.numel() == 0) return;
  upsample_geom(kernel, dx, "dx", dy, "dy", sh, sw);
  const i64 N = dx.shape()[0], H = dx.shape()[1], W = dx.shape()[2], C = dx.shape()[3];
  const i64 OH = dy.shape()[1], OW = dy.shape()[2];
  dispatch_float(dx.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* DY = dy.data<T>();
    T* DX = dx.data<T>();
    if (!bilinear) {
      // Each dx line sums its sh x sw blocks of dy: lines are independent.
      pool_.parallel_for(N * H, std::max<i64>(1, kGrainCheap / std::max<i64>(sh * OW * C, 1)), [&](i64 l0, i64 l1) {
        for (i64 l = l0; l < l1; ++l) {
          const i64 n = l / H, h = l % H;
          T* out = DX + l * W * C;
          std::memset(out, 0, static_cast<std::size_t>(W * C) * sizeof(T));
          for (i64 a = 0; a < sh; ++a) {
            const T* row = DY + (n * OH + h * sh + a) * OW * C;
            for (i64 j = 0; j < OW; ++j) {
              T* o = out + (j / sw) * C;
              const T* s = row + j * C;
              for (i64 c = 0; c < C; ++c) o[c] += s[c];
            }
          }
        }
      });
      return;
    }
    const i64 img = H * W * C;
    pool_.parallel_for(N, std::max<i64>(1, kGrainCheap / std::max<i64>(OH * OW * C, 1)), [&](i64 n0, i64 n1) {
      std::memset(DX + n0 * img, 0, static_cast<std::size_t>((n1 - n0) * img) * sizeof(T));
      for (i64 n = n0; n < n1; ++n)
        for (i64 i = 0; i < OH; ++i) {
          const Lerp li = lerp_of(i, H, OH);
          T* r0 = DX + (n * H + li.lo) * W * C;
          T* r1 = DX + (n * H + li.hi) * W * C;
          const T fy = static_cast<T>(li.frac);
          const T* row = DY + (n * OH + i) * OW * C;
          for (i64 j = 0; j < OW; ++j) {
            const Lerp lj = lerp_of(j, W, OW);
            const T fx = static_cast<T>(lj.frac);
            const T* g = row + j * C;
            T *a = r0 + lj.lo * C, *b = r0 + lj.hi * C, *c0 = r1 + lj.lo * C, *d = r1 + lj.hi * C;
            const T wa = (T(1) - fy) * (T(1) - fx), wb = (T(1) - fy) * fx, wc = fy * (T(1) - fx), wd = fy * fx;
            for (i64 c = 0; c < C; ++c) {
              a[c] += g[c] * wa;
              b[c] += g[c] * wb;
              c0[c] += g[c] * wc;
              d[c] += g[c] * wd;
            }
          }
        }
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
