// thread_pool.cpp — workers, job hand-out and spin-then-sleep waiting.
#include "backends/cpu/thread_pool.hpp"

#include <chrono>

#include "temper/denormals.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TEMPER_CPU_RELAX() _mm_pause()
#else
#define TEMPER_CPU_RELAX() std::atomic_signal_fence(std::memory_order_seq_cst)
#endif

namespace temper::cpu {

namespace {

thread_local bool t_in_region = false;

// How long an idle worker polls for a new job before it sleeps. Consecutive kernels of a
// training step usually follow each other within this window, so the worker is still awake
// when the next large kernel arrives; an idle pool goes quiet after it.
constexpr auto kSpinTime = std::chrono::microseconds(20);

struct RegionGuard {
  bool previous;
  RegionGuard() noexcept : previous(t_in_region) { t_in_region = true; }
  ~RegionGuard() { t_in_region = previous; }
};

}  // namespace

bool ThreadPool::in_parallel_region() noexcept { return t_in_region; }

ThreadPool::ThreadPool(int num_threads) { start_workers(std::max(1, num_threads)); }

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::set_num_threads(int n) {
  n = std::max(1, n);
  std::lock_guard lock(run_mutex_);
  if (n == num_threads()) return;
  stop_workers();
  start_workers(n);
}

void ThreadPool::start_workers(int n) {
  stop_.store(false);
  num_threads_.store(n, std::memory_order_relaxed);
  workers_.reserve(static_cast<std::size_t>(n - 1));
  for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard lock(sleep_mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  num_threads_.store(1, std::memory_order_relaxed);
}

void ThreadPool::work_on(std::uint32_t gen) {
  std::uint64_t t = ticket_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::uint32_t>(t >> 32) != gen) return;
    const auto next = static_cast<std::int64_t>(t & kNextMask);
    if (preempt_) preempt_();
    // Read after the ticket: a worker that saw job `gen` may be descheduled here while the
    // caller closes it and publishes the next job. If this load sees that next job's count,
    // it also sees the close (release/acquire on job_chunks_), so the claim below fails.
    const std::int64_t chunks = job_chunks_.load(std::memory_order_acquire);
    if (next >= chunks) return;
    if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
      continue;
    // Holding a chunk of job `gen` means that job cannot finish, so its fields are stable.
    if (detail::denormal_mode() != job_denormal_mode_) detail::set_denormal_mode(job_denormal_mode_);
    try {
      job_call_(job_obj_, next);
    } catch (...) {
      if (!failed_.exchange(true)) error_ = std::current_exception();
    }
    done_.fetch_add(1, std::memory_order_acq_rel);
    if (preempt_) preempt_();
    t = ticket_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop() {
  t_in_region = true;
  std::uint32_t seen = static_cast<std::uint32_t>(ticket_.load() >> 32);
  for (;;) {
    // Poll for a new generation for a few microseconds, then sleep.
    std::uint64_t t = ticket_.load(std::memory_order_acquire);
    bool changed = static_cast<std::uint32_t>(t >> 32) != seen;
    if (!changed && !stop_.load(std::memory_order_relaxed)) {
      const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
      for (int i = 0;; ++i) {
        TEMPER_CPU_RELAX();
        t = ticket_.load(std::memory_order_acquire);
        if (static_cast<std::uint32_t>(t >> 32) != seen || stop_.load(std::memory_order_relaxed)) {
          changed = true;
          break;
        }
        if ((i & 63) == 63 && std::chrono::steady_clock::now() > deadline) break;
      }
    }
    if (!changed) {
      std::unique_lock lock(sleep_mutex_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      wake_.wait(lock, [&] {
        t = ticket_.load(std::memory_order_seq_cst);
        return static_cast<std::uint32_t>(t >> 32) != seen || stop_.load();
      });
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    if (stop_.load()) return;
    seen = static_cast<std::uint32_t>(t >> 32);
    if (preempt_) preempt_();
    work_on(seen);
  }
}

void ThreadPool::run_impl(std::int64_t num_chunks, void* obj, Call call) {
  std::unique_lock lock(run_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || num_threads() == 1 || num_chunks >= static_cast<std::int64_t>(kClosed)) {
    // Another application thread owns the pool right now: run serially on this one.
    RegionGuard guard;
    for (std::int64_t c = 0; c < num_chunks; ++c) call(obj, c);
    return;
  }
  job_obj_ = obj;
  job_call_ = call;
  job_denormal_mode_ = detail::denormal_mode();
  job_chunks_.store(num_chunks, std::memory_order_release);
  done_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  const std::uint32_t gen = ++generation_;
  if (preempt_) preempt_();
  ticket_.store(static_cast<std::uint64_t>(gen) << 32, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard sl(sleep_mutex_); }
    wake_.notify_all();
  }
  {
    RegionGuard guard;
    work_on(gen);
  }
  // Every chunk has been claimed; wait for the workers still running theirs.
  for (int i = 0; done_.load(std::memory_order_acquire) < num_chunks; ++i) {
    if (i < 4096)
      TEMPER_CPU_RELAX();
    else
      std::this_thread::yield();
  }
  // Close the job before the next one overwrites its fields: from here on no worker that
  // still holds this generation can claim anything (see work_on).
  ticket_.store((static_cast<std::uint64_t>(gen) << 32) | kClosed, std::memory_order_release);
  if (failed_.load(std::memory_order_acquire)) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace temper::cpu
