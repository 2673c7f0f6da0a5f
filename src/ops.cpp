// Differentiable ops: each allocates its output, runs one backend kernel and records its
// backward function (which itself is written with ops, run with recording off).
#include "temper/ops.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "temper/autograd.hpp"
#include "temper/error.hpp"

namespace temper::ops {

namespace {

Tensor new_like(const Shape& shape, DType dtype, const Tensor& ref) {
  return Tensor::empty(shape, dtype, &ref.backend());
}

void require_defined(const Tensor& t, const char* op) {
  if (!t.defined()) throw ValueError(std::string(op) + ": input tensor is undefined");
}

// Arithmetic result type: the wider float of the two, float32 for integer inputs.
DType float_result(DType a, DType b) {
  if (a == DType::Float64 || b == DType::Float64) return DType::Float64;
  return DType::Float32;
}

Tensor as_dtype(const Tensor& t, DType d) { return t.dtype() == d ? t : cast(t, d); }

Tensor as_float(const Tensor& t) { return is_floating(t.dtype()) ? t : t.astype(DType::Float32); }

std::vector<int> normalize_axes(std::vector<int> axes, int rank) {
  if (axes.empty()) {
    axes.resize(static_cast<std::size_t>(rank));
    std::iota(axes.begin(), axes.end(), 0);
    return axes;
  }
  for (auto& a : axes) a = normalize_axis(a, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

Shape reduced_shape(const Shape& s, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < static_cast<int>(s.size()); ++i) {
    const bool r = std::binary_search(axes.begin(), axes.end(), i);
    if (!r) out.push_back(s[static_cast<std::size_t>(i)]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

// Sums `g` down to `shape` (the reverse of broadcasting).
Tensor unbroadcast(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int lead = g.rank() - static_cast<int>(shape.size());
  std::vector<int> axes;
  for (int i = 0; i < g.rank(); ++i) {
    if (i < lead) axes.push_back(i);
    else if (shape[static_cast<std::size_t>(i - lead)] == 1 && g.shape()[static_cast<std::size_t>(i)] != 1)
      axes.push_back(i);
  }
  if (axes.empty()) return g.reshape(shape);
  return sum(g, axes, false).reshape(shape);
}

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a0, const Tensor& b0,
                 std::function<std::vector<Tensor>(const Tensor&, const Tensor&, const Tensor&,
                                                   const Tensor&)> grad) {
  require_defined(a0, name);
  require_defined(b0, name);
  const DType dt = float_result(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  Tensor out = new_like(broadcast_shapes(a.shape(), b.shape()), dt, a);
  a.backend().binary(op, a, b, out);
  if (!grad) return out;
  return record(name, out, {a, b}, [a, b, out, grad](const Tensor& g) {
    auto gs = grad(g, a, b, out);
    return std::vector<Tensor>{gs[0].defined() && a.requires_grad() ? unbroadcast(gs[0], a.shape()) : Tensor(),
                               gs[1].defined() && b.requires_grad() ? unbroadcast(gs[1], b.shape()) : Tensor()};
  });
}

Tensor compare(BinaryOp op, const Tensor& a, const Tensor& b) {
  require_defined(a, "compare");
  require_defined(b, "compare");
  DType out_dt = is_floating(a.dtype()) ? a.dtype() : (is_floating(b.dtype()) ? b.dtype() : DType::Float32);
  Tensor out = new_like(broadcast_shapes(a.shape(), b.shape()), out_dt, a);
  a.backend().binary(op, a, b, out);
  return out;
}

Tensor scalar_op(BinaryOp op, const char* name, const Tensor& a0, double s, bool scalar_first,
                 std::function<Tensor(const Tensor& g, const Tensor& a, const Tensor& out)> grad) {
  require_defined(a0, name);
  if (!is_floating(a0.dtype())) {
    // Integer data (image bytes, labels) converts and computes in one pass: `x / 255.0f`
    // on a uint8 data set must not materialise a float copy first. Not differentiable.
    Tensor out = new_like(a0.shape(), DType::Float32, a0);
    a0.backend().binary_scalar(op, a0, s, out, scalar_first);
    return out;
  }
  Tensor a = a0;
  Tensor out = new_like(a.shape(), a.dtype(), a);
  a.backend().binary_scalar(op, a, s, out, scalar_first);
  if (!grad) return out;
  return record(name, out, {a}, [a, out, grad](const Tensor& g) {
    return std::vector<Tensor>{grad(g, a, out)};
  });
}

Tensor view(const Tensor& x, const Shape& shape) {
  return Tensor(x.buffer(), x.offset(), shape, x.dtype());
}

Tensor zeros_like_shape(const Tensor& ref, const Shape& shape) {
  return Tensor::zeros(shape, ref.dtype(), &ref.backend());
}

}  // namespace

// ---- binary ---------------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Add, "add", a, b,
                   [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&) {
                     return std::vector<Tensor>{g, g};
                   });
}

Tensor subtract(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Sub, "subtract", a, b,
                   [](const Tensor& g, const Tensor&, const Tensor&, const Tensor&) {
                     return std::vector<Tensor>{g, negative(g)};
                   });
}

Tensor multiply(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Mul, "multiply", a, b,
                   [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
                     return std::vector<Tensor>{multiply(g, y), multiply(g, x)};
                   });
}

Tensor divide(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Div, "divide", a, b,
                   [](const Tensor& g, const Tensor&, const Tensor& y, const Tensor& out) {
                     // d(a/b)/db = -(a/b)/b
                     return std::vector<Tensor>{divide(g, y), negative(divide(multiply(g, out), y))};
                   });
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Maximum, "maximum", a, b,
                   [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
                     Tensor m = compare(BinaryOp::GreaterEqual, x, y);
                     return std::vector<Tensor>{multiply(g, m), multiply(g, rsub(1.0, m))};
                   });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary_op(BinaryOp::Minimum, "minimum", a, b,
                   [](const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
                     Tensor m = compare(BinaryOp::LessEqual, x, y);
                     return std::vector<Tensor>{multiply(g, m), multiply(g, rsub(1.0, m))};
                   });
}

Tensor power(const Tensor& a, double exponent) { return unary(UnaryOp::Pow, a, exponent); }

Tensor add(const Tensor& a, double s) {
  return scalar_op(BinaryOp::Add, "add_scalar", a, s, false,
                   [](const Tensor& g, const Tensor&, const Tensor&) { return g; });
}

Tensor multiply(const Tensor& a, double s) {
  return scalar_op(BinaryOp::Mul, "multiply_scalar", a, s, false,
                   [s](const Tensor& g, const Tensor&, const Tensor&) { return multiply(g, s); });
}

Tensor divide(const Tensor& a, double s) {
  return scalar_op(BinaryOp::Div, "divide_scalar", a, s, false,
                   [s](const Tensor& g, const Tensor&, const Tensor&) { return divide(g, s); });
}

Tensor rsub(double s, const Tensor& a) {
  return scalar_op(BinaryOp::Sub, "rsub", a, s, true,
                   [](const Tensor& g, const Tensor&, const Tensor&) { return negative(g); });
}

Tensor rdiv(double s, const Tensor& a) {
  return scalar_op(BinaryOp::Div, "rdiv", a, s, true,
                   [](const Tensor& g, const Tensor& x, const Tensor& out) {
                     return negative(divide(multiply(g, out), x));
                   });
}

Tensor equal(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Equal, a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return compare(BinaryOp::NotEqual, a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Greater, a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) { return compare(BinaryOp::GreaterEqual, a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Less, a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return compare(BinaryOp::LessEqual, a, b); }
Tensor greater(const Tensor& a, double s) {
  return scalar_op(BinaryOp::Greater, "greater", a, s, false, nullptr);
}
Tensor less(const Tensor& a, double s) {
  return scalar_op(BinaryOp::Less, "less", a, s, false, nullptr);
}

// ---- unary ----------------------------------------------------------------------------------
Tensor unary(UnaryOp op, const Tensor& x0, double alpha) {
  require_defined(x0, "unary");
  Tensor x = as_float(x0);
  Tensor y = new_like(x.shape(), x.dtype(), x);
  x.backend().unary(op, x, y, alpha);
  return record("unary", y, {x}, [op, x, y, alpha](const Tensor& g) {
    Tensor dx = new_like(x.shape(), x.dtype(), x);
    x.backend().unary_backward(op, x, y, g, dx, alpha);
    return std::vector<Tensor>{dx};
  });
}

Tensor negative(const Tensor& x) { return unary(UnaryOp::Neg, x); }
Tensor abs(const Tensor& x) { return unary(UnaryOp::Abs, x); }
Tensor sign(const Tensor& x) { return unary(UnaryOp::Sign, x); }
Tensor square(const Tensor& x) { return unary(UnaryOp::Square, x); }
Tensor sqrt(const Tensor& x) { return unary(UnaryOp::Sqrt, x); }
Tensor exp(const Tensor& x) { return unary(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return unary(UnaryOp::Log, x); }
Tensor log1p(const Tensor& x) { return unary(UnaryOp::Log1p, x); }
Tensor reciprocal(const Tensor& x) { return unary(UnaryOp::Reciprocal, x); }
Tensor floor(const Tensor& x) { return unary(UnaryOp::Floor, x); }
Tensor round(const Tensor& x) { return unary(UnaryOp::Round, x); }
Tensor relu(const Tensor& x) { return unary(UnaryOp::Relu, x); }
Tensor relu6(const Tensor& x) { return unary(UnaryOp::Relu6, x); }
Tensor leaky_relu(const Tensor& x, double slope) { return unary(UnaryOp::LeakyRelu, x, slope); }
Tensor sigmoid(const Tensor& x) { return unary(UnaryOp::Sigmoid, x); }
Tensor tanh(const Tensor& x) { return unary(UnaryOp::Tanh, x); }
Tensor gelu(const Tensor& x, bool approximate) {
  return unary(approximate ? UnaryOp::GeluTanh : UnaryOp::Gelu, x);
}
Tensor elu(const Tensor& x, double alpha) { return unary(UnaryOp::Elu, x, alpha); }
Tensor selu(const Tensor& x) { return unary(UnaryOp::Selu, x); }
Tensor softplus(const Tensor& x) { return unary(UnaryOp::Softplus, x); }
Tensor softsign(const Tensor& x) { return unary(UnaryOp::Softsign, x); }
Tensor silu(const Tensor& x) { return unary(UnaryOp::Swish, x); }
Tensor hard_sigmoid(const Tensor& x) { return unary(UnaryOp::HardSigmoid, x); }
Tensor exponential(const Tensor& x) { return unary(UnaryOp::Exponential, x); }

Tensor clip(const Tensor& x0, double lo, double hi) {
  require_defined(x0, "clip");
  if (lo > hi)
    throw ValueError("clip: lower bound " + std::to_string(lo) + " is above upper bound " +
                     std::to_string(hi));
  Tensor x = as_float(x0);
  Tensor y = new_like(x.shape(), x.dtype(), x);
  x.backend().clip(x, lo, hi, y);
  return record("clip", y, {x}, [x, lo, hi](const Tensor& g) {
    Tensor dx = new_like(x.shape(), x.dtype(), x);
    x.backend().clip_backward(x, lo, hi, g, dx);
    return std::vector<Tensor>{dx};
  });
}

Tensor where(const Tensor& cond, const Tensor& a0, const Tensor& b0) {
  require_defined(cond, "where");
  const DType dt = float_result(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  Shape s = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  Tensor out = new_like(s, dt, a);
  a.backend().where(cond, a, b, out);
  return record("where", out, {a, b}, [cond, a, b](const Tensor& g) {
    Tensor z = Tensor::zeros({}, g.dtype(), &g.backend());
    return std::vector<Tensor>{unbroadcast(where(cond, g, z), a.shape()),
                               unbroadcast(where(cond, z, g), b.shape())};
  });
}

// ---- softmax --------------------------------------------------------------------------------
namespace {
Tensor softmax_last(const Tensor& x0, bool log_form) {
  Tensor x = as_float(x0);
  if (x.rank() == 0) throw ShapeError("softmax needs a tensor of rank >= 1, got a scalar");
  Tensor y = new_like(x.shape(), x.dtype(), x);
  x.backend().softmax(x, y, log_form);
  return record(log_form ? "log_softmax" : "softmax", y, {x}, [y, log_form](const Tensor& g) {
    Tensor dx = new_like(y.shape(), y.dtype(), y);
    y.backend().softmax_backward(y, g, dx, log_form);
    return std::vector<Tensor>{dx};
  });
}

Tensor softmax_axis(const Tensor& x, int axis, bool log_form) {
  require_defined(x, log_form ? "log_softmax" : "softmax");
  if (x.rank() == 0)
    throw ShapeError(std::string(log_form ? "log_softmax" : "softmax") +
                     " needs a tensor of rank >= 1, got a scalar");
  const int a = normalize_axis(axis, x.rank());
  if (a == x.rank() - 1) return softmax_last(x, log_form);
  std::vector<int> perm(static_cast<std::size_t>(x.rank()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<std::size_t>(a)], perm.back());
  return transpose(softmax_last(transpose(x, perm), log_form), perm);
}
}  // namespace

Tensor softmax(const Tensor& x, int axis) { return softmax_axis(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_axis(x, axis, true); }

// ---- reductions -----------------------------------------------------------------------------
namespace {
Tensor reduce_op(ReduceOp op, const char* name, const Tensor& x0, std::vector<int> axes0,
                 bool keepdims) {
  require_defined(x0, name);
  Tensor x = as_float(x0);
  auto axes = normalize_axes(std::move(axes0), x.rank());
  Shape kept = reduced_shape(x.shape(), axes, true);
  Tensor out = new_like(reduced_shape(x.shape(), axes, keepdims), x.dtype(), x);
  if (x.rank() == 0) {
    x.backend().copy(x, out);
  } else {
    x.backend().reduce(op, x, axes, out);
  }
  return record(name, out, {x}, [op, x, out, kept, axes](const Tensor& g) {
    Tensor gk = g.reshape(kept);
    Tensor full = broadcast_to(gk, x.shape());
    if (op == ReduceOp::Sum) return std::vector<Tensor>{full};
    if (op == ReduceOp::Mean) {
      double count = 1;
      for (int a : axes) count *= static_cast<double>(x.shape()[static_cast<std::size_t>(a)]);
      return std::vector<Tensor>{multiply(full, 1.0 / count)};
    }
    // Max/Min: split the gradient evenly among tied extrema (as TensorFlow does).
    Tensor mask = equal(x, out.reshape(kept));
    Tensor ties = sum(mask, axes, true);
    return std::vector<Tensor>{divide(multiply(full, mask), ties)};
  });
}
}  // namespace

Tensor sum(const Tensor& x, std::vector<int> axes, bool keepdims) {
  return reduce_op(ReduceOp::Sum, "sum", x, std::move(axes), keepdims);
}
Tensor mean(const Tensor& x, std::vector<int> axes, bool keepdims) {
  return reduce_op(ReduceOp::Mean, "mean", x, std::move(axes), keepdims);
}
Tensor max(const Tensor& x, std::vector<int> axes, bool keepdims) {
  return reduce_op(ReduceOp::Max, "max", x, std::move(axes), keepdims);
}
Tensor min(const Tensor& x, std::vector<int> axes, bool keepdims) {
  return reduce_op(ReduceOp::Min, "min", x, std::move(axes), keepdims);
}

namespace {
Tensor arg_op(bool is_max, const Tensor& x0, int axis) {
  require_defined(x0, is_max ? "argmax" : "argmin");
  // The kernel compares floats; integer inputs (labels) go through float64, which holds every
  // int32 exactly.
  const Tensor x = is_floating(x0.dtype()) ? x0 : x0.astype(DType::Float64);
  const int a = normalize_axis(axis, x.rank());
  Shape s = x.shape();
  s.erase(s.begin() + a);
  Tensor out = new_like(s, DType::Int32, x);
  x.backend().arg_reduce(is_max, x, a, out);
  return out;
}
}  // namespace

Tensor argmax(const Tensor& x, int axis) { return arg_op(true, x, axis); }
Tensor argmin(const Tensor& x, int axis) { return arg_op(false, x, axis); }

// ---- linear algebra -------------------------------------------------------------------------
Tensor matmul(const Tensor& a0, const Tensor& b0, bool ta, bool tb) {
  require_defined(a0, "matmul");
  require_defined(b0, "matmul");
  if (a0.rank() < 2 || b0.rank() < 2)
    throw ShapeError("matmul needs operands of rank >= 2, got " + shape_to_string(a0.shape()) +
                     " and " + shape_to_string(b0.shape()));
  const DType dt = float_result(a0.dtype(), b0.dtype());
  Tensor a = as_dtype(a0, dt), b = as_dtype(b0, dt);
  const auto& as = a.shape();
  const auto& bs = b.shape();
  const std::int64_t m = ta ? as[as.size() - 1] : as[as.size() - 2];
  const std::int64_t ka = ta ? as[as.size() - 2] : as[as.size() - 1];
  const std::int64_t kb = tb ? bs[bs.size() - 1] : bs[bs.size() - 2];
  const std::int64_t n = tb ? bs[bs.size() - 2] : bs[bs.size() - 1];
  if (ka != kb)
    throw ShapeError("matmul: inner dimensions differ: " + shape_to_string(as) +
                     (ta ? "^T" : "") + " @ " + shape_to_string(bs) + (tb ? "^T" : "") + " (" +
                     std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  Shape batch = broadcast_shapes(Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2));
  Shape os = batch;
  os.push_back(m);
  os.push_back(n);
  Tensor out = new_like(os, dt, a);
  a.backend().matmul(a, b, out, ta, tb);
  return record("matmul", out, {a, b}, [a, b, ta, tb](const Tensor& g) {
    Tensor da, db;
    if (a.requires_grad()) da = unbroadcast(!ta ? matmul(g, b, false, !tb) : matmul(b, g, tb, true), a.shape());
    if (b.requires_grad()) db = unbroadcast(!tb ? matmul(a, g, !ta, false) : matmul(g, a, true, ta), b.shape());
    return std::vector<Tensor>{da, db};
  });
}

Tensor linear(const Tensor& x0, const Tensor& w, const Tensor& b) {
  require_defined(x0, "linear");
  require_defined(w, "linear");
  if (w.rank() != 2) throw ShapeError("linear: kernel must be 2-d, got " + shape_to_string(w.shape()));
  Tensor x = as_dtype(x0, w.dtype());
  if (x.rank() < 1 || x.shape().back() != w.shape()[0])
    throw ShapeError("linear: input " + shape_to_string(x.shape()) + " does not match kernel " +
                     shape_to_string(w.shape()) + " (last input axis must be " +
                     std::to_string(w.shape()[0]) + ")");
  const std::int64_t k = w.shape()[0], n = w.shape()[1];
  const std::int64_t rows = k ? x.numel() / k : 0;
  Tensor x2 = view(x, {rows, k});
  Tensor out2 = new_like({rows, n}, w.dtype(), x);
  x.backend().matmul(x2, w, out2, false, false);
  if (b.defined()) x.backend().bias_add(out2, b);
  Shape os = x.shape();
  os.back() = n;
  Tensor out = view(out2, os);
  std::vector<Tensor> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  return record("linear", out, inputs, [x2, w, b, x](const Tensor& g) {
    Tensor g2 = view(g, {x2.shape()[0], w.shape()[1]});
    // The first layer's input is data: skipping its gradient saves a third of the GEMM work
    // of that layer's backward pass.
    Tensor dx;
    if (x.requires_grad()) {
      dx = new_like(x2.shape(), w.dtype(), w);
      w.backend().matmul(g2, w, dx, false, true);
    }
    Tensor dw;
    if (w.requires_grad()) {
      dw = new_like(w.shape(), w.dtype(), w);
      w.backend().matmul(x2, g2, dw, true, false);
    }
    std::vector<Tensor> grads{dx.defined() ? view(dx, x.shape()) : Tensor(), dw};
    if (b.defined() && b.requires_grad()) {
      Tensor db = new_like(b.shape(), b.dtype(), b);
      w.backend().bias_grad(g2, db);
      grads.push_back(db);
    }
    return grads;
  });
}

// ---- shapes ---------------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape0) {
  require_defined(x, "reshape");
  Shape shape = shape0;
  int infer = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw ShapeError("reshape: only one extent may be -1, got " + shape_to_string(shape0));
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw ShapeError("reshape: invalid extent in " + shape_to_string(shape0));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw ShapeError("cannot reshape a tensor of shape " + shape_to_string(x.shape()) + " (" +
                       std::to_string(x.numel()) + " elements) to " + shape_to_string(shape0));
    shape[static_cast<std::size_t>(infer)] = x.numel() / known;
  }
  if (shape_numel(shape) != x.numel())
    throw ShapeError("cannot reshape a tensor of shape " + shape_to_string(x.shape()) + " (" +
                     std::to_string(x.numel()) + " elements) to " + shape_to_string(shape0));
  Tensor out = view(x, shape);
  return record("reshape", out, {x}, [xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{reshape(g, xs)};
  });
}

Tensor flatten(const Tensor& x) {
  if (x.rank() < 1) throw ShapeError("flatten needs a tensor of rank >= 1");
  // The product of the trailing extents, not numel / batch: an empty batch (0, 3, 4) still
  // flattens to (0, 12).
  std::int64_t row = 1;
  for (int i = 1; i < x.rank(); ++i) row *= x.shape()[static_cast<std::size_t>(i)];
  return reshape(x, {x.shape()[0], row});
}

Tensor transpose(const Tensor& x, std::vector<int> perm) {
  require_defined(x, "transpose");
  const int r = x.rank();
  if (perm.empty()) {
    perm.resize(static_cast<std::size_t>(r));
    for (int i = 0; i < r; ++i) perm[static_cast<std::size_t>(i)] = r - 1 - i;
  }
  if (static_cast<int>(perm.size()) != r)
    throw ShapeError("transpose: permutation of length " + std::to_string(perm.size()) +
                     " for a tensor of rank " + std::to_string(r));
  std::vector<int> inv(static_cast<std::size_t>(r), -1);
  Shape s(static_cast<std::size_t>(r));
  for (int i = 0; i < r; ++i) {
    const int p = normalize_axis(perm[static_cast<std::size_t>(i)], r);
    if (inv[static_cast<std::size_t>(p)] != -1) throw ShapeError("transpose: axis repeated in permutation");
    inv[static_cast<std::size_t>(p)] = i;
    perm[static_cast<std::size_t>(i)] = p;
    s[static_cast<std::size_t>(i)] = x.shape()[static_cast<std::size_t>(p)];
  }
  Tensor out = new_like(s, x.dtype(), x);
  x.backend().transpose(x, perm, out);
  return record("transpose", out, {x}, [inv](const Tensor& g) {
    return std::vector<Tensor>{transpose(g, inv)};
  });
}

Tensor slice(const Tensor& x, int axis0, std::int64_t start, std::int64_t stop) {
  require_defined(x, "slice");
  const int axis = normalize_axis(axis0, x.rank());
  const std::int64_t extent = x.shape()[static_cast<std::size_t>(axis)];
  if (start < 0 || stop > extent || start > stop)
    throw ValueError("slice [" + std::to_string(start) + ", " + std::to_string(stop) +
                     ") is out of range for axis " + std::to_string(axis) + " of shape " +
                     shape_to_string(x.shape()));
  Shape s = x.shape();
  s[static_cast<std::size_t>(axis)] = stop - start;
  Tensor out = new_like(s, x.dtype(), x);
  x.backend().copy_axis_block(x, axis, start, out, 0, stop - start, false);
  return record("slice", out, {x}, [x, axis, start, stop](const Tensor& g) {
    Tensor dx = zeros_like_shape(g, x.shape());
    g.backend().copy_axis_block(g, axis, 0, dx, start, stop - start, false);
    return std::vector<Tensor>{dx};
  });
}

Tensor concatenate(const std::vector<Tensor>& xs, int axis0) {
  if (xs.empty()) throw ValueError("concatenate needs at least one tensor");
  const int axis = normalize_axis(axis0, xs[0].rank());
  Shape s = xs[0].shape();
  std::int64_t total = 0;
  for (const auto& t : xs) {
    Shape a = t.shape(), b = s;
    if (a.size() != b.size())
      throw ShapeError("concatenate: ranks differ: " + shape_to_string(t.shape()) + " vs " + shape_to_string(s));
    a[static_cast<std::size_t>(axis)] = b[static_cast<std::size_t>(axis)] = 0;
    if (a != b)
      throw ShapeError("concatenate along axis " + std::to_string(axis) + ": shapes " +
                       shape_to_string(t.shape()) + " and " + shape_to_string(s) + " differ elsewhere");
    total += t.shape()[static_cast<std::size_t>(axis)];
  }
  s[static_cast<std::size_t>(axis)] = total;
  const DType dt = xs[0].dtype();
  Tensor out = new_like(s, dt, xs[0]);
  std::int64_t pos = 0;
  std::vector<std::int64_t> starts;
  std::vector<Tensor> inputs;
  for (const auto& t0 : xs) {
    Tensor t = as_dtype(t0, dt);
    const auto len = t.shape()[static_cast<std::size_t>(axis)];
    t.backend().copy_axis_block(t, axis, 0, out, pos, len, false);
    starts.push_back(pos);
    pos += len;
    inputs.push_back(t);
  }
  return record("concatenate", out, inputs, [inputs, starts, axis](const Tensor& g) {
    std::vector<Tensor> grads;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      grads.push_back(slice(g, axis, starts[i], starts[i] + inputs[i].shape()[static_cast<std::size_t>(axis)]));
    return grads;
  });
}

Tensor expand_dims(const Tensor& x, int axis) {
  Shape s = x.shape();
  const int a = normalize_axis(axis, x.rank() + 1);
  s.insert(s.begin() + a, 1);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, int axis) {
  const int a = normalize_axis(axis, x.rank());
  if (x.shape()[static_cast<std::size_t>(a)] != 1)
    throw ShapeError("squeeze: axis " + std::to_string(axis) + " of shape " +
                     shape_to_string(x.shape()) + " has extent " +
                     std::to_string(x.shape()[static_cast<std::size_t>(a)]) + ", expected 1");
  Shape s = x.shape();
  s.erase(s.begin() + a);
  return reshape(x, s);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  require_defined(x, "broadcast_to");
  if (broadcast_shapes(x.shape(), shape) != shape)
    throw ShapeError("cannot broadcast shape " + shape_to_string(x.shape()) + " to " + shape_to_string(shape));
  if (x.shape() == shape) return x;
  Tensor out = new_like(shape, x.dtype(), x);
  x.backend().broadcast_to(x, out);
  return record("broadcast_to", out, {x}, [xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{unbroadcast(g, xs)};
  });
}

Tensor take(const Tensor& table, const Tensor& ids) {
  require_defined(table, "take");
  if (ids.dtype() != DType::Int32) throw ValueError("take: ids must be int32, got " + dtype_name(ids.dtype()));
  if (table.rank() != 2) throw ShapeError("take: table must be 2-d, got " + shape_to_string(table.shape()));
  Shape s = ids.shape();
  s.push_back(table.shape()[1]);
  Tensor out = new_like(s, table.dtype(), table);
  table.backend().take(table, ids, out);
  return record("take", out, {table}, [table, ids](const Tensor& g) {
    Tensor dt = zeros_like_shape(g, table.shape());
    g.backend().take_backward(ids, g, dt);
    return std::vector<Tensor>{dt};
  });
}

Tensor one_hot(const Tensor& labels, std::int64_t depth, DType dtype) {
  if (labels.dtype() != DType::Int32)
    throw ValueError("one_hot: labels must be int32, got " + dtype_name(labels.dtype()));
  Shape s = labels.shape();
  s.push_back(depth);
  Tensor out = new_like(s, dtype, labels);
  labels.backend().one_hot(labels, out);
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  require_defined(x, "cast");
  if (x.dtype() == dtype) return x;
  Tensor out = x.astype(dtype);
  if (!is_floating(dtype) || !is_floating(x.dtype())) return out;
  return record("cast", out, {x}, [from = x.dtype()](const Tensor& g) {
    return std::vector<Tensor>{cast(g, from)};
  });
}

Tensor stop_gradient(const Tensor& x) { return x.detach(); }

// ---- creation -------------------------------------------------------------------------------
Tensor zeros(const Shape& shape, DType dtype) { return Tensor::zeros(shape, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return Tensor::ones(shape, dtype); }
Tensor full(const Shape& shape, double fill_value, DType dtype) {
  return Tensor::full(shape, fill_value, dtype);
}

Tensor full_like(const Tensor& x, double fill_value, std::optional<DType> dtype) {
  require_defined(x, "full_like");
  return Tensor::full(x.shape(), fill_value, dtype.value_or(x.dtype()), &x.backend());
}
Tensor zeros_like(const Tensor& x, std::optional<DType> dtype) {
  require_defined(x, "zeros_like");
  return full_like(x, 0.0, dtype);
}
Tensor ones_like(const Tensor& x, std::optional<DType> dtype) {
  require_defined(x, "ones_like");
  return full_like(x, 1.0, dtype);
}

// ---- fused / stochastic ---------------------------------------------------------------------
Tensor sparse_softmax_cross_entropy(const Tensor& logits0, const Tensor& labels0) {
  require_defined(logits0, "sparse_softmax_cross_entropy");
  Tensor logits = as_float(logits0);
  if (logits.rank() != 2)
    throw ShapeError("sparse_softmax_cross_entropy: logits must be (batch, classes), got " +
                     shape_to_string(logits.shape()));
  Tensor labels = labels0.dtype() == DType::Int32 ? labels0 : labels0.astype(DType::Int32);
  if (labels.numel() != logits.shape()[0])
    throw ShapeError("sparse_softmax_cross_entropy: " + std::to_string(labels.numel()) +
                     " labels for " + std::to_string(logits.shape()[0]) + " rows of logits " +
                     shape_to_string(logits.shape()));
  labels = labels.reshape({logits.shape()[0]}).detach();
  Tensor loss = new_like({logits.shape()[0]}, logits.dtype(), logits);
  Tensor probs = new_like(logits.shape(), logits.dtype(), logits);
  logits.backend().sparse_softmax_xent(logits, labels, loss, probs);
  return record("sparse_softmax_cross_entropy", loss, {logits}, [probs, labels](const Tensor& g) {
    Tensor d = new_like(probs.shape(), probs.dtype(), probs);
    probs.backend().sparse_softmax_xent_backward(probs, labels, g, d);
    return std::vector<Tensor>{d};
  });
}

Tensor dropout(const Tensor& x, double rate, Generator& rng) {
  if (rate < 0.0 || rate >= 1.0)
    throw ValueError("dropout rate must be in [0, 1), got " + std::to_string(rate));
  if (rate == 0.0) return x;
  Tensor mask = new_like(x.shape(), x.dtype(), x);
  x.backend().dropout_mask(mask, rate, rng.key(), rng.reserve(static_cast<std::uint64_t>(x.numel())));
  Tensor out = new_like(x.shape(), x.dtype(), x);
  x.backend().binary(BinaryOp::Mul, x, mask, out);
  return record("dropout", out, {x}, [mask](const Tensor& g) {
    return std::vector<Tensor>{multiply(g, mask)};
  });
}

Tensor random_uniform(const Shape& shape, double lo, double hi, Generator& rng, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  t.backend().random_uniform(t, lo, hi, rng.key(), rng.reserve(static_cast<std::uint64_t>(t.numel())));
  return t;
}

Tensor random_normal(const Shape& shape, double mean, double stddev, Generator& rng, DType dtype,
                     bool truncated) {
  Tensor t = Tensor::empty(shape, dtype);
  // Truncated draws may redraw; reserve a generous counter block so streams never overlap.
  const auto n = static_cast<std::uint64_t>(t.numel());
  t.backend().random_normal(t, mean, stddev, truncated, rng.key(), rng.reserve(truncated ? 64 * n + 64 : 2 * n + 2));
  return t;
}

}  // namespace temper::ops
