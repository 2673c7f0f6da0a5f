// info.cpp — build_info(): the report behind `temper info`.
#include "temper/info.hpp"

#include <cstring>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "temper/backend.hpp"

#ifndef TEMPER_VERSION_STRING
#define TEMPER_VERSION_STRING "unknown"
#endif
#ifndef TEMPER_BUILD_TYPE
#define TEMPER_BUILD_TYPE "unknown"
#endif
#ifndef TEMPER_BUILD_OPTIONS
#define TEMPER_BUILD_OPTIONS ""
#endif

namespace temper {

namespace {

/// "AMD EPYC 9R14 96-Core Processor" from the CPU's brand string.
std::string cpu_model() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[12] = {};
  unsigned max_ext = __get_cpuid_max(0x80000000u, nullptr);
  if (max_ext >= 0x80000004u) {
    for (unsigned i = 0; i < 3; ++i)
      __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2],
                  &regs[4 * i + 3]);
    char brand[49] = {};
    std::memcpy(brand, regs, 48);
    std::string s(brand);
    const auto b = s.find_first_not_of(' ');
    const auto e = s.find_last_not_of(' ');
    if (b != std::string::npos) return s.substr(b, e - b + 1);
  }
#endif
  return "unknown";
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

std::string build_info() {
  std::string out;
  auto line = [&](const std::string& key, const std::string& value, int indent = 0) {
    out += std::string(static_cast<std::size_t>(indent), ' ') + key + ": " + value + "\n";
  };
  line("temper", TEMPER_VERSION_STRING);
#if defined(__clang__)
  line("compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
  line("compiler", "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                       std::to_string(__GNUC_PATCHLEVEL__));
#endif
  line("build", std::string(TEMPER_BUILD_TYPE) + TEMPER_BUILD_OPTIONS);
  line("cpu", cpu_model());
  line("cpu kernel sets", join(cpu_kernel_sets()) + " (this CPU can run: " +
                              join(supported_cpu_kernel_sets()) + ")");
  line("backends", join(available_backends()));
  for (const auto& name : available_backends()) {
    Backend& b = get_backend(name);
    out += name + ":\n";
    for (const auto& [key, value] : b.info()) line(key, value, 2);
  }
  return out;
}

}  // namespace temper
