// allocator.cpp — size classes and free lists of the CPU caching allocator.
#include "backends/cpu/allocator.hpp"

#include <bit>
#include <cstdlib>
#include <new>

namespace temper::cpu {

namespace {
constexpr int kNumClasses = 4 + 4 * (63 - 8);  // up to 2^63 bytes
}

int CachingAllocator::class_index(std::size_t bytes) noexcept {
  if (bytes <= 256) return bytes == 0 ? 0 : static_cast<int>((bytes - 1) / 64);
  // 2^k < bytes <= 2^(k+1); four classes per octave: 2^k + q * 2^(k-2), q = 1..4.
  const int k = static_cast<int>(std::bit_width(bytes - 1)) - 1;
  const std::size_t base = std::size_t{1} << k;
  const std::size_t step = base >> 2;
  const std::size_t q = (bytes - base + step - 1) / step;  // 1..4
  return 4 + (k - 8) * 4 + static_cast<int>(q) - 1;
}

std::size_t CachingAllocator::class_size(int index) noexcept {
  if (index < 4) return static_cast<std::size_t>(index + 1) * 64;
  const int k = (index - 4) / 4 + 8;
  const std::size_t q = static_cast<std::size_t>((index - 4) % 4) + 1;
  const std::size_t base = std::size_t{1} << k;
  return base + q * (base >> 2);
}

CachingAllocator::CachingAllocator(std::size_t cache_limit, std::size_t max_cached_block)
    : free_lists_(kNumClasses), cache_limit_(cache_limit), max_cached_block_(max_cached_block) {}

CachingAllocator::~CachingAllocator() { empty_cache(); }

void* CachingAllocator::allocate(std::size_t bytes) {
  const int idx = class_index(bytes);
  const std::size_t size = class_size(idx);
  {
    std::lock_guard lock(mutex_);
    auto& list = free_lists_[static_cast<std::size_t>(idx)];
    stats_.bytes_in_use += size;
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      stats_.bytes_cached -= size;
      ++stats_.cache_hits;
      return p;
    }
    ++stats_.system_allocs;
  }
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlignment, size);
    if (!p) {
      std::lock_guard lock(mutex_);
      stats_.bytes_in_use -= size;
      throw std::bad_alloc();
    }
  }
  return p;
}

void CachingAllocator::release(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  const int idx = class_index(bytes);
  const std::size_t size = class_size(idx);
  {
    std::lock_guard lock(mutex_);
    stats_.bytes_in_use -= size;
    if (size <= max_cached_block_ && stats_.bytes_cached + size <= cache_limit_) {
      try {
        free_lists_[static_cast<std::size_t>(idx)].push_back(p);
        stats_.bytes_cached += size;
        return;
      } catch (...) {
        // the free list could not grow: fall through and free the block
      }
    }
    ++stats_.system_frees;
  }
  std::free(p);
}

void CachingAllocator::empty_cache() noexcept {
  std::lock_guard lock(mutex_);
  for (auto& list : free_lists_) {
    for (void* p : list) std::free(p);
    stats_.system_frees += list.size();
    list.clear();
    list.shrink_to_fit();
  }
  stats_.bytes_cached = 0;
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace temper::cpu
