// cpu_backend.hpp — factory of the CPU backend (the registry's only entry point).
#pragma once
#include <memory>

#include "temper/backend.hpp"

namespace temper::detail {

/// Creates the CPU backend: a caching 64-byte-aligned allocator, one thread pool (size from
/// TEMPER_NUM_THREADS or std::thread::hardware_concurrency()) and OpenBLAS pinned to one
/// thread per call (large GEMMs are split across the backend's own pool instead).
std::unique_ptr<temper::Backend> make_cpu_backend();

}  // namespace temper::detail
