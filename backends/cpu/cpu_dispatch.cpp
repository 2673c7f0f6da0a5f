// cpu_dispatch.cpp — picks the CPU kernel set at run time (compiled for the baseline ISA).
//
// Each kernel set is a full copy of the CPU backend compiled with its own -march (see
// kernel_set.hpp); the list of sets in this build comes from CMake (cpu_kernel_sets.inc).
// TEMPER_CPU_KERNELS=auto (the default) takes the best one this CPU can run; naming a set
// forces it, so tests and benchmarks can compare the sets on one machine.
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "backends/cpu/cpu_backend.hpp"
#include "temper/backend.hpp"
#include "temper/error.hpp"
#include "temper/info.hpp"

// One declaration of make_backend per compiled kernel set.
#define TEMPER_CPU_KERNEL_SET(set, level, description) \
  namespace temper::cpu::set {                         \
  std::unique_ptr<Backend> make_backend(std::string selection); \
  }
#include "cpu_kernel_sets.inc"
#undef TEMPER_CPU_KERNEL_SET

namespace temper::cpu {

namespace {

struct KernelSet {
  std::string_view name;
  std::string_view level;        // the -march it was compiled for
  std::string_view description;  // the instructions that level needs
  std::unique_ptr<Backend> (*make)(std::string);
};

// Compiled sets, worst first.
const std::vector<KernelSet>& compiled_sets() {
  static const std::vector<KernelSet> sets = {
#define TEMPER_CPU_KERNEL_SET(set, level, description) \
  KernelSet{#set, level, description, &temper::cpu::set::make_backend},
#include "cpu_kernel_sets.inc"
#undef TEMPER_CPU_KERNEL_SET
  };
  return sets;
}

bool cpu_can_run(std::string_view level) {
#if defined(__x86_64__) && defined(__GNUC__)
  // __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512 registers.
  __builtin_cpu_init();
#if defined(__clang__)
  // Clang 14 knows the features but not GCC's level names; F16C, MOVBE and LZCNT (also in
  // x86-64-v3) have no names there, and every CPU with AVX2, FMA and BMI2 has them.
  const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") &&
                  __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1");
  const bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl");
  if (level == "x86-64-v4") return v4;
  if (level == "x86-64-v3") return v3;
  if (level == "x86-64-v2") return v2;
#else
  if (level == "x86-64-v4") return __builtin_cpu_supports("x86-64-v4");
  if (level == "x86-64-v3") return __builtin_cpu_supports("x86-64-v3");
  if (level == "x86-64-v2") return __builtin_cpu_supports("x86-64-v2");
#endif
#endif
  // The baseline, "native" (the user built for this machine) and non-x86 builds.
  return true;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

}  // namespace temper::cpu

namespace temper {

std::vector<std::string> cpu_kernel_sets() {
  std::vector<std::string> names;
  for (const auto& k : cpu::compiled_sets()) names.emplace_back(k.name);
  return names;
}

std::vector<std::string> supported_cpu_kernel_sets() {
  std::vector<std::string> names;
  for (const auto& k : cpu::compiled_sets())
    if (cpu::cpu_can_run(k.level)) names.emplace_back(k.name);
  return names;
}

}  // namespace temper

namespace temper::detail {

std::unique_ptr<Backend> make_cpu_backend() {
  const auto& sets = cpu::compiled_sets();
  const std::vector<std::string> supported = supported_cpu_kernel_sets();
  const char* env = std::getenv("TEMPER_CPU_KERNELS");
  const std::string wanted = env && *env ? env : "auto";

  const cpu::KernelSet* chosen = nullptr;
  std::string selection;
  if (wanted == "auto") {
    for (const auto& k : sets)
      if (cpu::cpu_can_run(k.level)) chosen = &k;
    selection = "the best of " + cpu::join(supported) + " that this CPU supports";
  } else {
    for (const auto& k : sets)
      if (k.name == wanted) chosen = &k;
    if (!chosen)
      throw UnknownNameError("TEMPER_CPU_KERNELS='" + wanted +
                             "' is not a CPU kernel set of this build; expected auto or one of: " +
                             cpu::join(cpu_kernel_sets()));
    if (!cpu::cpu_can_run(chosen->level))
      throw ConfigError("TEMPER_CPU_KERNELS=" + wanted + " needs a CPU with " +
                       std::string(chosen->description) + "; this CPU can run: " +
                       cpu::join(supported));
    selection = "forced by TEMPER_CPU_KERNELS; this CPU supports " + cpu::join(supported);
  }
  auto backend = chosen->make(selection);
  if (spdlog::should_log(spdlog::level::debug)) {
    for (const auto& [key, value] : backend->info())
      spdlog::debug("temper: cpu backend: {}: {}", key, value);
  }
  return backend;
}

}  // namespace temper::detail
