// random.hpp — seeded, counter-based random number generation.
#pragma once
#include <cstdint>

namespace temper {

/// A seeded random stream (Keras: keras.random.SeedGenerator).
///
/// Draws are counter based: a kernel that needs n random numbers reserves n counters and
/// computes number i from (key, start + i) alone. The result is therefore identical whatever
/// the number of threads or the backend, which is what makes seeded runs reproducible.
class Generator {
 public:
  /// Creates a stream from a seed; equal seeds give equal streams.
  explicit Generator(std::uint64_t seed = 0) noexcept;

  /// The seed this stream was created from.
  std::uint64_t seed() const noexcept { return seed_; }

  /// Reserves `n` consecutive counters and returns the first; use with `key()`.
  std::uint64_t reserve(std::uint64_t n) noexcept {
    std::uint64_t start = counter_;
    counter_ += n;
    return start;
  }

  /// The position in the stream (saved by checkpoints so that a resumed run draws the same
  /// numbers as an uninterrupted one).
  std::uint64_t counter() const noexcept { return counter_; }
  void set_counter(std::uint64_t c) noexcept { counter_ = c; }

  /// The key that, with a counter, determines each draw.
  std::uint64_t key() const noexcept { return key_; }

  /// Next 64 random bits (host-side draws: shuffles, seeds of child streams).
  std::uint64_t next_u64() noexcept;

  /// Uniform double in [0, 1).
  double next_double() noexcept;

  /// A new independent stream whose seed is drawn from this one.
  Generator spawn() noexcept { return Generator(next_u64()); }

  /// Stateless mixing function used by every backend: 64 random bits of (key, counter).
  static std::uint64_t hash(std::uint64_t key, std::uint64_t counter) noexcept {
    std::uint64_t z = key + 0x9E3779B97F4A7C15ull * (counter + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, 1) from (key, counter), 53 bits.
  static double uniform01(std::uint64_t key, std::uint64_t counter) noexcept {
    return static_cast<double>(hash(key, counter) >> 11) * 0x1.0p-53;
  }

 private:
  std::uint64_t seed_;
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

}  // namespace temper
