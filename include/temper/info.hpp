// info.hpp — what this build of Temper is and what it runs on (`temper info`).
#pragma once
#include <string>
#include <vector>

namespace temper {

/// The CPU kernel sets compiled into this build, worst first: "sse2", "avx2", "avx512" (or
/// just "native" with TEMPER_NATIVE=ON).
std::vector<std::string> cpu_kernel_sets();

/// The kernel sets of this build that the CPU this process runs on can execute.
std::vector<std::string> supported_cpu_kernel_sets();

/// A human-readable report of the build (version, compiler, options) and of every backend
/// (its kernels, BLAS, threads), like PyTorch's torch.__config__.show(). Creates the
/// backends it describes. What `temper info` prints.
std::string build_info();

}  // namespace temper
