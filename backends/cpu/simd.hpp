// simd.hpp — xsimd loop drivers: a functor written once for xsimd::batch<T> runs over any
// length, the ragged tail going through a zero-padded batch.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>

#include <xsimd/xsimd.hpp>

namespace temper::cpu::TEMPER_CPU_KERNELS {

template <class T>
using Batch = xsimd::batch<T>;

template <class T>
inline constexpr std::int64_t kLanes = static_cast<std::int64_t>(Batch<T>::size);

/// A batch holding the r < lanes elements at p, zero-padded.
template <class T>
inline Batch<T> load_partial(const T* p, std::int64_t r) noexcept {
  alignas(64) T buf[Batch<T>::size] = {};
  std::memcpy(buf, p, static_cast<std::size_t>(r) * sizeof(T));
  return Batch<T>::load_aligned(buf);
}

template <class T>
inline void store_partial(const Batch<T>& v, T* p, std::int64_t r) noexcept {
  alignas(64) T buf[Batch<T>::size];
  v.store_aligned(buf);
  std::memcpy(p, buf, static_cast<std::size_t>(r) * sizeof(T));
}

// The loop drivers are flattened: everything f calls (xsimd's exp, tanh, erf ...) is inlined
// into the loop, instead of one out-of-line call per vector when a translation unit uses a
// function many times.
#if defined(__GNUC__)
#define TEMPER_FLATTEN [[gnu::flatten]]
#else
#define TEMPER_FLATTEN
#endif

/// out[i] = f(in0[i], in1[i], ...) for i < n. `out` may equal an input.
template <class T, class F, class... In>
TEMPER_FLATTEN inline void simd_map(std::int64_t n, F&& f, T* out, const In*... in) {
  constexpr std::int64_t W = kLanes<T>;
  std::int64_t i = 0;
  for (; i + W <= n; i += W) f(Batch<T>::load_unaligned(in + i)...).store_unaligned(out + i);
  if (i < n) store_partial<T>(f(load_partial<T>(in + i, n - i)...), out + i, n - i);
}

/// f(in, io) over n elements where `in` holds read-only batches and `io` batches that f
/// updates in place and that are stored back.
template <class T, std::size_t NI, std::size_t NO, class F>
TEMPER_FLATTEN inline void simd_update(std::int64_t n, F&& f, const std::array<const T*, NI>& in,
                        const std::array<T*, NO>& io) {
  constexpr std::int64_t W = kLanes<T>;
  std::array<Batch<T>, NI> bi;
  std::array<Batch<T>, NO> bo;
  std::int64_t i = 0;
  for (; i + W <= n; i += W) {
    for (std::size_t k = 0; k < NI; ++k) bi[k] = Batch<T>::load_unaligned(in[k] + i);
    for (std::size_t k = 0; k < NO; ++k) bo[k] = Batch<T>::load_unaligned(io[k] + i);
    f(bi, bo);
    for (std::size_t k = 0; k < NO; ++k) bo[k].store_unaligned(io[k] + i);
  }
  if (i < n) {
    const std::int64_t r = n - i;
    for (std::size_t k = 0; k < NI; ++k) bi[k] = load_partial<T>(in[k] + i, r);
    for (std::size_t k = 0; k < NO; ++k) bo[k] = load_partial<T>(io[k] + i, r);
    f(bi, bo);
    for (std::size_t k = 0; k < NO; ++k) store_partial<T>(bo[k], io[k] + i, r);
  }
}

// NaN-propagating max / min. xsimd::max is the x86 maxps, which returns its second operand
// whenever either is NaN, so a NaN input would silently vanish (TensorFlow and PyTorch
// propagate it). `a < b` is false when either is NaN, so a NaN `a` is kept by the select and
// a NaN `b` is picked by the second test. NaN tests on batches use xsimd::isnan: xsimd's
// batch `!=` is the ordered compare on AVX and AVX-512 (NaN != NaN is false there).
template <class T>
inline Batch<T> max_nan(const Batch<T>& a, const Batch<T>& b) noexcept {
  return xsimd::select((a < b) || xsimd::isnan(b), b, a);
}
template <class T>
inline Batch<T> min_nan(const Batch<T>& a, const Batch<T>& b) noexcept {
  return xsimd::select((b < a) || xsimd::isnan(b), b, a);
}
template <class T>
inline T max_nan(T a, T b) noexcept {
  return (a < b || b != b) ? b : a;
}
template <class T>
inline T min_nan(T a, T b) noexcept {
  return (b < a || b != b) ? b : a;
}

/// r where v is a number, v (NaN) where v is NaN: for results whose formula would turn a NaN
/// input into a number (comparisons, clamps).
template <class T>
inline Batch<T> keep_nan(const Batch<T>& v, const Batch<T>& r) noexcept {
  return xsimd::select(xsimd::isnan(v), v, r);
}

/// Horizontal max / min of a batch (NaN if any lane is NaN).
template <class T>
inline T hmax(const Batch<T>& v) noexcept {
  alignas(64) T buf[Batch<T>::size];
  v.store_aligned(buf);
  T m = buf[0];
  for (std::size_t k = 1; k < Batch<T>::size; ++k) m = max_nan(m, buf[k]);
  return m;
}
template <class T>
inline T hmin(const Batch<T>& v) noexcept {
  alignas(64) T buf[Batch<T>::size];
  v.store_aligned(buf);
  T m = buf[0];
  for (std::size_t k = 1; k < Batch<T>::size; ++k) m = min_nan(m, buf[k]);
  return m;
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
