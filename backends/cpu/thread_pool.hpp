// thread_pool.hpp — the CPU backend's single thread pool.
//
// The calling thread always takes part, so a pool of n threads owns n - 1 workers. Work is
// handed out as chunks through one atomic ticket (generation << 32 | next chunk); a chunk is
// claimed by a compare-and-swap of the whole ticket, and the caller closes the ticket
// (next = kClosed) before it returns, so a worker that was descheduled in the middle of a
// claim can never run a chunk of a finished job or of the job after it. Idle workers
// poll for a few microseconds, then sleep on a condition variable, so an idle pool costs no
// CPU. Every chunk runs with the denormal handling of the thread that started the job (see
// temper/denormals.hpp), so results do not depend on which thread ran it. A kernel called
// from inside a pool job, or from a second application thread while the pool is busy, runs
// serially on its caller.
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace temper::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Threads that run a parallel job, the caller included (>= 1).
  int num_threads() const noexcept { return num_threads_.load(std::memory_order_relaxed); }
  /// Stops the workers and starts n - 1 new ones. Not to be called while a job runs.
  void set_num_threads(int n);

  /// Runs fn(chunk) for every chunk in [0, num_chunks) and returns when all are done. The
  /// first exception thrown by a chunk is rethrown here (after every chunk has finished).
  template <class F>
  void run(std::int64_t num_chunks, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    if (num_chunks <= 0) return;
    if (num_chunks == 1 || num_threads() == 1 || in_parallel_region()) {
      for (std::int64_t c = 0; c < num_chunks; ++c) fn(c);
      return;
    }
    Fn* obj = &fn;
    run_impl(num_chunks, const_cast<void*>(static_cast<const void*>(obj)),
             [](void* o, std::int64_t c) { (*static_cast<Fn*>(o))(c); });
  }

  /// Splits [0, n) into contiguous ranges of at least `grain` indices (up to kOversplit per
  /// thread, handed out dynamically, so a descheduled or slow-to-wake worker does not hold the
  /// caller up) and runs fn(begin, end) on each; below 2 * grain the call is serial. Range
  /// boundaries are multiples of 16 so that threads never share a cache line of float32
  /// outputs.
  template <class F>
  void parallel_for(std::int64_t n, std::int64_t grain, F&& fn) {
    if (n <= 0) return;
    const std::int64_t chunks = num_chunks_for(n, grain);
    if (chunks <= 1) {
      fn(std::int64_t{0}, n);
      return;
    }
    run(chunks, [&](std::int64_t c) {
      const std::int64_t b = split_point(n, chunks, c);
      const std::int64_t e = split_point(n, chunks, c + 1);
      if (b < e) fn(b, e);
    });
  }

  static constexpr int kOversplit = 4;

  /// How many chunks parallel_for would use for n indices with this grain.
  std::int64_t num_chunks_for(std::int64_t n, std::int64_t grain) const noexcept {
    grain = std::max<std::int64_t>(grain, 1);
    const std::int64_t t = num_threads();
    const std::int64_t c = std::min(n / grain, t * kOversplit);
    // A multiple of the thread count keeps the last round of chunks balanced.
    return c <= t ? std::max<std::int64_t>(c, 1) : c / t * t;
  }

  /// Start of chunk c of `chunks` equal parts of [0, n), rounded to a multiple of 16.
  static std::int64_t split_point(std::int64_t n, std::int64_t chunks, std::int64_t c) noexcept {
    if (c >= chunks) return n;
    const std::int64_t p = n / chunks * c + n % chunks * c / chunks;
    return n >= 16 * chunks ? std::min(n, (p + 8) & ~std::int64_t{15}) : p;
  }

  /// True inside a chunk of a parallel job (nested parallelism runs serially).
  static bool in_parallel_region() noexcept;

  /// For stress tests only: called by workers at the points where being descheduled matters
  /// (after seeing a new job, between reading the job and claiming a chunk, after a chunk),
  /// so a test can yield or sleep there and widen every race window. Set before any job runs.
  using PreemptionHook = void (*)();
  void set_preemption_hook_for_testing(PreemptionHook hook) noexcept { preempt_ = hook; }

 private:
  using Call = void (*)(void*, std::int64_t);
  // The low half of a ticket; kClosed marks a finished job. Jobs of kClosed chunks or more
  // run serially.
  static constexpr std::uint64_t kNextMask = 0xffffffffu;
  static constexpr std::uint64_t kClosed = 0xffffffffu;
  void run_impl(std::int64_t num_chunks, void* obj, Call call);
  void start_workers(int n);
  void stop_workers();
  void worker_loop();
  /// Runs chunks of job `gen` until none is left.
  void work_on(std::uint32_t gen);

  std::atomic<int> num_threads_{1};
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one job at a time; a second caller runs serially

  // The current job.
  std::atomic<std::uint64_t> ticket_{0};  // generation << 32 | next chunk
  std::atomic<std::int64_t> job_chunks_{0};
  void* job_obj_ = nullptr;
  std::uint32_t job_denormal_mode_ = 0;  // the caller's (temper/denormals.hpp)
  Call job_call_ = nullptr;
  std::atomic<std::int64_t> done_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::uint32_t generation_ = 0;
  PreemptionHook preempt_ = nullptr;

  // Sleeping.
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace temper::cpu
