#include "temper/random.hpp"

namespace temper {

Generator::Generator(std::uint64_t seed) noexcept : seed_(seed), key_(hash(seed, 0x5EED)) {}

std::uint64_t Generator::next_u64() noexcept { return hash(key_ ^ 0xA5A5A5A5ull, reserve(1)); }

double Generator::next_double() noexcept {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

}  // namespace temper
