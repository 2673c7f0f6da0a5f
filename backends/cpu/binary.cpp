// binary.cpp — broadcasting binary ops, comparisons, where and broadcast_to.
#include <cmath>
#include <optional>

#include "backends/cpu/broadcast.hpp"
#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

const char* binary_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "binary(Add)";
    case BinaryOp::Sub: return "binary(Sub)";
    case BinaryOp::Mul: return "binary(Mul)";
    case BinaryOp::Div: return "binary(Div)";
    case BinaryOp::Pow: return "binary(Pow)";
    case BinaryOp::Maximum: return "binary(Maximum)";
    case BinaryOp::Minimum: return "binary(Minimum)";
    case BinaryOp::Equal: return "binary(Equal)";
    case BinaryOp::NotEqual: return "binary(NotEqual)";
    case BinaryOp::Greater: return "binary(Greater)";
    case BinaryOp::GreaterEqual: return "binary(GreaterEqual)";
    case BinaryOp::Less: return "binary(Less)";
    case BinaryOp::LessEqual: return "binary(LessEqual)";
  }
  return "binary(?)";
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::Equal || op == BinaryOp::NotEqual || op == BinaryOp::Greater ||
         op == BinaryOp::GreaterEqual || op == BinaryOp::Less || op == BinaryOp::LessEqual;
}

/// out = f(a, b) over a broadcast plan; inner strides are 0 or 1.
template <class T, class F>
void run_plan(ThreadPool& pool, const BroadcastPlan<2>& p, i64 grain, const T* a, const T* b, T* out,
              F f) {
  using B = Batch<T>;
  for_each_broadcast<2>(pool, p, grain, [&](i64 o, const std::array<i64, 2>& off, i64 len,
                                             const std::array<i64, 2>& st) {
    const T* ap = a + off[0];
    const T* bp = b + off[1];
    T* op = out + o;
    if (st[0] && st[1]) {
      simd_map<T>(len, f, op, ap, bp);
    } else if (st[0]) {
      const B bv(*bp);
      simd_map<T>(len, [&](B x) { return f(x, bv); }, op, ap);
    } else if (st[1]) {
      const B av(*ap);
      simd_map<T>(len, [&](B y) { return f(av, y); }, op, bp);
    } else {
      alignas(64) T buf[B::size];
      f(B(*ap), B(*bp)).store_aligned(buf);
      std::fill(op, op + len, buf[0]);
    }
  });
}

template <class T>
void binary_typed(ThreadPool& pool, BinaryOp op, const BroadcastPlan<2>& p, const T* a, const T* b,
                  T* out) {
  using B = Batch<T>;
  const B one(T(1)), zero(T(0));
  const i64 g = kGrainCheap;
  switch (op) {
    case BinaryOp::Add: return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return x + y; });
    case BinaryOp::Sub: return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return x - y; });
    case BinaryOp::Mul: return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return x * y; });
    case BinaryOp::Div: return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return x / y; });
    case BinaryOp::Pow:
      return run_plan<T>(pool, p, kGrainTranscendental, a, b, out,
                         [](B x, B y) { return xsimd::pow(x, y); });
    case BinaryOp::Maximum:
      return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return max_nan(x, y); });
    case BinaryOp::Minimum:
      return run_plan<T>(pool, p, g, a, b, out, [](B x, B y) { return min_nan(x, y); });
    case BinaryOp::Equal:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x == y, one, zero); });
    case BinaryOp::NotEqual:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x != y, one, zero); });
    case BinaryOp::Greater:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x > y, one, zero); });
    case BinaryOp::GreaterEqual:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x >= y, one, zero); });
    case BinaryOp::Less:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x < y, one, zero); });
    case BinaryOp::LessEqual:
      return run_plan<T>(pool, p, g, a, b, out, [=](B x, B y) { return xsimd::select(x <= y, one, zero); });
  }
}

/// A tensor's data, or a converted copy of it in dtype `want` (scratch from the cache).
struct AsType {
  const void* ptr = nullptr;
  std::optional<Scratch> tmp;
  AsType(CpuBackend& be, const void* data, DType have, i64 n, DType want) {
    if (have == want) {
      ptr = data;
      return;
    }
    tmp.emplace(be, static_cast<std::size_t>(n) * dtype_size(want));
    convert_buffer(be.pool(), data, have, tmp->as<void>(), want, n);
    ptr = tmp->as<void>();
  }
};

/// out = a op b for any dtypes: computes in `out`'s float dtype, or in float64 for
/// comparisons and integer outputs (exact for int32 and uint8), converting on the fly.
void binary_any(CpuBackend& be, BinaryOp op, const void* a, DType adt, const Shape& as,
                const void* b, DType bdt, const Shape& bs, void* out, DType odt, const Shape& os) {
  const char* kernel = binary_name(op);
  const BroadcastPlan<2> plan = make_broadcast_plan<2>(kernel, os, {&as, &bs}, {"a", "b"});
  if (plan.numel == 0) return;
  if (adt == bdt && bdt == odt && is_floating(odt)) {
    dispatch_float(odt, kernel, [&](auto tag) {
      using T = decltype(tag);
      binary_typed<T>(be.pool(), op, plan, static_cast<const T*>(a), static_cast<const T*>(b),
                      static_cast<T*>(out));
    });
    return;
  }
  const DType ct = (is_comparison(op) || !is_floating(odt)) ? DType::Float64 : odt;
  AsType ca(be, a, adt, shape_numel(as), ct);
  AsType cb(be, b, bdt, shape_numel(bs), ct);
  std::optional<Scratch> tmp;
  void* dst = out;
  if (odt != ct) {
    tmp.emplace(be, static_cast<std::size_t>(plan.numel) * dtype_size(ct));
    dst = tmp->as<void>();
  }
  dispatch_float(ct, kernel, [&](auto tag) {
    using T = decltype(tag);
    binary_typed<T>(be.pool(), op, plan, static_cast<const T*>(ca.ptr), static_cast<const T*>(cb.ptr),
                    static_cast<T*>(dst));
  });
  if (dst != out) convert_buffer(be.pool(), dst, ct, out, odt, plan.numel);
}

}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  const char* kernel = binary_name(op);
  check_tensor(kernel, a, "a");
  check_tensor(kernel, b, "b");
  check_tensor(kernel, out, "out");
  binary_any(*this, op, a.data<char>(), a.dtype(), a.shape(), b.data<char>(), b.dtype(), b.shape(),
             out.data<char>(), out.dtype(), out.shape());
}

void CpuBackend::binary_scalar(BinaryOp op, const Tensor& a, double s, Tensor& out,
                               bool scalar_first) {
  const char* kernel = binary_name(op);
  check_tensor(kernel, a, "a");
  check_tensor(kernel, out, "out");
  if (a.numel() != out.numel())
    fail_shape(kernel, "a is " + describe(a) + " but out is " + describe(out) +
                           "; expected the same number of elements");
  // The scalar is carried in the dtype the computation runs in, so no precision is lost.
  const bool direct = a.dtype() == out.dtype() && is_floating(a.dtype());
  const DType sdt = direct ? a.dtype() : DType::Float64;
  const float sf = static_cast<float>(s);
  const void* sp = sdt == DType::Float32 ? static_cast<const void*>(&sf) : static_cast<const void*>(&s);
  const Shape scalar_shape{};
  const Shape& os = out.shape();
  if (scalar_first)
    binary_any(*this, op, sp, sdt, scalar_shape, a.data<char>(), a.dtype(), os, out.data<char>(),
               out.dtype(), os);
  else
    binary_any(*this, op, a.data<char>(), a.dtype(), os, sp, sdt, scalar_shape, out.data<char>(),
               out.dtype(), os);
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  check_tensor("where", cond, "cond");
  check_tensor("where", a, "a");
  check_tensor("where", b, "b");
  check_tensor("where", out, "out");
  if (a.dtype() != out.dtype() || b.dtype() != out.dtype())
    fail_value("where", "a is " + describe(a) + ", b is " + describe(b) + " and out is " +
                            describe(out) + "; a, b and out must have the same dtype");
  const BroadcastPlan<3> plan = make_broadcast_plan<3>(
      "where", out.shape(), {&cond.shape(), &a.shape(), &b.shape()}, {"cond", "a", "b"});
  if (plan.numel == 0) return;
  dispatch_all(cond.dtype(), [&](auto ctag) {
    using C = decltype(ctag);
    dispatch_all(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const C* cp = cond.data<C>();
      const T* ap = a.data<T>();
      const T* bp = b.data<T>();
      T* op = out.data<T>();
      for_each_broadcast<3>(pool_, plan, kGrainCheap, [&](i64 o, const std::array<i64, 3>& off, i64 len,
                                                          const std::array<i64, 3>& st) {
        const C* c = cp + off[0];
        const T* x = ap + off[1];
        const T* y = bp + off[2];
        T* z = op + o;
        if (st[0] && st[1] && st[2]) {
          for (i64 i = 0; i < len; ++i) z[i] = c[i] != C(0) ? x[i] : y[i];
        } else {
          const i64 sc = st[0], sx = st[1], sy = st[2];
          for (i64 i = 0; i < len; ++i) z[i] = c[i * sc] != C(0) ? x[i * sx] : y[i * sy];
        }
      });
    });
  });
}

void CpuBackend::broadcast_to(const Tensor& x, Tensor& out) {
  check_tensor("broadcast_to", x, "x");
  check_tensor("broadcast_to", out, "out");
  if (x.dtype() != out.dtype())
    fail_value("broadcast_to", "x is " + describe(x) + " but out is " + describe(out) +
                                   "; expected the same dtype");
  const BroadcastPlan<1> plan = make_broadcast_plan<1>("broadcast_to", out.shape(), {&x.shape()}, {"x"});
  if (plan.numel == 0) return;
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    for_each_broadcast<1>(pool_, plan, kGrainCopy, [&](i64 o, const std::array<i64, 1>& off, i64 len,
                                                       const std::array<i64, 1>& st) {
      if (st[0])
        std::memcpy(op + o, xp + off[0], static_cast<std::size_t>(len) * sizeof(T));
      else
        std::fill(op + o, op + o + len, xp[off[0]]);
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
