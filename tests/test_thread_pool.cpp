// Stress tests of the CPU backend's thread pool: every chunk of every job runs exactly once,
// and run() returns only after all of its chunks have finished — with more workers than cores,
// several application threads submitting at once, and workers descheduled at random points.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <random>
#include <sched.h>
#include <string>
#include <thread>
#include <vector>

#include "../backends/cpu/thread_pool.hpp"
#include "temper/denormals.hpp"
#include "temper/error.hpp"

namespace {

using temper::cpu::ThreadPool;

// TEMPER_STRESS_JOBS scales the run (e.g. 200000 for a long soak); the default keeps the test
// at a few seconds, and under ThreadSanitizer at well under a minute. With the preemption
// hook, the pool's old claim race showed up in thousands of chunks at this size.
int stress_jobs(int fallback) {
  const char* v = std::getenv("TEMPER_STRESS_JOBS");
  if (!v || !*v) return fallback;
  const int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

/// Injects the preemption the race needs: a yield or a short sleep at random points.
void jitter(std::minstd_rand& rng) {
  const auto r = rng() % 256;
  if (r == 0)
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  else if (r < 32)
    sched_yield();
}

/// The pool's own preemption points: workers yield or sleep where a stale read would matter.
void preempt_worker() {
  thread_local std::minstd_rand rng(static_cast<unsigned>(
      std::hash<std::thread::id>{}(std::this_thread::get_id())));
  jitter(rng);
}

struct Outcome {
  std::int64_t jobs = 0;
  std::int64_t twice = 0;       // chunks that ran more than once
  std::int64_t missing = 0;     // chunks that never ran
  std::int64_t unfinished = 0;  // chunks still running when run() returned
};

/// Submits `jobs` jobs alternating small (2-4) and large (8-31) chunk counts, so that a stale
/// worker of a small job would see the larger chunk count of the next one.
Outcome submit(ThreadPool& pool, int jobs, unsigned seed) {
  Outcome out;
  std::minstd_rand rng(seed);
  std::vector<std::atomic<int>> hits(32);
  std::vector<std::atomic<int>> finished(32);
  for (int j = 0; j < jobs; ++j) {
    const std::int64_t chunks = j % 2 == 0 ? 2 + static_cast<std::int64_t>(rng() % 3)
                                           : 8 + static_cast<std::int64_t>(rng() % 24);
    for (std::int64_t c = 0; c < 32; ++c) {
      hits[static_cast<std::size_t>(c)].store(0, std::memory_order_relaxed);
      finished[static_cast<std::size_t>(c)].store(0, std::memory_order_relaxed);
    }
    const unsigned job_seed = static_cast<unsigned>(rng());
    pool.run(chunks, [&](std::int64_t c) {
      std::minstd_rand local(job_seed + static_cast<unsigned>(c));
      hits[static_cast<std::size_t>(c)].fetch_add(1, std::memory_order_relaxed);
      jitter(local);
      finished[static_cast<std::size_t>(c)].store(1, std::memory_order_release);
    });
    for (std::int64_t c = 0; c < chunks; ++c) {
      const int h = hits[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
      if (h > 1) ++out.twice;
      if (h == 0) ++out.missing;
      if (finished[static_cast<std::size_t>(c)].load(std::memory_order_acquire) != 1)
        ++out.unfinished;
    }
    ++out.jobs;
  }
  return out;
}

void check_outcome(const Outcome& o, const std::string& what) {
  INFO(what << ": " << o.jobs << " jobs");
  CHECK(o.twice == 0);
  CHECK(o.missing == 0);
  CHECK(o.unfinished == 0);
}

}  // namespace

TEST_CASE("thread pool stress: one caller, more workers than cores, every chunk exactly once") {
  for (int threads : {4, 8}) {
    ThreadPool pool(threads);
    pool.set_preemption_hook_for_testing(preempt_worker);
    const Outcome o = submit(pool, stress_jobs(6000), 17u + static_cast<unsigned>(threads));
    check_outcome(o, std::to_string(threads) + " threads");
  }
}

TEST_CASE("thread pool stress: several application threads share one pool") {
  ThreadPool pool(6);
  pool.set_preemption_hook_for_testing(preempt_worker);
  constexpr int kCallers = 3;
  std::vector<Outcome> outcomes(kCallers);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&, t] {
      outcomes[static_cast<std::size_t>(t)] =
          submit(pool, stress_jobs(6000) / kCallers, 1000u + static_cast<unsigned>(t));
    });
  for (auto& c : callers) c.join();
  for (int t = 0; t < kCallers; ++t)
    check_outcome(outcomes[static_cast<std::size_t>(t)], "caller " + std::to_string(t));
}

TEST_CASE("thread pool stress: an exception leaves no chunk running and the pool reusable") {
  ThreadPool pool(5);
  pool.set_preemption_hook_for_testing(preempt_worker);
  std::minstd_rand rng(5);
  for (int j = 0; j < stress_jobs(6000) / 10; ++j) {
    const std::int64_t chunks = 2 + static_cast<std::int64_t>(rng() % 30);
    const std::int64_t bad = static_cast<std::int64_t>(rng()) % chunks;
    std::atomic<int> running{0};
    std::atomic<int> ran{0};
    bool threw = false;
    try {
      pool.run(chunks, [&](std::int64_t c) {
        running.fetch_add(1);
        std::minstd_rand local(static_cast<unsigned>(j * 64 + c));
        jitter(local);
        ran.fetch_add(1);
        running.fetch_sub(1);
        if (c == bad) throw temper::ValueError("chunk " + std::to_string(c));
      });
    } catch (const temper::ValueError&) {
      threw = true;
    }
    REQUIRE(threw);
    REQUIRE(running.load() == 0);
    REQUIRE(ran.load() == chunks);
  }
}

TEST_CASE("thread pool stress: resizing between jobs") {
  ThreadPool pool(2);
  pool.set_preemption_hook_for_testing(preempt_worker);
  for (int round = 0; round < 20; ++round) {
    pool.set_num_threads(1 + round % 7);
    check_outcome(submit(pool, stress_jobs(6000) / 40, 77u + static_cast<unsigned>(round)),
                  std::to_string(pool.num_threads()) + " threads after resize");
  }
}

// Every chunk runs with the denormal handling of the thread that started the job, whichever
// worker claims it (temper/denormals.hpp), and workers follow the caller back afterwards.
TEST_CASE("thread pool: chunks run in the caller's denormal mode on every worker") {
  const std::uint32_t flushing = temper::detail::flushing_denormal_mode();
  if (flushing == 0) {
    MESSAGE("skipped: denormal flushing is implemented for x86 CPUs only");
    return;
  }
  ThreadPool pool(4);
  const auto caller = std::this_thread::get_id();
  // Runs chunks long enough for the workers to wake and claim some; returns the modes that
  // chunks saw on threads other than the caller (empty if none ran elsewhere).
  const auto worker_modes = [&] {
    std::vector<std::uint32_t> modes;
    for (int attempt = 0; attempt < 20 && modes.empty(); ++attempt) {
      std::mutex m;
      pool.run(64, [&](std::int64_t) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(100);
        while (std::chrono::steady_clock::now() < until) {
        }
        if (std::this_thread::get_id() == caller) return;
        std::lock_guard lock(m);
        modes.push_back(temper::detail::denormal_mode());
      });
    }
    return modes;
  };
  REQUIRE(temper::detail::denormal_mode() == 0);
  for (auto mode : worker_modes()) CHECK(mode == 0);
  {
    temper::FlushDenormalScope scope;
    const auto modes = worker_modes();
    REQUIRE_FALSE(modes.empty());
    for (auto mode : modes) CHECK(mode == flushing);
  }
  CHECK(temper::detail::denormal_mode() == 0);
  const auto after = worker_modes();
  REQUIRE_FALSE(after.empty());
  for (auto mode : after) CHECK(mode == 0);
}
