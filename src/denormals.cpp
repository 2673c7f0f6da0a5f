// denormals.cpp — the flush-denormal default and the per-thread x86 MXCSR bits behind it.
#include "temper/denormals.hpp"

#include <atomic>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define TEMPER_HAS_MXCSR 1
#else
#define TEMPER_HAS_MXCSR 0
#endif

namespace temper {

namespace {
// An explicit default, like the default backend: read at the start of every fit / predict.
std::atomic<bool> g_flush_denormal{true};

#if TEMPER_HAS_MXCSR
constexpr std::uint32_t kFlushToZero = 0x8000;      // FTZ: denormal results become 0
constexpr std::uint32_t kDenormalsAreZero = 0x0040;  // DAZ: denormal inputs are read as 0
constexpr std::uint32_t kDenormalBits = kFlushToZero | kDenormalsAreZero;
#else
constexpr std::uint32_t kDenormalBits = 0;
#endif
}  // namespace

void set_flush_denormal(bool on) { g_flush_denormal.store(on, std::memory_order_relaxed); }

bool flush_denormal() { return g_flush_denormal.load(std::memory_order_relaxed); }

namespace detail {

std::uint32_t denormal_mode() noexcept {
#if TEMPER_HAS_MXCSR
  return _mm_getcsr() & kDenormalBits;
#else
  return 0;
#endif
}

void set_denormal_mode(std::uint32_t mode) noexcept {
#if TEMPER_HAS_MXCSR
  _mm_setcsr((_mm_getcsr() & ~kDenormalBits) | (mode & kDenormalBits));
#else
  (void)mode;
#endif
}

std::uint32_t flushing_denormal_mode() noexcept { return kDenormalBits; }

}  // namespace detail

FlushDenormalScope::FlushDenormalScope() {
  if (!flush_denormal()) return;
  saved_ = detail::denormal_mode();
  if (saved_ == detail::flushing_denormal_mode()) return;
  detail::set_denormal_mode(detail::flushing_denormal_mode());
  active_ = true;
}

FlushDenormalScope::~FlushDenormalScope() {
  if (active_) detail::set_denormal_mode(saved_);
}

}  // namespace temper
