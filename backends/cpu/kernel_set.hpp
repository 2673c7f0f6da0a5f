// kernel_set.hpp — which compiled copy of the CPU kernels a translation unit belongs to.
//
// The kernel sources (every file in backends/cpu but the thread pool, the allocator and
// cpu_dispatch.cpp) are compiled once per instruction set: CMake builds one object library
// per kernel set with the matching -march and TEMPER_CPU_KERNELS=<set>, and each copy lives
// in its own namespace temper::cpu::<set>, so the copies never share a symbol. At run time
// cpu_dispatch.cpp creates the backend of the best set the CPU supports.
#pragma once

#ifndef TEMPER_CPU_KERNELS
#error "CPU kernel sources are compiled through the temper_cpu_kernels_<set> CMake targets"
#endif

#define TEMPER_CPU_STRINGIFY_(x) #x
#define TEMPER_CPU_STRINGIFY(x) TEMPER_CPU_STRINGIFY_(x)
/// "avx2", "avx512", ... — the name of the kernel set being compiled.
#define TEMPER_CPU_KERNELS_NAME TEMPER_CPU_STRINGIFY(TEMPER_CPU_KERNELS)
