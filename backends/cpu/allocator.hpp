// allocator.hpp — the CPU backend's caching allocator.
//
// Blocks are 64-byte aligned and rounded up to a size class (multiples of 64 bytes up to
// 256 bytes, then four classes per power of two: 2^k * {1.25, 1.5, 1.75, 2}). A released
// block goes to its class's free list, so a training loop whose tensor sizes repeat from step
// to step stops calling the system allocator after its first step.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace temper::cpu {

struct AllocatorStats {
  std::uint64_t system_allocs = 0;   ///< blocks obtained from the system allocator
  std::uint64_t system_frees = 0;    ///< blocks given back to the system allocator
  std::uint64_t cache_hits = 0;      ///< allocations served from a free list
  std::size_t bytes_in_use = 0;      ///< class bytes handed out and not yet released
  std::size_t bytes_cached = 0;      ///< class bytes sitting in free lists
};

class CachingAllocator {
 public:
  static constexpr std::size_t kAlignment = 64;

  /// `cache_limit` bounds the bytes kept in free lists; beyond it released blocks are freed.
  /// Blocks larger than `max_cached_block` are never cached: they are whole data sets or
  /// one-off conversions, not per-step buffers, and keeping them would only inflate the
  /// process's memory.
  explicit CachingAllocator(std::size_t cache_limit, std::size_t max_cached_block = std::size_t{64} << 20);
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  /// A block of at least `bytes` bytes (a zero-byte request gets a 64-byte block).
  /// Throws std::bad_alloc when the system is out of memory even after emptying the cache.
  void* allocate(std::size_t bytes);
  /// Returns a block obtained from allocate(bytes) with the same `bytes`.
  void release(void* p, std::size_t bytes) noexcept;
  /// Frees every cached block.
  void empty_cache() noexcept;
  AllocatorStats stats() const;
  std::size_t cache_limit() const noexcept { return cache_limit_; }

  /// Size class index and rounded size of a request.
  static int class_index(std::size_t bytes) noexcept;
  static std::size_t class_size(int index) noexcept;

 private:
  mutable std::mutex mutex_;
  std::vector<std::vector<void*>> free_lists_;
  std::size_t cache_limit_;
  std::size_t max_cached_block_;
  AllocatorStats stats_;
};

}  // namespace temper::cpu
