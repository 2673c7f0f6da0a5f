// Differentiable normalization and noise ops: each calls one fused backend kernel and records
// one backward node that calls the matching fused backward kernel.
#include "temper/ops/normalization.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "temper/autograd.hpp"
#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::ops {

namespace {

Tensor view(const Tensor& x, const Shape& shape) {
  return Tensor(x.buffer(), x.offset(), shape, x.dtype());
}

Tensor empty_like_shape(const Shape& shape, const Tensor& ref) {
  return Tensor::empty(shape, ref.dtype(), &ref.backend());
}

Tensor as_float(const Tensor& t) {
  return is_floating(t.dtype()) ? t : t.astype(DType::Float32);
}

void require_defined(const Tensor& t, const char* op) {
  if (!t.defined()) throw ValueError(std::string(op) + ": input tensor is undefined");
}

/// gamma / beta in x's dtype (a differentiable cast, as Keras casts them), or undefined.
Tensor param_like(const Tensor& p, const Tensor& x, std::int64_t c, const char* op,
                  const char* name) {
  if (!p.defined()) return p;
  if (p.numel() != c)
    throw ShapeError(std::string(op) + ": " + name + " has shape " + shape_to_string(p.shape()) +
                     " but the normalized axes hold " + std::to_string(c) +
                     " values; expected that many elements");
  return p.dtype() == x.dtype() ? p : cast(p, x.dtype());
}

/// A statistic (moving mean / variance) in x's dtype, detached.
Tensor stat_like(const Tensor& s, const Tensor& x, std::int64_t c, const char* op, const char* name) {
  if (!s.defined()) throw ValueError(std::string(op) + ": " + name + " is undefined");
  if (s.numel() != c)
    throw ShapeError(std::string(op) + ": " + name + " has shape " + shape_to_string(s.shape()) +
                     " but x has " + std::to_string(c) + " channels; expected (" +
                     std::to_string(c) + ",)");
  Tensor d = s.detach();
  return d.dtype() == x.dtype() ? d : d.astype(x.dtype());
}

/// Runs f on x with `axis` moved last, then moves the result's last axis back.
template <class F>
Tensor with_axis_last(const Tensor& x, int axis, F&& f) {
  const int r = x.rank();
  const int a = normalize_axis(axis, r);
  if (a == r - 1) return f(x);
  std::vector<int> perm, inv(static_cast<std::size_t>(r));
  for (int i = 0; i < r; ++i)
    if (i != a) perm.push_back(i);
  perm.push_back(a);
  for (int i = 0; i < r; ++i) inv[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = i;
  return transpose(f(transpose(x, perm)), inv);
}

/// Gathers the inputs that take part in autograd and maps their gradients back.
struct Inputs {
  std::vector<Tensor> list;
  int gamma_at = -1, beta_at = -1;
  Inputs(const Tensor& x, const Tensor& gamma, const Tensor& beta) {
    list.push_back(x);
    if (gamma.defined()) {
      gamma_at = static_cast<int>(list.size());
      list.push_back(gamma);
    }
    if (beta.defined()) {
      beta_at = static_cast<int>(list.size());
      list.push_back(beta);
    }
  }
};

std::vector<Tensor> grads_of(const Inputs& in, Tensor dx, Tensor dgamma, Tensor dbeta) {
  std::vector<Tensor> out(in.list.size());
  out[0] = std::move(dx);
  if (in.gamma_at >= 0) out[static_cast<std::size_t>(in.gamma_at)] = std::move(dgamma);
  if (in.beta_at >= 0) out[static_cast<std::size_t>(in.beta_at)] = std::move(dbeta);
  return out;
}

/// Batch normalization over the last axis of x (any rank >= 1).
Tensor bn_last_axis(const Tensor& x, const Tensor& gamma0, const Tensor& beta0, double epsilon,
                    bool training, const Tensor& mean0, const Tensor& var0, Tensor* out_mean,
                    Tensor* out_var) {
  const char* op = training ? "batch_normalization_training" : "batch_normalization";
  const std::int64_t C = x.rank() == 0 ? 1 : x.shape().back();
  const std::int64_t M = C == 0 ? 0 : x.numel() / C;
  Tensor gamma = param_like(gamma0, x, C, op, "gamma");
  Tensor beta = param_like(beta0, x, C, op, "beta");
  Tensor x2 = view(x, {M, C});
  Tensor y = empty_like_shape(x.shape(), x);
  Tensor y2 = view(y, {M, C});
  Tensor mean, var;
  if (training) {
    if (M == 0)
      throw ValueError(std::string(op) + ": cannot compute batch statistics of an empty batch (input shape " +
                       shape_to_string(x.shape()) + ")");
    mean = empty_like_shape({C}, x);
    var = empty_like_shape({C}, x);
    x.backend().batch_norm_forward_training(x2, gamma, beta, epsilon, y2, mean, var);
    if (out_mean) *out_mean = mean;
    if (out_var) *out_var = var;
  } else {
    mean = stat_like(mean0, x, C, op, "mean");
    var = stat_like(var0, x, C, op, "variance");
    x.backend().batch_norm_forward_inference(x2, gamma, beta, mean, var, epsilon, y2);
  }
  Inputs in(x, gamma, beta);
  return record(op, y, in.list, [in, x2, gamma, mean, var, epsilon, training](const Tensor& g) {
    const Tensor& xin = in.list[0];
    Tensor dx, dgamma, dbeta;
    if (xin.requires_grad()) dx = empty_like_shape(xin.shape(), xin);
    if (gamma.defined() && gamma.requires_grad()) dgamma = empty_like_shape(gamma.shape(), gamma);
    if (in.beta_at >= 0 && in.list[static_cast<std::size_t>(in.beta_at)].requires_grad())
      dbeta = empty_like_shape(in.list[static_cast<std::size_t>(in.beta_at)].shape(), xin);
    Tensor dx2 = dx.defined() ? view(dx, x2.shape()) : Tensor();
    xin.backend().batch_norm_backward(x2, view(g, x2.shape()), gamma, mean, var, epsilon, training,
                                      dx.defined() ? &dx2 : nullptr,
                                      dgamma.defined() ? &dgamma : nullptr,
                                      dbeta.defined() ? &dbeta : nullptr);
    return grads_of(in, dx, dgamma, dbeta);
  });
}

/// Group normalization of x viewed as (N, S, C).
Tensor gn_3d(const Tensor& x, const Shape& shape3, const Tensor& gamma, const Tensor& beta,
             std::int64_t groups, double epsilon, const char* op) {
  Tensor x3 = view(x, shape3);
  Tensor y = empty_like_shape(x.shape(), x);
  Tensor y3 = view(y, shape3);
  Tensor mean = empty_like_shape({shape3[0], groups}, x);
  Tensor inv = empty_like_shape({shape3[0], groups}, x);
  x.backend().group_norm_forward(x3, groups, gamma, beta, epsilon, y3, mean, inv);
  Inputs in(x, gamma, beta);
  return record(op, y, in.list, [in, x3, gamma, mean, inv, groups](const Tensor& g) {
    const Tensor& xin = in.list[0];
    Tensor dx, dgamma, dbeta;
    if (xin.requires_grad()) dx = empty_like_shape(xin.shape(), xin);
    if (gamma.defined() && gamma.requires_grad()) dgamma = empty_like_shape(gamma.shape(), gamma);
    if (in.beta_at >= 0 && in.list[static_cast<std::size_t>(in.beta_at)].requires_grad())
      dbeta = empty_like_shape(in.list[static_cast<std::size_t>(in.beta_at)].shape(), xin);
    Tensor dx3 = dx.defined() ? view(dx, x3.shape()) : Tensor();
    xin.backend().group_norm_backward(x3, view(g, x3.shape()), groups, gamma, mean, inv,
                                      dx.defined() ? &dx3 : nullptr,
                                      dgamma.defined() ? &dgamma : nullptr,
                                      dbeta.defined() ? &dbeta : nullptr);
    return grads_of(in, dx, dgamma, dbeta);
  });
}

}  // namespace

Tensor batch_normalization_training(const Tensor& x0, const Tensor& gamma, const Tensor& beta,
                                    double epsilon, int axis, Tensor* batch_mean,
                                    Tensor* batch_variance) {
  require_defined(x0, "batch_normalization_training");
  Tensor x = as_float(x0);
  if (x.rank() == 0)
    throw ShapeError("batch_normalization_training: expected an input of rank >= 1, got a scalar");
  return with_axis_last(x, axis, [&](const Tensor& xl) {
    return bn_last_axis(xl, gamma, beta, epsilon, true, Tensor(), Tensor(), batch_mean, batch_variance);
  });
}

Tensor batch_normalization(const Tensor& x0, const Tensor& mean, const Tensor& variance,
                           const Tensor& gamma, const Tensor& beta, double epsilon, int axis) {
  require_defined(x0, "batch_normalization");
  Tensor x = as_float(x0);
  if (x.rank() == 0)
    throw ShapeError("batch_normalization: expected an input of rank >= 1, got a scalar");
  return with_axis_last(x, axis, [&](const Tensor& xl) {
    return bn_last_axis(xl, gamma, beta, epsilon, false, mean, variance, nullptr, nullptr);
  });
}

Tensor layer_normalization(const Tensor& x0, const Tensor& gamma0, const Tensor& beta0,
                           std::vector<int> axes, double epsilon) {
  const char* op = "layer_normalization";
  require_defined(x0, op);
  Tensor x = as_float(x0);
  const int r = x.rank();
  if (axes.empty()) throw ValueError("layer_normalization: axes must not be empty");
  for (auto& a : axes) a = normalize_axis(a, r);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw ValueError("layer_normalization: axes contain a repeated axis");
  const int k = static_cast<int>(axes.size());
  bool trailing = true;
  for (int i = 0; i < k; ++i) trailing = trailing && axes[static_cast<std::size_t>(i)] == r - k + i;
  Tensor xt = x;
  std::vector<int> inv;
  if (!trailing) {
    std::vector<int> perm;
    for (int i = 0; i < r; ++i)
      if (!std::binary_search(axes.begin(), axes.end(), i)) perm.push_back(i);
    for (int a : axes) perm.push_back(a);
    inv.resize(static_cast<std::size_t>(r));
    for (int i = 0; i < r; ++i) inv[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)])] = i;
    xt = transpose(x, perm);
  }
  std::int64_t D = 1;
  for (int i = r - k; i < r; ++i) D *= xt.shape()[static_cast<std::size_t>(i)];
  const std::int64_t M = D == 0 ? 0 : xt.numel() / D;
  Tensor gamma = param_like(gamma0, xt, D, op, "gamma");
  Tensor beta = param_like(beta0, xt, D, op, "beta");
  if (gamma.defined() && gamma.rank() != 1) gamma = gamma.reshape({D});
  if (beta.defined() && beta.rank() != 1) beta = beta.reshape({D});
  Tensor y = gn_3d(xt, {M, 1, D}, gamma, beta, 1, epsilon, op);
  return trailing ? y : transpose(y, inv);
}

Tensor group_normalization(const Tensor& x0, const Tensor& gamma0, const Tensor& beta0,
                           std::int64_t groups, double epsilon, int axis) {
  const char* op = "group_normalization";
  require_defined(x0, op);
  Tensor x = as_float(x0);
  if (x.rank() < 2)
    throw ShapeError("group_normalization: expected an input of rank >= 2 (batch, ..., channels), got shape " +
                     shape_to_string(x.shape()));
  if (normalize_axis(axis, x.rank()) == 0)
    throw ValueError("group_normalization: axis 0 is the batch axis; expected the channels axis");
  return with_axis_last(x, axis, [&](const Tensor& xl) {
    const std::int64_t N = xl.shape()[0], C = xl.shape().back();
    if (groups <= 0 || C % groups != 0)
      throw ValueError("group_normalization: the number of channels (" + std::to_string(C) +
                       ") must be a multiple of the number of groups (" + std::to_string(groups) + ")");
    const std::int64_t S = N * C == 0 ? 0 : xl.numel() / (N * C);
    Tensor gamma = param_like(gamma0, xl, C, op, "gamma");
    Tensor beta = param_like(beta0, xl, C, op, "beta");
    return gn_3d(xl, {N, S, C}, gamma, beta, groups, epsilon, op);
  });
}

Tensor spatial_dropout(const Tensor& x, double rate, Generator& rng, int channel_axis) {
  require_defined(x, "spatial_dropout");
  if (!(rate >= 0.0 && rate < 1.0))
    throw ValueError("spatial_dropout: rate must be in [0, 1), got " + std::to_string(rate));
  if (x.rank() < 2)
    throw ShapeError("spatial_dropout: expected an input of rank >= 2 (batch, ..., channels), got shape " +
                     shape_to_string(x.shape()));
  if (rate == 0.0) return x;
  Tensor xf = as_float(x);
  const int ca = normalize_axis(channel_axis, xf.rank());
  Shape ns(static_cast<std::size_t>(xf.rank()), 1);
  ns[0] = xf.shape()[0];
  ns[static_cast<std::size_t>(ca)] = xf.shape()[static_cast<std::size_t>(ca)];
  Tensor mask = empty_like_shape(ns, xf);
  xf.backend().dropout_mask(mask, rate, rng.key(), rng.reserve(static_cast<std::uint64_t>(mask.numel())));
  Tensor out = empty_like_shape(xf.shape(), xf);
  xf.backend().binary(BinaryOp::Mul, xf, mask, out);
  return record("spatial_dropout", out, {xf}, [mask](const Tensor& g) {
    return std::vector<Tensor>{multiply(g, mask)};
  });
}

Tensor gaussian_noise(const Tensor& x, double stddev, Generator& rng) {
  require_defined(x, "gaussian_noise");
  if (!(stddev >= 0.0) || !std::isfinite(stddev))
    throw ValueError("gaussian_noise: stddev must be a finite value >= 0, got " + std::to_string(stddev));
  Tensor xf = as_float(x);
  if (stddev == 0.0) return xf;
  Tensor noise = random_normal(xf.shape(), 0.0, stddev, rng, xf.dtype());
  Tensor out = empty_like_shape(xf.shape(), xf);
  xf.backend().binary(BinaryOp::Add, xf, noise, out);
  return record("gaussian_noise", out, {xf}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor gaussian_dropout(const Tensor& x, double rate, Generator& rng) {
  require_defined(x, "gaussian_dropout");
  if (!(rate >= 0.0 && rate < 1.0))
    throw ValueError("gaussian_dropout: rate must be in [0, 1), got " + std::to_string(rate));
  Tensor xf = as_float(x);
  if (rate == 0.0) return xf;
  Tensor noise = random_normal(xf.shape(), 1.0, std::sqrt(rate / (1.0 - rate)), rng, xf.dtype());
  Tensor out = empty_like_shape(xf.shape(), xf);
  xf.backend().binary(BinaryOp::Mul, xf, noise, out);
  return record("gaussian_dropout", out, {xf}, [noise](const Tensor& g) {
    return std::vector<Tensor>{multiply(g, noise)};
  });
}

}  // namespace temper::ops
