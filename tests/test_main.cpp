// The doctest main of every test executable. With TEMPER_CPU_KERNELS naming a kernel set this
// CPU cannot run (CTest's kernels_<set>_* entries), the executable skips with one line and
// exit code 77 instead of failing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <temper/info.hpp>

namespace {

/// Test discovery (--list-test-cases ...) must work whatever TEMPER_CPU_KERNELS says.
bool only_listing(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).find("-list") != std::string::npos ||
        std::string(argv[i]).rfind("-l", 0) == 0)
      return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* k = std::getenv("TEMPER_CPU_KERNELS");
      k && *k && std::string(k) != "auto" && !only_listing(argc, argv)) {
    const auto compiled = temper::cpu_kernel_sets();
    const auto supported = temper::supported_cpu_kernel_sets();
    const bool built = std::find(compiled.begin(), compiled.end(), k) != compiled.end();
    const bool runs = std::find(supported.begin(), supported.end(), k) != supported.end();
    if (built && !runs) {
      std::string can;
      for (const auto& s : supported) can += (can.empty() ? "" : ", ") + s;
      std::printf("SKIP: this CPU cannot run the %s kernels (it can run: %s)\n", k, can.c_str());
      return 77;
    }
  }
  doctest::Context context(argc, argv);
  return context.run();
}
