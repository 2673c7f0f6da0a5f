// sizes.hpp — per-axis window sizes of the convolution and pooling layers, given like Keras's
// int-or-tuple arguments: Size1 (1-D), ops::Size2 (2-D), Size3 (3-D) and SizeN<Rank>.
#pragma once
#include <array>
#include <cstdint>
#include <type_traits>

#include "temper/ops/convolution.hpp"

namespace temper::layers {

using ops::Size2;

/// A 1-D window size: an integer (Keras `kernel_size=3`), which configs write as `[3]`, as
/// Keras writes its 1-tuples. Converts to and from std::int64_t.
struct Size1 {
  std::int64_t value = 1;
  constexpr Size1() = default;
  constexpr Size1(std::int64_t v) : value(v) {}                 // NOLINT(google-explicit-constructor)
  constexpr operator std::int64_t() const { return value; }     // NOLINT(google-explicit-constructor)
};

/// A 3-D window size over (depth, height, width): `3` means (3, 3, 3).
struct Size3 {
  std::int64_t d = 1;  ///< along the depth (first spatial axis)
  std::int64_t h = 1;
  std::int64_t w = 1;
  constexpr Size3() = default;
  constexpr Size3(std::int64_t all) : d(all), h(all), w(all) {}  // NOLINT(google-explicit-constructor)
  constexpr Size3(std::int64_t depth, std::int64_t height, std::int64_t width) : d(depth), h(height), w(width) {}
  friend constexpr bool operator==(const Size3&, const Size3&) = default;
};

/// The window size type of a layer with `Rank` spatial axes.
template <int Rank>
using SizeN = std::conditional_t<Rank == 1, Size1, std::conditional_t<Rank == 2, Size2, Size3>>;

/// The per-axis values of a window size, first spatial axis first.
constexpr std::array<std::int64_t, 1> axes_of(Size1 s) { return {s.value}; }
constexpr std::array<std::int64_t, 2> axes_of(Size2 s) { return {s.h, s.w}; }
constexpr std::array<std::int64_t, 3> axes_of(Size3 s) { return {s.d, s.h, s.w}; }

}  // namespace temper::layers
