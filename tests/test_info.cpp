// The CPU kernel-set choice (TEMPER_CPU_KERNELS) and build_info(), the report of `temper info`.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <temper/backend.hpp>
#include <temper/error.hpp>
#include <temper/info.hpp>

#include "../backends/cpu/cpu_backend.hpp"
#include "support/helpers.hpp"

using temper::testing::contains;
using temper::testing::error_message;

namespace {

/// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string kernels_of(const temper::Backend& b) {
  for (const auto& [key, value] : b.info())
    if (key == "kernels") return value;
  return "";
}

bool contains_name(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("cpu kernel sets: the baseline set always runs and auto takes the best") {
  const auto compiled = temper::cpu_kernel_sets();
  const auto supported = temper::supported_cpu_kernel_sets();
  REQUIRE_FALSE(compiled.empty());
  REQUIRE_FALSE(supported.empty());
  CHECK(supported.front() == compiled.front());  // worst first: the baseline
  for (const auto& s : supported) CHECK(contains_name(compiled, s));

  ScopedEnv env("TEMPER_CPU_KERNELS", "auto");
  auto backend = temper::detail::make_cpu_backend();
  CHECK(backend->name() == "cpu");
  CHECK(kernels_of(*backend).rfind(supported.back() + " (the best of", 0) == 0);
}

TEST_CASE("cpu kernel sets: TEMPER_CPU_KERNELS forces a set, and bad values are clear errors") {
  for (const auto& set : temper::supported_cpu_kernel_sets()) {
    ScopedEnv env("TEMPER_CPU_KERNELS", set.c_str());
    auto backend = temper::detail::make_cpu_backend();
    CHECK(kernels_of(*backend).rfind(set + " (forced by TEMPER_CPU_KERNELS", 0) == 0);
  }
  {
    ScopedEnv env("TEMPER_CPU_KERNELS", "avx1024");
    const std::string msg = error_message([] { temper::detail::make_cpu_backend(); });
    CHECK(contains(msg, "TEMPER_CPU_KERNELS='avx1024' is not a CPU kernel set of this build"));
    CHECK(contains(msg, "expected auto or one of: " + temper::cpu_kernel_sets().front()));
    CHECK_THROWS_AS(temper::detail::make_cpu_backend(), temper::UnknownNameError);
  }
  for (const auto& set : temper::cpu_kernel_sets()) {
    if (contains_name(temper::supported_cpu_kernel_sets(), set)) continue;
    ScopedEnv env("TEMPER_CPU_KERNELS", set.c_str());
    const std::string msg = error_message([] { temper::detail::make_cpu_backend(); });
    CHECK(contains(msg, "TEMPER_CPU_KERNELS=" + set + " needs a CPU with"));
    CHECK(contains(msg, "this CPU can run: " + temper::supported_cpu_kernel_sets().front()));
  }
}

TEST_CASE("build_info names the version, the kernel sets and what the cpu backend uses") {
  const std::string info = temper::build_info();
  CHECK(contains(info, "temper: "));
  CHECK(contains(info, "cpu kernel sets: " + temper::cpu_kernel_sets().front()));
  CHECK(contains(info, "backends: cpu"));
  CHECK(contains(info, "  kernels: "));
  CHECK(contains(info, "  blas: "));
  CHECK(contains(info, "  threads: "));
}
