// random.cpp — counter-based random fills. Element i is a pure function of (key, counter + i)
// (Generator::hash / uniform01), so results do not depend on the thread count or chunking.
#include <cmath>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"
#include "temper/random.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

constexpr i64 kGrainRandom = i64{1} << 13;
constexpr i64 kChunk = 256;  // normals are produced in vectorised chunks of this many

/// Key of the second uniform of a Box-Muller pair, and of redraw `attempt` of a truncated normal.
/// Derived keys keep every draw of element i on counter `counter + i`, so a call never uses
/// counters outside the range the caller reserved.
std::uint64_t derived_key(std::uint64_t key, std::uint64_t salt) {
  return Generator::hash(key ^ 0xD1B54A32D192ED03ull, salt);
}

/// Box-Muller normals z[k] for counters c0 + k (k < n <= kChunk) from the uniform streams of
/// k1 and k2. Every element goes through the same vector code (the last batch is padded), so
/// a value never depends on where a chunk boundary falls.
void box_muller(std::uint64_t k1, std::uint64_t k2, std::uint64_t c0, i64 n, double* z) {
  using B = Batch<double>;
  constexpr i64 W = kLanes<double>;
  alignas(64) double u1[kChunk + W], u2[kChunk + W], out[kChunk + W];
  for (i64 k = 0; k < n; ++k) {
    const auto c = c0 + static_cast<std::uint64_t>(k);
    u1[k] = 1.0 - Generator::uniform01(k1, c);  // (0, 1]: log is finite
    u2[k] = Generator::uniform01(k2, c);
  }
  const i64 padded = (n + W - 1) / W * W;
  for (i64 k = n; k < padded; ++k) u1[k] = u2[k] = 0.5;
  const B m2(-2.0), tau(6.283185307179586476925);
  for (i64 k = 0; k < padded; k += W) {
    const B r = xsimd::sqrt(m2 * xsimd::log(B::load_aligned(u1 + k)));
    (r * xsimd::cos(tau * B::load_aligned(u2 + k))).store_aligned(out + k);
  }
  std::memcpy(z, out, static_cast<std::size_t>(n) * sizeof(double));
}

}  // namespace

void CpuBackend::random_uniform(Tensor& dst, double lo, double hi, std::uint64_t key, std::uint64_t counter) {
  check_float("random_uniform", dst, "dst");
  if (!(hi >= lo))
    fail_value("random_uniform", "the range [" + std::to_string(lo) + ", " + std::to_string(hi) + ") is empty");
  dispatch_float(dst.dtype(), "random_uniform", [&](auto tag) {
    using T = decltype(tag);
    T* d = dst.data<T>();
    const double span = hi - lo;
    const T top = hi > lo ? std::nextafter(static_cast<T>(hi), static_cast<T>(lo)) : static_cast<T>(lo);
    pool_.parallel_for(dst.numel(), kGrainRandom, [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i) {
        T v = static_cast<T>(lo + span * Generator::uniform01(key, counter + static_cast<std::uint64_t>(i)));
        d[i] = v < static_cast<T>(hi) || hi == lo ? v : top;  // rounding must not reach hi
      }
    });
  });
}

void CpuBackend::random_normal(Tensor& dst, double mean, double stddev, bool truncated, std::uint64_t key,
                               std::uint64_t counter) {
  check_float("random_normal", dst, "dst");
  dispatch_float(dst.dtype(), "random_normal", [&](auto tag) {
    using T = decltype(tag);
    T* d = dst.data<T>();
    const std::uint64_t k2 = derived_key(key, 0);
    pool_.parallel_for(dst.numel(), kGrainRandom, [&](i64 b, i64 e) {
      alignas(64) double z[kChunk];
      for (i64 c0 = b; c0 < e; c0 += kChunk) {
        const i64 n = std::min(kChunk, e - c0);
        const auto cnt = counter + static_cast<std::uint64_t>(c0);
        box_muller(key, k2, cnt, n, z);
        if (truncated) {
          // Redraw values beyond 2 standard deviations; attempt j uses derived keys, so
          // element i still depends only on (key, counter + i).
          for (i64 k = 0; k < n; ++k) {
            for (std::uint64_t attempt = 1; std::fabs(z[k]) > 2.0; ++attempt) {
              if (attempt > 64) {  // probability ~0.046^64: never in practice
                z[k] = std::copysign(2.0, z[k]);
                break;
              }
              box_muller(derived_key(key, 2 * attempt), derived_key(key, 2 * attempt + 1),
                         cnt + static_cast<std::uint64_t>(k), 1, z + k);
            }
          }
        }
        for (i64 k = 0; k < n; ++k) d[c0 + k] = static_cast<T>(mean + stddev * z[k]);
      }
    });
  });
}

void CpuBackend::dropout_mask(Tensor& mask, double rate, std::uint64_t key, std::uint64_t counter) {
  check_float("dropout_mask", mask, "mask");
  if (!(rate >= 0.0 && rate <= 1.0))
    fail_value("dropout_mask", "rate " + std::to_string(rate) + " is outside [0, 1]");
  dispatch_float(mask.dtype(), "dropout_mask", [&](auto tag) {
    using T = decltype(tag);
    T* d = mask.data<T>();
    const T keep = rate < 1.0 ? static_cast<T>(1.0 / (1.0 - rate)) : T(0);
    // uniform01 is (hash >> 11) * 2^-53, and for an integer u, u * 2^-53 < rate exactly when
    // u < ceil(rate * 2^53): the same draws as uniform01 < rate, in integer arithmetic the
    // compiler vectorises (no 64-bit integer to double conversion per element).
    const auto drop_below = static_cast<std::uint64_t>(std::ceil(rate * 0x1.0p53));
    pool_.parallel_for(mask.numel(), kGrainRandom, [&](i64 b, i64 e) {
      for (i64 i = b; i < e; ++i)
        d[i] = (Generator::hash(key, counter + static_cast<std::uint64_t>(i)) >> 11) < drop_below ? T(0) : keep;
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
