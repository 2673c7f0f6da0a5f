// cpu_backend.cpp — construction, memory, host transfers, copies, casts and fills.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include "backends/cpu/cpu_backend.hpp"
#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/onednn_conv.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || n <= 0 || n > 4096) return fallback;
  return static_cast<int>(n);
}

int default_threads() {
  const unsigned hc = std::thread::hardware_concurrency();
  return env_int("TEMPER_NUM_THREADS", hc == 0 ? 1 : static_cast<int>(hc));
}

std::size_t default_cache_limit() {
  // TEMPER_CPU_CACHE_MB bounds the memory kept for reuse (default 4 GiB).
  return static_cast<std::size_t>(env_int("TEMPER_CPU_CACHE_MB", 4096)) << 20;
}

/// memmove-safe parallel byte copy.
void copy_bytes(ThreadPool& pool, const void* src, void* dst, std::size_t bytes) {
  if (src == dst || bytes == 0) return;
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  if (s < d + bytes && d < s + bytes) {  // overlapping views of one buffer
    std::memmove(d, s, bytes);
    return;
  }
  pool.parallel_for(static_cast<i64>(bytes), kGrainCopy * 16, [&](i64 b, i64 e) {
    std::memcpy(d + b, s + b, static_cast<std::size_t>(e - b));
  });
}

}  // namespace

CpuBackend::CpuBackend(std::string selection)
    : allocator_(default_cache_limit()), pool_(default_threads()), selection_(std::move(selection)) {
  configure_blas_threads();
}

BackendInfo CpuBackend::info() const {
  using xsimd::batch;
  return {
      {"kernels", std::string(TEMPER_CPU_KERNELS_NAME) + " (" + selection_ + ")"},
      {"simd", std::string(xsimd::default_arch::name()) + ", " +
                   std::to_string(batch<float>::size) + " float32 lanes"},
      {"blas", blas_description()},
      {"onednn", onednn::description()},
      {"threads", std::to_string(pool_.num_threads()) + " (TEMPER_NUM_THREADS, default: all cores)"},
      {"memory cache limit",
       std::to_string(allocator_.cache_limit() >> 20) + " MiB (TEMPER_CPU_CACHE_MB)"},
  };
}

CpuBackend::~CpuBackend() = default;

std::shared_ptr<Buffer> CpuBackend::allocate(std::size_t bytes) {
  void* p = allocator_.allocate(bytes);
  try {
    return std::make_shared<Buffer>(*this, p, bytes);
  } catch (...) {
    allocator_.release(p, bytes);
    throw;
  }
}

void CpuBackend::release(void* data, std::size_t bytes) noexcept { allocator_.release(data, bytes); }

void CpuBackend::to_host(const Tensor& src, void* dst) {
  check_tensor("to_host", src, "src");
  copy_bytes(pool_, src.data<char>(), dst, static_cast<std::size_t>(src.numel()) * dtype_size(src.dtype()));
}

void CpuBackend::from_host(const void* src, Tensor& dst) {
  check_tensor("from_host", dst, "dst");
  copy_bytes(pool_, src, dst.data<char>(), static_cast<std::size_t>(dst.numel()) * dtype_size(dst.dtype()));
}

void CpuBackend::copy(const Tensor& src, Tensor& dst) {
  check_tensor("copy", src, "src");
  check_like("copy", src, "src", dst, "dst");
  copy_bytes(pool_, src.data<char>(), dst.data<char>(),
             static_cast<std::size_t>(src.numel()) * dtype_size(src.dtype()));
}

void convert_buffer(ThreadPool& pool, const void* src, DType src_dt, void* dst, DType dst_dt,
                    i64 n) {
  if (src_dt == dst_dt) {
    copy_bytes(pool, src, dst, static_cast<std::size_t>(n) * dtype_size(src_dt));
    return;
  }
  dispatch_all(src_dt, [&](auto s_tag) {
    using S = decltype(s_tag);
    dispatch_all(dst_dt, [&](auto d_tag) {
      using D = decltype(d_tag);
      const S* s = static_cast<const S*>(src);
      D* d = static_cast<D*>(dst);
      pool.parallel_for(n, kGrainCheap, [&](i64 b, i64 e) {
        for (i64 i = b; i < e; ++i) d[i] = convert<D>(s[i]);
      });
    });
  });
}

void CpuBackend::cast(const Tensor& src, Tensor& dst) {
  check_tensor("cast", src, "src");
  check_tensor("cast", dst, "dst");
  if (src.numel() != dst.numel())
    fail_shape("cast", "src is " + describe(src) + " but dst is " + describe(dst) +
                           "; expected the same number of elements");
  convert_buffer(pool_, src.data<char>(), src.dtype(), dst.data<char>(), dst.dtype(), src.numel());
}

void CpuBackend::fill(Tensor& dst, double value) {
  check_tensor("fill", dst, "dst");
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = convert<T>(value);
    T* d = dst.data<T>();
    pool_.parallel_for(dst.numel(), kGrainCopy, [&](i64 b, i64 e) { std::fill(d + b, d + e, v); });
  });
}

std::unique_ptr<Backend> make_backend(std::string selection) {
  return std::make_unique<CpuBackend>(std::move(selection));
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
