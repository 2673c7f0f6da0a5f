// elementwise.cpp — unary kernels and their derivatives, clip, axpy, scale.
//
// Every kernel is one vectorised pass (xsimd: exp, tanh, erf, log1p ... are SIMD
// polynomials), split across the pool when the tensor is large.
#include <cmath>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

const char* unary_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Identity: return "Identity";
    case UnaryOp::Neg: return "Neg";
    case UnaryOp::Abs: return "Abs";
    case UnaryOp::Sign: return "Sign";
    case UnaryOp::Square: return "Square";
    case UnaryOp::Sqrt: return "Sqrt";
    case UnaryOp::Rsqrt: return "Rsqrt";
    case UnaryOp::Exp: return "Exp";
    case UnaryOp::Log: return "Log";
    case UnaryOp::Log1p: return "Log1p";
    case UnaryOp::Reciprocal: return "Reciprocal";
    case UnaryOp::Pow: return "Pow";
    case UnaryOp::Relu: return "Relu";
    case UnaryOp::Relu6: return "Relu6";
    case UnaryOp::LeakyRelu: return "LeakyRelu";
    case UnaryOp::Sigmoid: return "Sigmoid";
    case UnaryOp::Tanh: return "Tanh";
    case UnaryOp::Gelu: return "Gelu";
    case UnaryOp::GeluTanh: return "GeluTanh";
    case UnaryOp::Elu: return "Elu";
    case UnaryOp::Selu: return "Selu";
    case UnaryOp::Softplus: return "Softplus";
    case UnaryOp::Softsign: return "Softsign";
    case UnaryOp::Swish: return "Swish";
    case UnaryOp::HardSigmoid: return "HardSigmoid";
    case UnaryOp::Exponential: return "Exponential";
    case UnaryOp::Floor: return "Floor";
    case UnaryOp::Round: return "Round";
  }
  return "?";
}

// Keras 3 (keras/src/activations/activations.py) constants, full precision.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2*pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2/pi)
constexpr double kGeluCoef = 0.044715;

bool is_small_int(double a) { return a == std::floor(a) && std::fabs(a) <= 64; }

/// x^a for a batch, exact for integer exponents (negative bases included).
template <class T>
Batch<T> pow_batch(const Batch<T>& x, double a) {
  if (a == 2) return x * x;
  if (a == 1) return x;
  if (a == 0) return Batch<T>(T(1));
  if (is_small_int(a)) return xsimd::pow(x, static_cast<int>(a));
  if (a == 0.5) return xsimd::sqrt(x);
  return xsimd::pow(x, Batch<T>(static_cast<T>(a)));
}

template <class T>
Batch<T> sigmoid_batch(const Batch<T>& x) {
  const Batch<T> one(T(1));
  return one / (one + xsimd::exp(-x));
}

/// Ops whose derivative is computed from y = f(x) rather than x.
bool backward_uses_y(UnaryOp op) {
  switch (op) {
    case UnaryOp::Sigmoid:
    case UnaryOp::Tanh:
    case UnaryOp::Exp:
    case UnaryOp::Exponential:
    case UnaryOp::Sqrt:
    case UnaryOp::Rsqrt:
    case UnaryOp::Reciprocal: return true;
    default: return false;
  }
}

bool is_transcendental(UnaryOp op) {
  switch (op) {
    case UnaryOp::Identity:
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Sign:
    case UnaryOp::Square:
    case UnaryOp::Relu:
    case UnaryOp::Relu6:
    case UnaryOp::LeakyRelu:
    case UnaryOp::HardSigmoid:
    case UnaryOp::Floor:
    case UnaryOp::Round: return false;
    default: return true;
  }
}

template <class T>
void unary_forward(ThreadPool& pool, UnaryOp op, const T* x, T* y, i64 n, double alpha_d) {
  using B = Batch<T>;
  const i64 grain = is_transcendental(op) ? kGrainTranscendental : kGrainCheap;
  auto run = [&](auto f) {
    pool.parallel_for(n, grain, [&](i64 b, i64 e) { simd_map<T>(e - b, f, y + b, x + b); });
  };
  const T alpha = static_cast<T>(alpha_d);
  const B zero(T(0)), one(T(1));
  switch (op) {
    case UnaryOp::Identity:
      if (x != y) run([](B v) { return v; });
      return;
    case UnaryOp::Neg: return run([](B v) { return -v; });
    case UnaryOp::Abs: return run([](B v) { return xsimd::abs(v); });
    case UnaryOp::Sign: return run([](B v) { return keep_nan(v, xsimd::sign(v)); });
    case UnaryOp::Square: return run([](B v) { return v * v; });
    case UnaryOp::Sqrt: return run([](B v) { return xsimd::sqrt(v); });
    case UnaryOp::Rsqrt: return run([=](B v) { return one / xsimd::sqrt(v); });
    case UnaryOp::Exp:
    case UnaryOp::Exponential: return run([](B v) { return xsimd::exp(v); });
    case UnaryOp::Log: return run([](B v) { return xsimd::log(v); });
    case UnaryOp::Log1p: return run([](B v) { return xsimd::log1p(v); });
    case UnaryOp::Reciprocal: return run([=](B v) { return one / v; });
    case UnaryOp::Pow: return run([=](B v) { return pow_batch<T>(v, alpha_d); });
    // Clamps are selects on `v < bound`, false for NaN, so NaN passes through like in
    // TensorFlow / PyTorch (xsimd::max(v, 0) is maxps, which maps NaN to 0).
    case UnaryOp::Relu: return run([=](B v) { return xsimd::select(v < zero, zero, v); });
    case UnaryOp::Relu6: {
      const B six(T(6));
      return run([=](B v) { return xsimd::select(v < zero, zero, xsimd::select(v > six, six, v)); });
    }
    case UnaryOp::LeakyRelu: {
      const B a(alpha);
      return run([=](B v) { return xsimd::select(v > zero, v, a * v); });
    }
    case UnaryOp::Sigmoid: return run([](B v) { return sigmoid_batch<T>(v); });
    case UnaryOp::Tanh: return run([](B v) { return xsimd::tanh(v); });
    case UnaryOp::Gelu: {
      const B half(T(0.5)), s(static_cast<T>(kSqrt1_2));
      return run([=](B v) { return half * v * (one + xsimd::erf(v * s)); });
    }
    case UnaryOp::GeluTanh: {
      const B half(T(0.5)), c(static_cast<T>(kSqrt2OverPi)), k(static_cast<T>(kGeluCoef));
      return run([=](B v) {
        const B u = c * (v + k * v * v * v);
        return half * v * (one + xsimd::tanh(u));
      });
    }
    case UnaryOp::Elu: {
      const B a(alpha);
      return run([=](B v) { return xsimd::select(v > zero, v, a * xsimd::expm1(v)); });
    }
    case UnaryOp::Selu: {
      const B a(static_cast<T>(kSeluAlpha)), s(static_cast<T>(kSeluScale));
      return run([=](B v) { return s * xsimd::select(v > zero, v, a * xsimd::expm1(v)); });
    }
    case UnaryOp::Softplus:
      // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|.
      return run([=](B v) {
        return xsimd::select(v < zero, zero, v) + xsimd::log1p(xsimd::exp(-xsimd::abs(v)));
      });
    case UnaryOp::Softsign: return run([=](B v) { return v / (one + xsimd::abs(v)); });
    case UnaryOp::Swish: return run([](B v) { return v * sigmoid_batch<T>(v); });
    case UnaryOp::HardSigmoid: {
      const B three(T(3)), six(T(6)), inv6(T(1) / T(6));
      return run([=](B v) {
        const B u = v + three;
        return xsimd::select(u < zero, zero, xsimd::select(u > six, six, u)) * inv6;
      });
    }
    case UnaryOp::Floor: return run([](B v) { return xsimd::floor(v); });
    case UnaryOp::Round: return run([](B v) { return xsimd::nearbyint(v); });  // half to even
  }
}

/// dx = dy * f'(x); `x` or `y` is null when the op does not need it.
template <class T>
void unary_backward_impl(ThreadPool& pool, UnaryOp op, const T* x, const T* y, const T* dy, T* dx,
                         i64 n, double alpha_d) {
  using B = Batch<T>;
  const i64 grain = is_transcendental(op) ? kGrainTranscendental : kGrainCheap;
  // f(x, dy) or f(y, dy)
  auto run_x = [&](auto f) {
    pool.parallel_for(n, grain, [&](i64 b, i64 e) { simd_map<T>(e - b, f, dx + b, x + b, dy + b); });
  };
  auto run_y = [&](auto f) {
    pool.parallel_for(n, grain, [&](i64 b, i64 e) { simd_map<T>(e - b, f, dx + b, y + b, dy + b); });
  };
  const T alpha = static_cast<T>(alpha_d);
  const B zero(T(0)), one(T(1)), half(T(0.5));
  switch (op) {
    case UnaryOp::Identity:
      if (dx != dy) pool.parallel_for(n, kGrainCopy, [&](i64 b, i64 e) {
        std::memcpy(dx + b, dy + b, static_cast<std::size_t>(e - b) * sizeof(T));
      });
      return;
    case UnaryOp::Neg:
      pool.parallel_for(n, kGrainCheap, [&](i64 b, i64 e) {
        simd_map<T>(e - b, [](B g) { return -g; }, dx + b, dy + b);
      });
      return;
    case UnaryOp::Sign:
    case UnaryOp::Floor:
    case UnaryOp::Round: {
      pool.parallel_for(n, kGrainCopy, [&](i64 b, i64 e) { std::fill(dx + b, dx + e, T(0)); });
      return;
    }
    case UnaryOp::Abs: return run_x([](B v, B g) { return keep_nan(v, g * xsimd::sign(v)); });
    case UnaryOp::Square: return run_x([](B v, B g) { return (v + v) * g; });
    case UnaryOp::Sqrt: return run_y([=](B r, B g) { return half * g / r; });
    case UnaryOp::Rsqrt: {
      const B mhalf(T(-0.5));
      return run_y([=](B r, B g) { return mhalf * g * r * r * r; });
    }
    case UnaryOp::Exp:
    case UnaryOp::Exponential: return run_y([](B r, B g) { return g * r; });
    case UnaryOp::Log: return run_x([](B v, B g) { return g / v; });
    case UnaryOp::Log1p: return run_x([=](B v, B g) { return g / (one + v); });
    case UnaryOp::Reciprocal: return run_y([](B r, B g) { return -(g * r * r); });
    case UnaryOp::Pow: {
      if (alpha_d == 0) {
        pool.parallel_for(n, kGrainCopy, [&](i64 b, i64 e) { std::fill(dx + b, dx + e, T(0)); });
        return;
      }
      const B a(alpha);
      return run_x([=](B v, B g) { return g * a * pow_batch<T>(v, alpha_d - 1); });
    }
    // Piecewise-linear derivatives: outside the linear piece the gradient is g * 0 rather
    // than 0, so a NaN dy stays NaN (TensorFlow multiplies by the 0/1 mask the same way),
    // and a NaN x gives NaN, its derivative being undefined.
    case UnaryOp::Relu:
      return run_x([=](B v, B g) { return keep_nan(v, xsimd::select(v > zero, g, g * zero)); });
    case UnaryOp::Relu6: {
      const B six(T(6));
      return run_x([=](B v, B g) {
        return keep_nan(v, xsimd::select((v > zero) && (v < six), g, g * zero));
      });
    }
    case UnaryOp::LeakyRelu: {
      const B a(alpha);
      return run_x([=](B v, B g) { return keep_nan(v, xsimd::select(v > zero, g, a * g)); });
    }
    case UnaryOp::Sigmoid: return run_y([=](B r, B g) { return g * r * (one - r); });
    case UnaryOp::Tanh: return run_y([=](B r, B g) { return g * (one - r * r); });
    case UnaryOp::Gelu: {
      const B s(static_cast<T>(kSqrt1_2)), p(static_cast<T>(kInvSqrt2Pi)), mhalf(T(-0.5));
      return run_x([=](B v, B g) {
        const B cdf = half * (one + xsimd::erf(v * s));
        const B pdf = p * xsimd::exp(mhalf * v * v);
        return g * (cdf + v * pdf);
      });
    }
    case UnaryOp::GeluTanh: {
      const B c(static_cast<T>(kSqrt2OverPi)), k(static_cast<T>(kGeluCoef)),
          k3(static_cast<T>(3 * kGeluCoef));
      return run_x([=](B v, B g) {
        const B v2 = v * v;
        const B t = xsimd::tanh(c * (v + k * v2 * v));
        return g * (half * (one + t) + half * v * (one - t * t) * c * (one + k3 * v2));
      });
    }
    case UnaryOp::Elu: {
      const B a(alpha);
      return run_x([=](B v, B g) { return xsimd::select(v > zero, g, g * a * xsimd::exp(v)); });
    }
    case UnaryOp::Selu: {
      const B s(static_cast<T>(kSeluScale)), as(static_cast<T>(kSeluScale * kSeluAlpha));
      return run_x([=](B v, B g) { return g * xsimd::select(v > zero, s, as * xsimd::exp(v)); });
    }
    case UnaryOp::Softplus: return run_x([](B v, B g) { return g * sigmoid_batch<T>(v); });
    case UnaryOp::Softsign:
      return run_x([=](B v, B g) {
        const B d = one + xsimd::abs(v);
        return g / (d * d);
      });
    case UnaryOp::Swish:
      return run_x([=](B v, B g) {
        const B s = sigmoid_batch<T>(v);
        return g * s * (one + v * (one - s));
      });
    case UnaryOp::HardSigmoid: {
      const B three(T(3)), mthree(T(-3)), inv6(T(1) / T(6));
      return run_x([=](B v, B g) {
        return keep_nan(v, xsimd::select((v > mthree) && (v < three), g * inv6, g * zero));
      });
    }
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const Tensor& x, Tensor& y, double alpha) {
  const std::string kernel = std::string("unary(") + unary_name(op) + ")";
  check_float(kernel.c_str(), x, "x");
  check_like(kernel.c_str(), x, "x", y, "y");
  dispatch_float(x.dtype(), kernel.c_str(), [&](auto tag) {
    using T = decltype(tag);
    unary_forward<T>(pool_, op, x.data<T>(), y.data<T>(), x.numel(), alpha);
  });
}

void CpuBackend::unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                                Tensor& dx, double alpha) {
  const std::string k = std::string("unary_backward(") + unary_name(op) + ")";
  const char* kernel = k.c_str();
  check_float(kernel, dy, "dy");
  check_like(kernel, dy, "dy", dx, "dx");
  const bool uses_y = backward_uses_y(op);
  const bool have_y = y.defined();
  if (uses_y && have_y) check_like(kernel, dy, "dy", y, "y");
  if (!uses_y || !have_y) check_like(kernel, dy, "dy", x, "x");
  dispatch_float(dy.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const i64 n = dy.numel();
    if (uses_y && !have_y) {
      // y was not kept: recompute it.
      Scratch tmp(*this, static_cast<std::size_t>(n) * sizeof(T));
      unary_forward<T>(pool_, op, x.data<T>(), tmp.as<T>(), n, alpha);
      unary_backward_impl<T>(pool_, op, nullptr, tmp.as<T>(), dy.data<T>(), dx.data<T>(), n, alpha);
      return;
    }
    unary_backward_impl<T>(pool_, op, uses_y ? nullptr : x.data<T>(), uses_y ? y.data<T>() : nullptr,
                           dy.data<T>(), dx.data<T>(), n, alpha);
  });
}

void CpuBackend::clip(const Tensor& x, double lo, double hi, Tensor& out) {
  check_float("clip", x, "x");
  check_like("clip", x, "x", out, "out");
  dispatch_float(x.dtype(), "clip", [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B l(static_cast<T>(lo)), h(static_cast<T>(hi));
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    pool_.parallel_for(x.numel(), kGrainCheap, [&](i64 b, i64 e) {
      // Selects on comparisons that are false for NaN: NaN stays NaN (min/max would clamp it).
      simd_map<T>(e - b, [=](B v) { return xsimd::select(v < l, l, xsimd::select(v > h, h, v)); },
                  op + b, xp + b);
    });
  });
}

void CpuBackend::clip_backward(const Tensor& x, double lo, double hi, const Tensor& dy,
                               Tensor& dx) {
  check_float("clip_backward", x, "x");
  check_like("clip_backward", x, "x", dy, "dy");
  check_like("clip_backward", x, "x", dx, "dx");
  dispatch_float(x.dtype(), "clip_backward", [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B l(static_cast<T>(lo)), h(static_cast<T>(hi)), zero(T(0));
    const T* xp = x.data<T>();
    const T* gp = dy.data<T>();
    T* op = dx.data<T>();
    pool_.parallel_for(x.numel(), kGrainCheap, [&](i64 b, i64 e) {
      simd_map<T>(e - b,
                  [=](B v, B g) { return keep_nan(v, xsimd::select((v >= l) && (v <= h), g, g * zero)); },
                  op + b, xp + b, gp + b);
    });
  });
}

void CpuBackend::axpy(double alpha, const Tensor& x, Tensor& y) {
  check_float("axpy", x, "x");
  check_like("axpy", x, "x", y, "y");
  dispatch_float(x.dtype(), "axpy", [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    if (alpha == 1.0) {
      pool_.parallel_for(x.numel(), kGrainCheap, [&](i64 b, i64 e) {
        simd_map<T>(e - b, [](B yv, B xv) { return yv + xv; }, yp + b, yp + b, xp + b);
      });
    } else {
      const B a(static_cast<T>(alpha));
      pool_.parallel_for(x.numel(), kGrainCheap, [&](i64 b, i64 e) {
        simd_map<T>(e - b, [=](B yv, B xv) { return xsimd::fma(a, xv, yv); }, yp + b, yp + b, xp + b);
      });
    }
  });
}

void CpuBackend::scale(Tensor& x, double alpha) {
  check_float("scale", x, "x");
  dispatch_float(x.dtype(), "scale", [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B a(static_cast<T>(alpha));
    T* xp = x.data<T>();
    if (alpha == 0.0) {  // exact zeros, even where x holds inf or NaN
      pool_.parallel_for(x.numel(), kGrainCopy, [&](i64 b, i64 e) { std::fill(xp + b, xp + e, T(0)); });
      return;
    }
    pool_.parallel_for(x.numel(), kGrainCheap, [&](i64 b, i64 e) {
      simd_map<T>(e - b, [=](B v) { return v * a; }, xp + b, xp + b);
    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
