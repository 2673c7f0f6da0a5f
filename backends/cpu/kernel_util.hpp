// kernel_util.hpp — argument checks, dtype dispatch and scratch memory for CPU kernels.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/cpu/cpu_backend_impl.hpp"
#include "temper/error.hpp"
#include "temper/tensor.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

using i64 = std::int64_t;

// Work per chunk below which a kernel stays on the calling thread (in elements).
inline constexpr i64 kGrainCopy = i64{1} << 16;        // memcpy-like, memory bound
inline constexpr i64 kGrainCheap = i64{1} << 15;       // add, relu, axpy ...
inline constexpr i64 kGrainTranscendental = i64{1} << 12;  // exp, tanh, erf ...

/// "(2, 3) float32"
inline std::string describe(const Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  return shape_to_string(t.shape()) + " " + dtype_name(t.dtype());
}

[[noreturn]] inline void fail_shape(const char* kernel, const std::string& what) {
  throw ShapeError(std::string("cpu backend: ") + kernel + ": " + what);
}
[[noreturn]] inline void fail_value(const char* kernel, const std::string& what) {
  throw ValueError(std::string("cpu backend: ") + kernel + ": " + what);
}

inline void check_tensor(const char* kernel, const Tensor& t, const char* name) {
  if (!t.defined()) fail_value(kernel, std::string(name) + " is an undefined tensor");
  if (t.device() != DeviceType::CPU)
    fail_value(kernel, std::string(name) + " (" + describe(t) + ") lives on the '" +
                           t.backend().name() + "' backend, not on 'cpu'");
}

inline void check_float(const char* kernel, const Tensor& t, const char* name) {
  check_tensor(kernel, t, name);
  if (!is_floating(t.dtype()))
    fail_value(kernel, std::string(name) + " has dtype " + dtype_name(t.dtype()) +
                           "; expected float32 or float64");
}

inline void check_dtype(const char* kernel, const Tensor& t, const char* name, DType want) {
  check_tensor(kernel, t, name);
  if (t.dtype() != want)
    fail_value(kernel, std::string(name) + " has dtype " + dtype_name(t.dtype()) +
                           "; expected " + dtype_name(want));
}

/// Same dtype and element count as `ref`.
inline void check_like(const char* kernel, const Tensor& ref, const char* ref_name,
                       const Tensor& t, const char* name) {
  check_tensor(kernel, t, name);
  if (t.dtype() != ref.dtype() || t.numel() != ref.numel())
    fail_shape(kernel, std::string(name) + " is " + describe(t) + " but " + ref_name + " is " +
                           describe(ref) + "; expected the same dtype and number of elements");
}

inline void check_same_shape(const char* kernel, const Tensor& ref, const char* ref_name,
                             const Tensor& t, const char* name) {
  check_like(kernel, ref, ref_name, t, name);
  if (t.shape() != ref.shape())
    fail_shape(kernel, std::string(name) + " is " + describe(t) + " but " + ref_name + " is " +
                           describe(ref) + "; expected the same shape");
}

/// Calls f(T{}) with T = float or double.
template <class F>
decltype(auto) dispatch_float(DType dt, const char* kernel, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: break;
  }
  fail_value(kernel, "dtype " + dtype_name(dt) + " is not supported; expected float32 or float64");
}

/// Calls f(T{}) with T = float, double, int32_t or uint8_t.
template <class F>
decltype(auto) dispatch_all(DType dt, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int32: return f(std::int32_t{});
    case DType::UInt8: return f(std::uint8_t{});
  }
  return f(float{});
}

/// Temporary memory from the backend's caching allocator (no malloc in steady state).
class Scratch {
 public:
  Scratch(CpuBackend& be, std::size_t bytes)
      : alloc_(&be.allocator()), bytes_(bytes), p_(alloc_->allocate(bytes)) {}
  ~Scratch() { alloc_->release(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const noexcept {
    return static_cast<T*>(p_);
  }

 private:
  CachingAllocator* alloc_;
  std::size_t bytes_;
  void* p_;
};

/// Value conversion with NumPy-like results where C++ would be undefined: NaN -> 0 and
/// clamping for float -> integer, modular wrap for int32 -> uint8.
template <class To, class From>
inline To convert(From v) noexcept {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    if (!(v == v)) return To{0};
    constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<To>::max());
    const double d = static_cast<double>(v);
    return d <= lo ? std::numeric_limits<To>::min()
                   : (d >= hi ? std::numeric_limits<To>::max() : static_cast<To>(d));
  } else {
    return static_cast<To>(v);
  }
}

// ---- helpers shared between translation units ----------------------------------------------

/// Converts n elements (any dtypes) in parallel; defined in cpu_backend.cpp.
void convert_buffer(ThreadPool& pool, const void* src, DType src_dt, void* dst, DType dst_dt,
                    i64 n);

/// Row-major transpose of raw elements of size elem (1, 2, 4 or 8 bytes); defined in
/// shape_ops.cpp. out shape[i] = shape[perm[i]].
void transpose_raw(ThreadPool& pool, const void* src, void* dst, std::size_t elem,
                   const Shape& shape, const std::vector<int>& perm);

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
