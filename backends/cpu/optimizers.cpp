// optimizers.cpp — fused, in-place optimizer updates (Keras 3 formulas), one vectorised pass
// over every variable, split across the pool for large variables. Step-dependent scalars are
// computed in double once per call.
#include <array>
#include <cmath>

#include "backends/cpu/kernel_util.hpp"
#include "backends/cpu/simd.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

namespace {

constexpr i64 kGrainOpt = i64{1} << 14;

/// Runs f over [0, n) in parallel chunks: f(in batches, in-out batches).
template <class T, std::size_t NI, std::size_t NO, class F>
void update(ThreadPool& pool, i64 n, const std::array<const T*, NI>& in, const std::array<T*, NO>& io, F f) {
  pool.parallel_for(n, kGrainOpt, [&](i64 b, i64 e) {
    std::array<const T*, NI> ib;
    std::array<T*, NO> ob;
    for (std::size_t k = 0; k < NI; ++k) ib[k] = in[k] + b;
    for (std::size_t k = 0; k < NO; ++k) ob[k] = io[k] + b;
    simd_update<T, NI, NO>(e - b, f, ib, ob);
  });
}

void check_slot(const char* kernel, const Tensor& w, const Tensor* t, const char* name) {
  if (!t) fail_value(kernel, std::string(name) + " is null but the configuration needs it");
  check_like(kernel, w, "w", *t, name);
}

void check_wg(const char* kernel, const Tensor& w, const Tensor& g) {
  check_float(kernel, w, "w");
  check_like(kernel, w, "w", g, "g");
}

}  // namespace

void CpuBackend::sgd_update(Tensor& w, const Tensor& g, Tensor* momentum_buf, const OptimizerStep& s) {
  const char* kernel = "sgd_update";
  check_wg(kernel, w, g);
  const bool use_m = s.momentum != 0.0;
  if (use_m) check_slot(kernel, w, momentum_buf, "momentum_buf");
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B lr(static_cast<T>(s.lr)), mu(static_cast<T>(s.momentum));
    const i64 n = w.numel();
    if (!use_m) {  // w -= lr * g
      update<T, 1, 1>(pool_, n, {g.data<T>()}, {w.data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 1>& io) { io[0] = xsimd::fnma(lr, in[0], io[0]); });
    } else if (s.nesterov) {  // m = mu*m - lr*g; w += mu*m - lr*g
      update<T, 1, 2>(pool_, n, {g.data<T>()}, {w.data<T>(), momentum_buf->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 2>& io) {
                        const B lg = lr * in[0];
                        io[1] = mu * io[1] - lg;
                        io[0] = io[0] + (mu * io[1] - lg);
                      });
    } else {  // m = mu*m - lr*g; w += m
      update<T, 1, 2>(pool_, n, {g.data<T>()}, {w.data<T>(), momentum_buf->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 2>& io) {
                        io[1] = mu * io[1] - lr * in[0];
                        io[0] = io[0] + io[1];
                      });
    }
  });
}

void CpuBackend::adam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, Tensor* vhat,
                             const OptimizerStep& s) {
  const char* kernel = "adam_update";
  check_wg(kernel, w, g);
  check_like(kernel, w, "w", m, "m");
  check_like(kernel, w, "w", v, "v");
  if (s.amsgrad) check_slot(kernel, w, vhat, "vhat");
  const double t = static_cast<double>(s.t);
  const double alpha_d = s.lr * std::sqrt(1.0 - std::pow(s.beta2, t)) / (1.0 - std::pow(s.beta1, t));
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B alpha(static_cast<T>(alpha_d)), c1(static_cast<T>(1.0 - s.beta1)), c2(static_cast<T>(1.0 - s.beta2)),
        eps(static_cast<T>(s.epsilon));
    const i64 n = w.numel();
    if (!s.amsgrad) {
      update<T, 1, 3>(pool_, n, {g.data<T>()}, {w.data<T>(), m.data<T>(), v.data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 3>& io) {
                        const B gv = in[0];
                        io[1] = xsimd::fma(gv - io[1], c1, io[1]);
                        io[2] = xsimd::fma(gv * gv - io[2], c2, io[2]);
                        io[0] = io[0] - alpha * io[1] / (xsimd::sqrt(io[2]) + eps);
                      });
    } else {
      update<T, 1, 4>(pool_, n, {g.data<T>()}, {w.data<T>(), m.data<T>(), v.data<T>(), vhat->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 4>& io) {
                        const B gv = in[0];
                        io[1] = xsimd::fma(gv - io[1], c1, io[1]);
                        io[2] = xsimd::fma(gv * gv - io[2], c2, io[2]);
                        io[3] = max_nan(io[3], io[2]);
                        io[0] = io[0] - alpha * io[1] / (xsimd::sqrt(io[3]) + eps);
                      });
    }
  });
}

void CpuBackend::rmsprop_update(Tensor& w, const Tensor& g, Tensor& v, Tensor* mg, Tensor* mom,
                                const OptimizerStep& s) {
  const char* kernel = "rmsprop_update";
  check_wg(kernel, w, g);
  check_like(kernel, w, "w", v, "v");
  const bool use_mom = s.momentum > 0.0;
  if (s.centered) check_slot(kernel, w, mg, "mg");
  if (use_mom) check_slot(kernel, w, mom, "mom");
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B lr(static_cast<T>(s.lr)), rho(static_cast<T>(s.beta1)), c(static_cast<T>(1.0 - s.beta1)),
        eps(static_cast<T>(s.epsilon)), mu(static_cast<T>(s.momentum));
    const i64 n = w.numel();
    // io = {w, v, mg?, mom?}
    auto body = [=](const B& gv, B& wv, B& vv, B* mgv, B* momv) {
      vv = rho * vv + c * gv * gv;
      B denom = vv;
      if (mgv) {
        *mgv = rho * *mgv + c * gv;
        denom = vv - *mgv * *mgv;
      }
      const B inc = lr * gv / xsimd::sqrt(denom + eps);
      if (momv) {
        *momv = mu * *momv + inc;
        wv = wv - *momv;
      } else {
        wv = wv - inc;
      }
    };
    const T* gp = g.data<T>();
    if (s.centered && use_mom)
      update<T, 1, 4>(pool_, n, {gp}, {w.data<T>(), v.data<T>(), mg->data<T>(), mom->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 4>& io) { body(in[0], io[0], io[1], &io[2], &io[3]); });
    else if (s.centered)
      update<T, 1, 3>(pool_, n, {gp}, {w.data<T>(), v.data<T>(), mg->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 3>& io) { body(in[0], io[0], io[1], &io[2], nullptr); });
    else if (use_mom)
      update<T, 1, 3>(pool_, n, {gp}, {w.data<T>(), v.data<T>(), mom->data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 3>& io) { body(in[0], io[0], io[1], nullptr, &io[2]); });
    else
      update<T, 1, 2>(pool_, n, {gp}, {w.data<T>(), v.data<T>()},
                      [=](const std::array<B, 1>& in, std::array<B, 2>& io) { body(in[0], io[0], io[1], nullptr, nullptr); });
  });
}

void CpuBackend::adagrad_update(Tensor& w, const Tensor& g, Tensor& acc, const OptimizerStep& s) {
  const char* kernel = "adagrad_update";
  check_wg(kernel, w, g);
  check_like(kernel, w, "w", acc, "acc");
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B lr(static_cast<T>(s.lr)), eps(static_cast<T>(s.epsilon));
    update<T, 1, 2>(pool_, w.numel(), {g.data<T>()}, {w.data<T>(), acc.data<T>()},
                    [=](const std::array<B, 1>& in, std::array<B, 2>& io) {
                      const B gv = in[0];
                      io[1] = xsimd::fma(gv, gv, io[1]);
                      io[0] = io[0] - lr * gv / xsimd::sqrt(io[1] + eps);
                    });
  });
}

void CpuBackend::adamax_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& u, const OptimizerStep& s) {
  const char* kernel = "adamax_update";
  check_wg(kernel, w, g);
  check_like(kernel, w, "w", m, "m");
  check_like(kernel, w, "w", u, "u");
  const double step = s.lr / (1.0 - std::pow(s.beta1, static_cast<double>(s.t)));
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B a(static_cast<T>(step)), c1(static_cast<T>(1.0 - s.beta1)), b2(static_cast<T>(s.beta2)),
        eps(static_cast<T>(s.epsilon));
    update<T, 1, 3>(pool_, w.numel(), {g.data<T>()}, {w.data<T>(), m.data<T>(), u.data<T>()},
                    [=](const std::array<B, 1>& in, std::array<B, 3>& io) {
                      const B gv = in[0];
                      io[1] = xsimd::fma(gv - io[1], c1, io[1]);
                      io[2] = max_nan(b2 * io[2], xsimd::abs(gv));
                      io[0] = io[0] - a * io[1] / (io[2] + eps);
                    });
  });
}

void CpuBackend::nadam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, const OptimizerStep& s) {
  const char* kernel = "nadam_update";
  check_wg(kernel, w, g);
  check_like(kernel, w, "w", m, "m");
  check_like(kernel, w, "w", v, "v");
  // m_hat = u_t1 * m / (1 - u_product_t1) + (1 - u_t) * g / (1 - u_product)
  const double cm = s.nadam_u_t1 / (1.0 - s.nadam_u_product_t1);
  const double cg = (1.0 - s.nadam_u_t) / (1.0 - s.nadam_u_product);
  const double cv = 1.0 / (1.0 - std::pow(s.beta2, static_cast<double>(s.t)));
  dispatch_float(w.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using B = Batch<T>;
    const B lr(static_cast<T>(s.lr)), c1(static_cast<T>(1.0 - s.beta1)), c2(static_cast<T>(1.0 - s.beta2)),
        eps(static_cast<T>(s.epsilon)), bm(static_cast<T>(cm)), bg(static_cast<T>(cg)), bv(static_cast<T>(cv));
    update<T, 1, 3>(pool_, w.numel(), {g.data<T>()}, {w.data<T>(), m.data<T>(), v.data<T>()},
                    [=](const std::array<B, 1>& in, std::array<B, 3>& io) {
                      const B gv = in[0];
                      io[1] = xsimd::fma(gv - io[1], c1, io[1]);
                      io[2] = xsimd::fma(gv * gv - io[2], c2, io[2]);
                      const B m_hat = bm * io[1] + bg * gv;
                      const B v_hat = io[2] * bv;
                      io[0] = io[0] - lr * m_hat / (xsimd::sqrt(v_hat) + eps);
                    });
  });
}

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
