// test_ops.cpp — every op in temper::ops: forward values against reference loops written
// here in double (NumPy broadcasting included), a float64 central-difference gradient check
// of every differentiable op, the non-differentiable ops (comparisons, argmax, one_hot,
// random draws) and the shape errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/ops.hpp>
#include <temper/random.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::check_gradients;
using temper::testing::random_tensor;
using Inputs = std::vector<Tensor>;

using temper::testing::error_message;
using temper::testing::contains;

using temper::testing::values;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}
Tensor i32(const std::vector<int>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<std::int32_t>(v.begin(), v.end()), s);
}


void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  const auto v = values(t);
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

/// Random float64 values in [lo, hi) kept at least `margin` away from each point in `avoid`
/// (kinks of relu, clip bounds, ...), so central differences never straddle one.
Tensor away_from(const Shape& shape, std::uint64_t seed, double lo, double hi,
                 const std::vector<double>& avoid, double margin = 0.05) {
  auto v = random_tensor(shape, seed, lo, hi).to_vector<double>();
  for (auto& x : v)
    for (double a : avoid)
      if (std::abs(x - a) < margin) x = a + (x < a ? -margin : margin);
  return f64(v, shape);
}

/// Row-major strides of a shape.
std::vector<std::int64_t> strides_of(const Shape& s) {
  std::vector<std::int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i)
    st[static_cast<std::size_t>(i)] = st[static_cast<std::size_t>(i) + 1] * s[static_cast<std::size_t>(i) + 1];
  return st;
}

/// Flat index into `src` (shape `ss`) of the element that broadcasts to multi-index `idx` of
/// an output of rank idx.size() (NumPy rule: align on the right, extent 1 repeats).
std::int64_t broadcast_index(const std::vector<std::int64_t>& idx, const Shape& ss) {
  const auto st = strides_of(ss);
  const std::size_t lead = idx.size() - ss.size();
  std::int64_t off = 0;
  for (std::size_t d = 0; d < ss.size(); ++d)
    off += (ss[d] == 1 ? 0 : idx[lead + d]) * st[d];
  return off;
}

std::vector<std::int64_t> unravel(std::int64_t flat, const Shape& s) {
  std::vector<std::int64_t> idx(s.size());
  for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
    idx[static_cast<std::size_t>(d)] = flat % s[static_cast<std::size_t>(d)];
    flat /= s[static_cast<std::size_t>(d)];
  }
  return idx;
}

/// NumPy-broadcast binary reference.
std::vector<double> ref_binary(const Tensor& a, const Tensor& b,
                               const std::function<double(double, double)>& f, Shape* out_shape) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const std::size_t n = std::max(as.size(), bs.size());
  Shape os(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i + as.size() < n ? 1 : as[i + as.size() - n];
    const std::int64_t db = i + bs.size() < n ? 1 : bs[i + bs.size() - n];
    os[i] = std::max(da, db);
  }
  const auto av = values(a), bv = values(b);
  std::vector<double> out(static_cast<std::size_t>(shape_numel(os)));
  for (std::size_t k = 0; k < out.size(); ++k) {
    const auto idx = unravel(static_cast<std::int64_t>(k), os);
    out[k] = f(av[static_cast<std::size_t>(broadcast_index(idx, as))],
               bv[static_cast<std::size_t>(broadcast_index(idx, bs))]);
  }
  if (out_shape) *out_shape = os;
  return out;
}

/// Reference reduction over `axes` (empty = all) with keepdims.
std::vector<double> ref_reduce(const Tensor& x, std::vector<int> axes, const std::string& op) {
  const Shape& s = x.shape();
  const int r = static_cast<int>(s.size());
  if (axes.empty())
    for (int i = 0; i < r; ++i) axes.push_back(i);
  for (auto& a : axes) a = a < 0 ? a + r : a;
  Shape os = s;
  for (int a : axes) os[static_cast<std::size_t>(a)] = 1;
  const auto v = values(x);
  const std::size_t n = static_cast<std::size_t>(shape_numel(os));
  std::vector<double> acc(n, op == "max" ? -1e300 : op == "min" ? 1e300 : 0.0);
  std::vector<double> cnt(n, 0.0);
  for (std::size_t k = 0; k < v.size(); ++k) {
    auto idx = unravel(static_cast<std::int64_t>(k), s);
    for (int a : axes) idx[static_cast<std::size_t>(a)] = 0;
    std::int64_t o = 0;
    const auto st = strides_of(os);
    for (std::size_t d = 0; d < idx.size(); ++d) o += idx[d] * st[d];
    auto& slot = acc[static_cast<std::size_t>(o)];
    if (op == "max") slot = std::max(slot, v[k]);
    else if (op == "min") slot = std::min(slot, v[k]);
    else slot += v[k];
    cnt[static_cast<std::size_t>(o)] += 1;
  }
  if (op == "mean")
    for (std::size_t i = 0; i < n; ++i) acc[i] /= cnt[i];
  return acc;
}

/// Reference batched matmul of 2-d or batched operands (batch broadcasting, transposes).
std::vector<double> ref_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb, Shape* os) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const std::int64_t ar = as[as.size() - 2], ac = as[as.size() - 1];
  const std::int64_t br = bs[bs.size() - 2], bc = bs[bs.size() - 1];
  const std::int64_t m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  const Shape abatch(as.begin(), as.end() - 2), bbatch(bs.begin(), bs.end() - 2);
  const std::size_t nb = std::max(abatch.size(), bbatch.size());
  Shape batch(nb);
  for (std::size_t i = 0; i < nb; ++i) {
    const std::int64_t da = i + abatch.size() < nb ? 1 : abatch[i + abatch.size() - nb];
    const std::int64_t db = i + bbatch.size() < nb ? 1 : bbatch[i + bbatch.size() - nb];
    batch[i] = std::max(da, db);
  }
  const auto av = values(a), bv = values(b);
  std::vector<double> out;
  for (std::int64_t t = 0; t < shape_numel(batch); ++t) {
    const auto idx = unravel(t, batch);
    const std::int64_t ao = broadcast_index(idx, abatch) * ar * ac;
    const std::int64_t bo = broadcast_index(idx, bbatch) * br * bc;
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (std::int64_t p = 0; p < k; ++p) {
          const double x = av[static_cast<std::size_t>(ao + (ta ? p * ac + i : i * ac + p))];
          const double y = bv[static_cast<std::size_t>(bo + (tb ? j * bc + p : p * bc + j))];
          acc += x * y;
        }
        out.push_back(acc);
      }
  }
  *os = batch;
  os->push_back(m);
  os->push_back(n);
  return out;
}

/// Reference transpose.
std::vector<double> ref_transpose(const Tensor& x, const std::vector<int>& perm) {
  const Shape& s = x.shape();
  Shape os(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) os[i] = s[static_cast<std::size_t>(perm[i])];
  const auto v = values(x);
  const auto st = strides_of(s);
  std::vector<double> out(v.size());
  for (std::size_t k = 0; k < v.size(); ++k) {
    const auto oi = unravel(static_cast<std::int64_t>(k), os);
    std::int64_t src = 0;
    for (std::size_t d = 0; d < s.size(); ++d) src += oi[d] * st[static_cast<std::size_t>(perm[d])];
    out[k] = v[static_cast<std::size_t>(src)];
  }
  return out;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

}  // namespace

// ================================================================================================
// Forward values
// ================================================================================================

TEST_CASE("ops: binary forward with NumPy broadcasting") {
  struct Case {
    Shape a, b;
  };
  const std::vector<Case> cases = {{{2, 3}, {2, 3}}, {{2, 3}, {3}},       {{3}, {2, 3}},
                                   {{2, 3}, {2, 1}}, {{2, 1, 4}, {3, 1}}, {{1, 3, 1}, {2, 1, 5}},
                                   {{}, {2, 2}},     {{2, 2}, {}},        {{4, 1}, {1, 4}}};
  using F = std::function<double(double, double)>;
  const std::vector<std::pair<std::string, F>> fns = {
      {"add", [](double x, double y) { return x + y; }},
      {"subtract", [](double x, double y) { return x - y; }},
      {"multiply", [](double x, double y) { return x * y; }},
      {"divide", [](double x, double y) { return x / y; }},
      {"maximum", [](double x, double y) { return std::max(x, y); }},
      {"minimum", [](double x, double y) { return std::min(x, y); }}};
  std::uint64_t seed = 1;
  for (const auto& c : cases) {
    for (DType dt : {DType::Float64, DType::Float32}) {
      Tensor a = random_tensor(c.a, seed++, -2, 2).astype(dt);
      Tensor b = random_tensor(c.b, seed++, 0.5, 2).astype(dt);  // no zero divisors
      for (const auto& [name, f] : fns) {
        CAPTURE(name);
        CAPTURE(shape_to_string(c.a));
        CAPTURE(shape_to_string(c.b));
        Tensor out;
        if (name == "add") out = ops::add(a, b);
        if (name == "subtract") out = ops::subtract(a, b);
        if (name == "multiply") out = ops::multiply(a, b);
        if (name == "divide") out = ops::divide(a, b);
        if (name == "maximum") out = ops::maximum(a, b);
        if (name == "minimum") out = ops::minimum(a, b);
        Shape os;
        const auto ref = ref_binary(a, b, f, &os);
        CHECK(out.shape() == os);
        CHECK(out.dtype() == dt);
        check_close(out, ref, dt == DType::Float64 ? 1e-12 : 1e-6);
      }
    }
  }
}

TEST_CASE("ops: scalar arithmetic, power and dtype promotion") {
  Tensor a = f64({1, -2, 4}, {3});
  check_close(ops::add(a, 1.5), {2.5, -0.5, 5.5});
  check_close(ops::multiply(a, -2.0), {-2, 4, -8});
  check_close(ops::divide(a, 4.0), {0.25, -0.5, 1});
  check_close(ops::rsub(10.0, a), {9, 12, 6});
  check_close(ops::rdiv(8.0, a), {8, -4, 2});
  check_close(ops::power(f64({2, 3, 0.5}, {3}), 3.0), {8, 27, 0.125});
  check_close(ops::power(f64({4, 9}, {2}), 0.5), {2, 3});
  check_close(ops::power(f64({2, 4}, {2}), -1.0), {0.5, 0.25});
  check_close(ops::power(f64({-2, -3}, {2}), 2.0), {4, 9});  // integral exponent of negatives
  // promotion: float32 op float64 -> float64; int op float -> float32; int op int -> float32
  CHECK(ops::add(f32({1}, {1}), f64({1}, {1})).dtype() == DType::Float64);
  CHECK(ops::add(i32({1}, {1}), f32({1}, {1})).dtype() == DType::Float32);
  CHECK(ops::multiply(i32({3}, {1}), i32({4}, {1})).dtype() == DType::Float32);
  check_close(ops::multiply(i32({3}, {1}), i32({4}, {1})), {12});
  CHECK(ops::add(f64({1}, {1}), 2.0).dtype() == DType::Float64);
  CHECK(ops::add(i32({1}, {1}), 2.0).dtype() == DType::Float32);
}

TEST_CASE("ops: unary and activation forward values, float64 and float32") {
  const std::vector<double> xs = {-7.5, -3.0, -2.5, -1.0, -0.3, 0.0, 0.2, 1.0, 2.7, 3.0, 5.5, 6.0, 8.0};
  struct U {
    std::string name;
    std::function<Tensor(const Tensor&)> op;
    std::function<double(double)> ref;
  };
  const std::vector<U> us = {
      {"negative", [](const Tensor& t) { return ops::negative(t); }, [](double x) { return -x; }},
      {"abs", [](const Tensor& t) { return ops::abs(t); }, [](double x) { return std::abs(x); }},
      {"sign", [](const Tensor& t) { return ops::sign(t); },
       [](double x) { return static_cast<double>((x > 0) - (x < 0)); }},
      {"square", [](const Tensor& t) { return ops::square(t); }, [](double x) { return x * x; }},
      {"exp", [](const Tensor& t) { return ops::exp(t); }, [](double x) { return std::exp(x); }},
      {"floor", [](const Tensor& t) { return ops::floor(t); }, [](double x) { return std::floor(x); }},
      {"round", [](const Tensor& t) { return ops::round(t); }, [](double x) { return std::nearbyint(x); }},
      {"relu", [](const Tensor& t) { return ops::relu(t); }, [](double x) { return std::max(x, 0.0); }},
      {"relu6", [](const Tensor& t) { return ops::relu6(t); },
       [](double x) { return std::min(std::max(x, 0.0), 6.0); }},
      {"leaky_relu", [](const Tensor& t) { return ops::leaky_relu(t); },
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"leaky_relu(0.05)", [](const Tensor& t) { return ops::leaky_relu(t, 0.05); },
       [](double x) { return x > 0 ? x : 0.05 * x; }},
      {"sigmoid", [](const Tensor& t) { return ops::sigmoid(t); }, sigmoid},
      {"tanh", [](const Tensor& t) { return ops::tanh(t); }, [](double x) { return std::tanh(x); }},
      {"gelu", [](const Tensor& t) { return ops::gelu(t); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"gelu(approximate)", [](const Tensor& t) { return ops::gelu(t, true); },
       [](double x) {
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
       }},
      {"elu", [](const Tensor& t) { return ops::elu(t); },
       [](double x) { return x > 0 ? x : std::expm1(x); }},
      {"elu(0.5)", [](const Tensor& t) { return ops::elu(t, 0.5); },
       [](double x) { return x > 0 ? x : 0.5 * std::expm1(x); }},
      // full-precision constants, as Keras's backends use (a truncated 1.67326324 /
      // 1.05070098 is off by ~7e-9 relative and fails here)
      {"selu", [](const Tensor& t) { return ops::selu(t); },
       [](double x) { return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x)); }},
      {"softplus", [](const Tensor& t) { return ops::softplus(t); },
       [](double x) { return std::log1p(std::exp(x)); }},
      {"softsign", [](const Tensor& t) { return ops::softsign(t); },
       [](double x) { return x / (1 + std::abs(x)); }},
      {"silu", [](const Tensor& t) { return ops::silu(t); }, [](double x) { return x * sigmoid(x); }},
      {"hard_sigmoid", [](const Tensor& t) { return ops::hard_sigmoid(t); },
       [](double x) { return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0; }},
      {"exponential", [](const Tensor& t) { return ops::exponential(t); },
       [](double x) { return std::exp(x); }},
      {"clip", [](const Tensor& t) { return ops::clip(t, -1.0, 2.7); },
       [](double x) { return std::min(std::max(x, -1.0), 2.7); }},
  };
  for (DType dt : {DType::Float64, DType::Float32}) {
    Tensor x = f64(xs, {static_cast<std::int64_t>(xs.size())}).astype(dt);
    for (const auto& u : us) {
      CAPTURE(u.name);
      CAPTURE(dtype_name(dt));
      Tensor y = u.op(x);
      CHECK(y.dtype() == dt);
      CHECK(y.shape() == x.shape());
      std::vector<double> ref;
      for (double v : values(x)) ref.push_back(u.ref(v));
      check_close(y, ref, dt == DType::Float64 ? 1e-12 : 2e-6);
    }
  }
  // domain-restricted functions on positive inputs
  const std::vector<double> pos = {0.01, 0.5, 1.0, 2.0, 100.0};
  Tensor p = f64(pos, {5});
  auto map = [&](double (*f)(double)) {
    std::vector<double> r;
    for (double v : pos) r.push_back(f(v));
    return r;
  };
  check_close(ops::sqrt(p), map([](double v) { return std::sqrt(v); }));
  check_close(ops::log(p), map([](double v) { return std::log(v); }));
  check_close(ops::log1p(p), map([](double v) { return std::log1p(v); }));
  check_close(ops::reciprocal(p), map([](double v) { return 1.0 / v; }));
  check_close(ops::log1p(f64({-0.5, 1e-10}, {2})), {std::log1p(-0.5), std::log1p(1e-10)});
  // round is half-to-even like NumPy
  check_close(ops::round(f64({0.5, 1.5, 2.5, -0.5, -1.5}, {5})), {0, 2, 2, -0.0, -2});
  // Keras values at a few points
  CHECK(ops::hard_sigmoid(f64({1.0}, {1})).item() == doctest::Approx(4.0 / 6.0));  // Keras 3
  CHECK(ops::leaky_relu(f64({-1.0}, {1})).item() == doctest::Approx(-0.2));
  // numerically safe at extremes
  check_close(ops::softplus(f64({-800, 800}, {2})), {0, 800});
  check_close(ops::sigmoid(f64({-800, 800}, {2})), {0, 1});
  check_close(ops::softplus(f32({-100, 100}, {2})), {0, 100}, 1e-6);
  // unary ops on integer tensors compute in float32
  Tensor ints = i32({-2, 3}, {2});
  CHECK(ops::abs(ints).dtype() == DType::Float32);
  check_close(ops::square(ints), {4, 9});
  check_close(ops::clip(ints, 0, 2), {0, 2});
}

TEST_CASE("ops: clip and where") {
  check_close(ops::clip(f64({-3, -1, 0, 1, 3}, {5}), -1, 1), {-1, -1, 0, 1, 1});
  CHECK_THROWS_AS(ops::clip(f64({1}, {1}), 2, 1), ValueError);
  // where broadcasts condition, a and b
  Tensor cond = f64({1, 0, 0, 1, 1, 0}, {2, 3});
  check_close(ops::where(cond, f64({1, 2, 3}, {3}), f64({-1, -2}, {2, 1})), {1, -1, -1, 1, 2, -2});
  check_close(ops::where(f64({1, 0}, {2, 1}), f64({5}, {}), f64({7, 8, 9}, {3})), {5, 5, 5, 7, 8, 9});
  CHECK(ops::where(cond, f64({1, 2, 3}, {3}), f64({-1, -2}, {2, 1})).shape() == Shape{2, 3});
}

TEST_CASE("ops: comparisons") {
  Tensor a = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f64({2, 2, 2}, {3});
  check_close(ops::equal(a, b), {0, 1, 0, 0, 0, 0});
  check_close(ops::not_equal(a, b), {1, 0, 1, 1, 1, 1});
  check_close(ops::greater(a, b), {0, 0, 1, 1, 1, 1});
  check_close(ops::greater_equal(a, b), {0, 1, 1, 1, 1, 1});
  check_close(ops::less(a, b), {1, 0, 0, 0, 0, 0});
  check_close(ops::less_equal(a, b), {1, 1, 0, 0, 0, 0});
  check_close(ops::greater(a, 3.5), {0, 0, 0, 1, 1, 1});
  check_close(ops::less(a, 3.5), {1, 1, 1, 0, 0, 0});
  check_close(ops::less(b, a), {0, 0, 1, 1, 1, 1});  // broadcasting with the smaller one first
  CHECK(ops::equal(a, b).dtype() == DType::Float64);
  CHECK(ops::equal(a, b).shape() == Shape{2, 3});
  // int32 comparisons give float32 (how accuracy compares labels with argmax)
  Tensor e = ops::equal(i32({1, 2, 3}, {3}), i32({1, 0, 3}, {3}));
  CHECK(e.dtype() == DType::Float32);
  check_close(e, {1, 0, 1});
  // comparisons record no graph
  Tensor x = f64({1, 2}, {2});
  x.set_requires_grad(true);
  CHECK_FALSE(ops::greater(x, 1.5).requires_grad());
  CHECK_FALSE(ops::equal(x, x).requires_grad());
}

TEST_CASE("ops: reductions forward, every axis set and keepdims") {
  Tensor x = random_tensor({2, 3, 4}, 7, -3, 3);
  const std::vector<std::vector<int>> axis_sets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}, {2, 0}};
  for (const auto& axes : axis_sets) {
    for (bool keep : {false, true}) {
      for (const std::string op : {"sum", "mean", "max", "min"}) {
        CAPTURE(op);
        CAPTURE(keep);
        CAPTURE(axes.size());
        Tensor y = op == "sum"    ? ops::sum(x, axes, keep)
                   : op == "mean" ? ops::mean(x, axes, keep)
                   : op == "max"  ? ops::max(x, axes, keep)
                                  : ops::min(x, axes, keep);
        Shape expect;
        for (int d = 0; d < 3; ++d) {
          bool reduced = axes.empty();
          for (int a : axes) reduced = reduced || (a < 0 ? a + 3 : a) == d;
          if (!reduced) expect.push_back(x.shape()[static_cast<std::size_t>(d)]);
          else if (keep) expect.push_back(1);
        }
        CHECK(y.shape() == expect);
        check_close(y, ref_reduce(x, axes, op));
      }
    }
  }
  // float32 and integer inputs
  check_close(ops::sum(f32({1, 2, 3, 4}, {2, 2}), {0}), {4, 6});
  Tensor m = ops::mean(i32({1, 2, 3, 4}, {4}));
  CHECK(m.dtype() == DType::Float32);
  check_close(m, {2.5});
  // a scalar reduces to itself
  check_close(ops::sum(f64({3}, {})), {3});
  CHECK(ops::sum(f64({3}, {})).shape() == Shape{});
  CHECK_THROWS_AS(ops::sum(x, {3}), ValueError);
}

TEST_CASE("ops: argmax and argmin") {
  Tensor x = f64({1, 5, 3, 9, 2, 9, 0, -1, 4, 4, 8, 7}, {3, 4});
  Tensor am = ops::argmax(x);
  CHECK(am.dtype() == DType::Int32);
  CHECK(am.shape() == Shape{3});
  check_close(am, {3, 1, 2});
  check_close(ops::argmin(x, -1), {0, 3, 0});  // row 2 ties at 4: the first index (NumPy)
  check_close(ops::argmax(x, 0), {2, 1, 2, 0});
  check_close(ops::argmin(x, 0), {0, 2, 1, 1});
  check_close(ops::argmax(f64({7, 2, 7, 7}, {4})), {0});
  check_close(ops::argmin(f32({3, 1, 1, 5}, {4})), {1});
  Tensor y = random_tensor({2, 3, 4}, 3);
  const auto v = values(y);
  Tensor a1 = ops::argmax(y, 1);
  CHECK(a1.shape() == Shape{2, 4});
  const auto av = values(a1);
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      int best = 0;
      for (int j = 1; j < 3; ++j)
        if (v[static_cast<std::size_t>(i * 12 + j * 4 + k)] > v[static_cast<std::size_t>(i * 12 + best * 4 + k)]) best = j;
      CHECK(av[static_cast<std::size_t>(i * 4 + k)] == best);
    }
  check_close(ops::argmax(f32({0.1, 0.7, 0.2}, {1, 3})), {1});
  check_close(ops::argmax(i32({3, 7, 7, 1}, {4})), {1});
}

TEST_CASE("ops: matmul forward, transposes and batch broadcasting") {
  struct Case {
    Shape a, b;
    bool ta, tb;
  };
  const std::vector<Case> cases = {
      {{3, 4}, {4, 5}, false, false}, {{4, 3}, {4, 5}, true, false},
      {{3, 4}, {5, 4}, false, true},  {{4, 3}, {5, 4}, true, true},
      {{2, 3, 4}, {4, 5}, false, false}, {{3, 4}, {2, 4, 5}, false, false},
      {{2, 3, 4}, {2, 4, 5}, false, false}, {{2, 1, 3, 4}, {3, 4, 2}, false, false},
      {{2, 4, 3}, {1, 5, 4}, true, true}, {{1, 1}, {1, 1}, false, false}};
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    CAPTURE(shape_to_string(c.a));
    CAPTURE(shape_to_string(c.b));
    CAPTURE(c.ta);
    CAPTURE(c.tb);
    Tensor a = random_tensor(c.a, seed++), b = random_tensor(c.b, seed++);
    Shape os;
    const auto ref = ref_matmul(a, b, c.ta, c.tb, &os);
    Tensor y = ops::matmul(a, b, c.ta, c.tb);
    CHECK(y.shape() == os);
    check_close(y, ref, 1e-12);
    Tensor y32 = ops::matmul(a.astype(DType::Float32), b.astype(DType::Float32), c.ta, c.tb);
    CHECK(y32.dtype() == DType::Float32);
    check_close(y32, ref, 1e-5);
  }
}

TEST_CASE("ops: linear forward") {
  Tensor x = random_tensor({2, 3, 4}, 1), w = random_tensor({4, 5}, 2), b = random_tensor({5}, 3);
  Tensor y = ops::linear(x, w, b);
  CHECK(y.shape() == Shape{2, 3, 5});
  Shape os;
  auto ref = ref_matmul(x, w, false, false, &os);
  const auto bv = values(b);
  for (std::size_t i = 0; i < ref.size(); ++i) ref[i] += bv[i % 5];
  check_close(y, ref);
  check_close(ops::linear(x, w, Tensor()), ref_matmul(x, w, false, false, &os));
  // float32 input with a float64 kernel computes in the kernel's dtype
  CHECK(ops::linear(x.astype(DType::Float32), w, b).dtype() == DType::Float64);
  CHECK_THROWS_AS(ops::linear(random_tensor({2, 3}, 1), w, b), ShapeError);
  CHECK_THROWS_AS(ops::linear(x, random_tensor({4}, 1), b), ShapeError);
}

TEST_CASE("ops: shape ops forward") {
  Tensor x = random_tensor({2, 3, 4}, 11);
  const auto v = values(x);
  // reshape / flatten / expand_dims / squeeze keep the data order
  CHECK(ops::reshape(x, {4, -1}).shape() == Shape{4, 6});
  check_close(ops::reshape(x, {4, -1}), v);
  CHECK(ops::flatten(x).shape() == Shape{2, 12});
  CHECK(ops::flatten(Tensor::zeros({0, 3, 4})).shape() == Shape{0, 12});
  CHECK(ops::flatten(random_tensor({3}, 1)).shape() == Shape{3, 1});
  check_close(ops::flatten(x), v);
  CHECK(ops::expand_dims(x, 0).shape() == Shape{1, 2, 3, 4});
  CHECK(ops::expand_dims(x, -1).shape() == Shape{2, 3, 4, 1});
  CHECK(ops::expand_dims(x, 2).shape() == Shape{2, 3, 1, 4});
  CHECK(ops::squeeze(ops::expand_dims(x, 1), 1).shape() == Shape{2, 3, 4});
  CHECK(ops::squeeze(random_tensor({3, 1}, 1), -1).shape() == Shape{3});
  // transpose
  for (const std::vector<int>& perm : std::vector<std::vector<int>>{{0, 1, 2}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}, {2, 1, 0}, {1, 2, 0}}) {
    Tensor t = ops::transpose(x, perm);
    CHECK(t.shape() == Shape{x.shape()[static_cast<std::size_t>(perm[0])], x.shape()[static_cast<std::size_t>(perm[1])], x.shape()[static_cast<std::size_t>(perm[2])]});
    check_close(t, ref_transpose(x, perm));
  }
  check_close(ops::transpose(x), ref_transpose(x, {2, 1, 0}));  // default reverses the axes
  check_close(ops::transpose(x, {-1, 0, 1}), ref_transpose(x, {2, 0, 1}));
  // slice along each axis
  Tensor s1 = ops::slice(x, 1, 1, 3);
  CHECK(s1.shape() == Shape{2, 2, 4});
  std::vector<double> r1;
  for (int i = 0; i < 2; ++i)
    for (int j = 1; j < 3; ++j)
      for (int k = 0; k < 4; ++k) r1.push_back(v[static_cast<std::size_t>(i * 12 + j * 4 + k)]);
  check_close(s1, r1);
  Tensor s2 = ops::slice(x, -1, 3, 4);
  std::vector<double> r2;
  for (int i = 0; i < 6; ++i) r2.push_back(v[static_cast<std::size_t>(i * 4 + 3)]);
  check_close(s2, r2);
  check_close(ops::slice(x, 0, 1, 2), std::vector<double>(v.begin() + 12, v.end()));
  CHECK(ops::slice(x, 0, 1, 1).numel() == 0);
  // concatenate
  Tensor c = ops::concatenate({f64({1, 2, 3, 4}, {2, 2}), f64({5, 6}, {2, 1}), f64({7, 8, 9, 10}, {2, 2})}, 1);
  CHECK(c.shape() == Shape{2, 5});
  check_close(c, {1, 2, 5, 7, 8, 3, 4, 6, 9, 10});
  check_close(ops::concatenate({f64({1, 2}, {1, 2}), f64({3, 4, 5, 6}, {2, 2})}, 0), {1, 2, 3, 4, 5, 6});
  // mixed dtypes are converted to the first tensor's dtype
  CHECK(ops::concatenate({f64({1}, {1}), f32({2}, {1})}, 0).dtype() == DType::Float64);
  // broadcast_to
  Tensor bt = ops::broadcast_to(f64({1, 2, 3}, {3, 1}), {2, 3, 2});
  CHECK(bt.shape() == Shape{2, 3, 2});
  check_close(bt, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  // take: ids of any shape
  Tensor table = f64({0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor tk = ops::take(table, i32({2, 0, 2, 1}, {2, 2}));
  CHECK(tk.shape() == Shape{2, 2, 2});
  check_close(tk, {20, 21, 0, 1, 20, 21, 10, 11});
  // cast
  Tensor cst = ops::cast(f64({1.25, -2.75}, {2}), DType::Float32);
  CHECK(cst.dtype() == DType::Float32);
  check_close(cst, {1.25, -2.75});
  check_close(ops::cast(f64({1.9, -1.9}, {2}), DType::Int32), {1, -1});
  Tensor same = f64({1}, {1});
  CHECK(ops::cast(same, DType::Float64).buffer() == same.buffer());  // no-op cast
  // stop_gradient
  Tensor sg = ops::stop_gradient(x);
  check_close(sg, v);
}

TEST_CASE("ops: one_hot") {
  Tensor oh = ops::one_hot(i32({0, 2, 1, 3}, {2, 2}), 3);
  CHECK(oh.shape() == Shape{2, 2, 3});
  CHECK(oh.dtype() == DType::Float32);
  // label 3 is out of range for depth 3: an all-zero row (tf.one_hot)
  check_close(oh, {1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0});
  Tensor oh64 = ops::one_hot(i32({1}, {1}), 2, DType::Float64);
  CHECK(oh64.dtype() == DType::Float64);
  check_close(oh64, {0, 1});
  check_close(ops::one_hot(i32({-1}, {1}), 2), {0, 0});
  CHECK_THROWS_AS(ops::one_hot(f32({1}, {1}), 2), ValueError);
}

TEST_CASE("ops: zeros, ones, full and the *_like forms follow keras.ops") {
  // keras.ops.zeros((2, 3)): float32 (floatx) unless a dtype is given.
  Tensor z = ops::zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.dtype() == DType::Float32);
  check_close(z, {0, 0, 0, 0, 0, 0});
  Tensor o = ops::ones({4}, DType::Int32);
  CHECK(o.dtype() == DType::Int32);
  check_close(o, {1, 1, 1, 1});
  Tensor f = ops::full({2}, 2.5, DType::Float64);
  CHECK(f.dtype() == DType::Float64);
  check_close(f, {2.5, 2.5});
  // A 0-d shape gives a scalar, an empty extent an empty tensor (as NumPy).
  CHECK(ops::ones({}).numel() == 1);
  CHECK(ops::ones({}).item() == 1.0);
  CHECK(ops::zeros({0, 3}).numel() == 0);
  // A new tensor every call, constant: nothing to differentiate.
  Tensor a = ops::ones({2}), b = ops::ones({2});
  CHECK(a.buffer() != b.buffer());
  CHECK(!a.requires_grad());

  // *_like: x's shape and dtype unless dtype is given; never x's gradient.
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {3, 2});
  x.set_requires_grad(true);
  Tensor zl = ops::zeros_like(x);
  CHECK(zl.shape() == Shape{3, 2});
  CHECK(zl.dtype() == DType::Float64);
  CHECK(!zl.requires_grad());
  check_close(zl, {0, 0, 0, 0, 0, 0});
  Tensor ol = ops::ones_like(x, DType::UInt8);
  CHECK(ol.dtype() == DType::UInt8);
  check_close(ol, {1, 1, 1, 1, 1, 1});
  check_close(ops::full_like(i32({7, 8}, {2}), -3), {-3, -3});
  CHECK(ops::full_like(i32({7, 8}, {2}), -3).dtype() == DType::Int32);

  // Shapes with unknown (None) or negative extents are refused, naming the shape.
  const std::string msg = error_message([] { ops::zeros({-1, 3}); });
  CHECK(contains(msg, "(None, 3)"));
  CHECK_THROWS_AS(ops::ones({2, -5}), ShapeError);
  CHECK_THROWS_AS(ops::zeros_like(Tensor()), ValueError);
}

TEST_CASE("ops: softmax and log_softmax forward on every axis") {
  Tensor x = random_tensor({2, 3, 4}, 21, -3, 3);
  const auto v = values(x);
  for (int axis : {-1, 0, 1, 2}) {
    CAPTURE(axis);
    const int a = axis < 0 ? 2 : axis;
    std::vector<double> ref(v.size()), lref(v.size());
    const auto st = strides_of(x.shape());
    for (std::size_t k = 0; k < v.size(); ++k) {
      auto idx = unravel(static_cast<std::int64_t>(k), x.shape());
      double mx = -1e300;
      for (std::int64_t j = 0; j < x.shape()[static_cast<std::size_t>(a)]; ++j) {
        idx[static_cast<std::size_t>(a)] = j;
        std::int64_t o = 0;
        for (std::size_t d = 0; d < 3; ++d) o += idx[d] * st[d];
        mx = std::max(mx, v[static_cast<std::size_t>(o)]);
      }
      double s = 0;
      for (std::int64_t j = 0; j < x.shape()[static_cast<std::size_t>(a)]; ++j) {
        idx[static_cast<std::size_t>(a)] = j;
        std::int64_t o = 0;
        for (std::size_t d = 0; d < 3; ++d) o += idx[d] * st[d];
        s += std::exp(v[static_cast<std::size_t>(o)] - mx);
      }
      ref[k] = std::exp(v[k] - mx) / s;
      lref[k] = v[k] - mx - std::log(s);
    }
    check_close(ops::softmax(x, axis), ref);
    check_close(ops::log_softmax(x, axis), lref);
  }
  // stable for large logits
  check_close(ops::softmax(f64({1000, 1001}, {1, 2})), {1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(-1.0))});
  check_close(ops::log_softmax(f32({1000, 0}, {1, 2})), {0, -1000}, 1e-6);
  CHECK_THROWS_AS(ops::softmax(f64({1}, {})), ShapeError);
}

TEST_CASE("ops: sparse_softmax_cross_entropy forward") {
  Tensor logits = random_tensor({4, 5}, 31, -2, 2);
  Tensor labels = i32({0, 4, 2, 2}, {4});
  Tensor loss = ops::sparse_softmax_cross_entropy(logits, labels);
  CHECK(loss.shape() == Shape{4});
  const auto v = values(logits);
  std::vector<double> ref;
  const int lab[] = {0, 4, 2, 2};
  for (int r = 0; r < 4; ++r) {
    double s = 0;
    for (int c = 0; c < 5; ++c) s += std::exp(v[static_cast<std::size_t>(r * 5 + c)]);
    ref.push_back(std::log(s) - v[static_cast<std::size_t>(r * 5 + lab[r])]);
  }
  check_close(loss, ref);
  // labels of shape (N, 1) and non-int labels are accepted
  check_close(ops::sparse_softmax_cross_entropy(logits, i32({0, 4, 2, 2}, {4, 1})), ref);
  check_close(ops::sparse_softmax_cross_entropy(logits, f32({0, 4, 2, 2}, {4})), ref);
  // stable for large logits
  check_close(ops::sparse_softmax_cross_entropy(f64({1000, 0}, {1, 2}), i32({1}, {1})), {1000});
  // errors
  const std::string msg = error_message([&] { (void)ops::sparse_softmax_cross_entropy(logits, i32({0, 5, 0, 0}, {4})); });
  CHECK(contains(msg, "5"));
  CHECK_THROWS_AS((void)ops::sparse_softmax_cross_entropy(logits, i32({0, 5, 0, 0}, {4})), ValueError);
  CHECK_THROWS_AS((void)ops::sparse_softmax_cross_entropy(logits, i32({0, 1}, {2})), ShapeError);
  CHECK_THROWS_AS((void)ops::sparse_softmax_cross_entropy(random_tensor({5}, 1), i32({0}, {1})), ShapeError);
}

TEST_CASE("ops: dropout forward") {
  Generator g(5);
  Tensor x = Tensor::ones({200, 100}, DType::Float32);
  Tensor y = ops::dropout(x, 0.3, g);
  const auto v = values(y);
  std::size_t zeros = 0;
  for (double e : v) {
    CHECK((e == 0.0 || e == doctest::Approx(1.0 / 0.7)));
    zeros += e == 0.0;
  }
  CHECK(static_cast<double>(zeros) / static_cast<double>(v.size()) == doctest::Approx(0.3).epsilon(0.05));
  // mean is preserved in expectation (inverted dropout)
  CHECK(ops::mean(y).item() == doctest::Approx(1.0).epsilon(0.03));
  // same seed, same mask; the generator advances between calls
  Generator g1(9), g2(9);
  check_close(ops::dropout(x, 0.5, g1), values(ops::dropout(x, 0.5, g2)));
  CHECK(values(ops::dropout(x, 0.5, g1)) != values(ops::dropout(x, 0.5, g1)));
  // rate 0 is the identity; rates outside [0, 1) are refused
  CHECK(ops::dropout(x, 0.0, g).buffer() == x.buffer());
  CHECK_THROWS_AS(ops::dropout(x, 1.0, g), ValueError);
  CHECK_THROWS_AS(ops::dropout(x, -0.1, g), ValueError);
}

TEST_CASE("ops: random_uniform and random_normal statistics") {
  constexpr std::int64_t n = 100000;
  auto stats = [](const Tensor& t) {
    const auto v = values(t);
    double m = 0, s = 0, lo = 1e300, hi = -1e300;
    for (double e : v) {
      m += e;
      lo = std::min(lo, e);
      hi = std::max(hi, e);
    }
    m /= static_cast<double>(v.size());
    for (double e : v) s += (e - m) * (e - m);
    return std::array<double, 4>{m, std::sqrt(s / static_cast<double>(v.size())), lo, hi};
  };
  Generator g(1234);
  {
    Tensor u = ops::random_uniform({n}, -2.0, 3.0, g);
    CHECK(u.dtype() == DType::Float32);
    auto [m, sd, lo, hi] = stats(u);
    CHECK(m == doctest::Approx(0.5).epsilon(0.02));
    CHECK(sd == doctest::Approx(5.0 / std::sqrt(12.0)).epsilon(0.01));
    CHECK(lo >= -2.0);
    CHECK(hi < 3.0);
    CHECK(lo < -1.99);
    CHECK(hi > 2.99);
  }
  {
    Tensor r = ops::random_normal({n}, 1.5, 2.0, g, DType::Float64);
    CHECK(r.dtype() == DType::Float64);
    auto [m, sd, lo, hi] = stats(r);
    CHECK(m == doctest::Approx(1.5).epsilon(0.02));
    CHECK(sd == doctest::Approx(2.0).epsilon(0.01));
    CHECK(lo < 1.5 - 2 * 4.0);  // an untruncated normal goes beyond 4 sigma in 100k draws
    CHECK(hi > 1.5 + 2 * 4.0);
  }
  {
    Tensor t = ops::random_normal({n}, -1.0, 0.5, g, DType::Float32, true);
    auto [m, sd, lo, hi] = stats(t);
    CHECK(m == doctest::Approx(-1.0).epsilon(0.01));
    // std of a normal truncated at +-2 sigma is 0.87962566 sigma
    CHECK(sd == doctest::Approx(0.5 * 0.87962566103423978).epsilon(0.01));
    CHECK(lo >= -1.0 - 2 * 0.5);
    CHECK(hi <= -1.0 + 2 * 0.5);
    CHECK(lo < -1.0 - 1.95 * 0.5);
  }
  // reproducible from a seed; successive draws differ
  Generator a(77), b(77);
  CHECK(values(ops::random_uniform({50}, 0, 1, a)) == values(ops::random_uniform({50}, 0, 1, b)));
  CHECK(values(ops::random_normal({50}, 0, 1, a)) == values(ops::random_normal({50}, 0, 1, b)));
  CHECK(values(ops::random_uniform({50}, 0, 1, a)) != values(ops::random_uniform({50}, 0, 1, a)));
  Generator c(78);
  CHECK(values(ops::random_uniform({50}, 0, 1, c)) != values(ops::random_uniform({50}, 0, 1, b)));
}

TEST_CASE("ops: shape errors name the shapes") {
  std::string msg = error_message([] { (void)ops::matmul(random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "(4, 5)"));
  CHECK_THROWS_AS(ops::matmul(random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)), ShapeError);
  CHECK_THROWS_AS(ops::matmul(random_tensor({2, 3}, 1), random_tensor({2, 3}, 2), false, false), ShapeError);
  CHECK_NOTHROW(ops::matmul(random_tensor({2, 3}, 1), random_tensor({2, 3}, 2), true, false));
  CHECK_THROWS_AS(ops::matmul(random_tensor({3}, 1), random_tensor({3, 2}, 2)), ShapeError);
  CHECK_THROWS_AS(ops::matmul(random_tensor({2, 2, 3}, 1), random_tensor({3, 3, 2}, 2)), ShapeError);
  msg = error_message([] { (void)ops::add(random_tensor({2, 3}, 1), random_tensor({4}, 2)); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "(4,)"));
  CHECK_THROWS_AS(ops::maximum(random_tensor({2, 3}, 1), random_tensor({2}, 2)), ShapeError);
  CHECK_THROWS_AS(ops::where(random_tensor({2}, 1), random_tensor({3}, 2), random_tensor({3}, 3)), ShapeError);
  msg = error_message([] { (void)ops::concatenate({random_tensor({2, 3}, 1), random_tensor({3, 3}, 2)}, 1); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "(3, 3)"));
  CHECK_THROWS_AS(ops::concatenate({random_tensor({2, 3}, 1), random_tensor({2, 3, 1}, 2)}, 0), ShapeError);
  CHECK_THROWS_AS(ops::concatenate({}, 0), ValueError);
  CHECK_THROWS_AS(ops::squeeze(random_tensor({2, 3}, 1), 0), ShapeError);
  CHECK_THROWS_AS(ops::slice(random_tensor({2, 3}, 1), 1, 2, 4), ValueError);
  CHECK_THROWS_AS(ops::transpose(random_tensor({2, 3}, 1), {0}), ShapeError);
  CHECK_THROWS_AS(ops::transpose(random_tensor({2, 3}, 1), {0, 0}), ShapeError);
  CHECK_THROWS_AS(ops::broadcast_to(random_tensor({2, 3}, 1), {3, 3}), ShapeError);
  CHECK_THROWS_AS(ops::broadcast_to(random_tensor({2, 3}, 1), {3}), ShapeError);
  CHECK_THROWS_AS(ops::take(random_tensor({3, 2}, 1), f32({0}, {1})), ValueError);
  CHECK_THROWS_AS(ops::take(random_tensor({3}, 1), i32({0}, {1})), ShapeError);
  CHECK_THROWS_AS(ops::reshape(random_tensor({2, 3}, 1), {5}), ShapeError);
  CHECK_THROWS_AS(ops::add(Tensor(), random_tensor({1}, 1)), ValueError);
  CHECK_THROWS_AS(ops::argmax(random_tensor({2, 3}, 1), 2), ValueError);
}

// ================================================================================================
// Gradients (float64 central differences)
// ================================================================================================

TEST_CASE("grad: add, subtract, multiply, divide with broadcasting both ways") {
  struct Case {
    Shape a, b;
  };
  const std::vector<Case> cases = {{{2, 3}, {2, 3}}, {{2, 3}, {3}},  {{3}, {2, 3}}, {{2, 1, 4}, {3, 1}},
                                   {{1, 3}, {2, 1}}, {{}, {2, 2}},   {{2, 2}, {}},  {{2, 3}, {1, 1}}};
  std::uint64_t seed = 200;
  for (const auto& c : cases) {
    CAPTURE(shape_to_string(c.a));
    CAPTURE(shape_to_string(c.b));
    Tensor a = random_tensor(c.a, seed++), b = random_tensor(c.b, seed++, 0.5, 1.5);
    check_gradients([](const Inputs& x) { return ops::add(x[0], x[1]); }, {a, b});
    check_gradients([](const Inputs& x) { return ops::subtract(x[0], x[1]); }, {a, b});
    check_gradients([](const Inputs& x) { return ops::multiply(x[0], x[1]); }, {a, b});
    check_gradients([](const Inputs& x) { return ops::divide(x[0], x[1]); }, {a, b});
    check_gradients([](const Inputs& x) { return ops::divide(x[1], x[0] + 3.0); }, {a, b});
  }
}

TEST_CASE("grad: scalar arithmetic and operators") {
  Tensor a = random_tensor({2, 3}, 300, 0.5, 2.0);
  check_gradients([](const Inputs& x) { return ops::add(x[0], 2.5); }, {a});
  check_gradients([](const Inputs& x) { return ops::multiply(x[0], -1.5); }, {a});
  check_gradients([](const Inputs& x) { return ops::divide(x[0], 4.0); }, {a});
  check_gradients([](const Inputs& x) { return ops::rsub(2.0, x[0]); }, {a});
  check_gradients([](const Inputs& x) { return ops::rdiv(2.0, x[0]); }, {a});
  check_gradients([](const Inputs& x) { return (3.0 - x[0]) * (x[0] / 2.0) + 1.0 / x[0] - (-x[0]); }, {a});
  check_gradients([](const Inputs& x) { return x[0] * x[1] - x[1] / x[0]; }, {a, random_tensor({3}, 301)});
}

TEST_CASE("grad: maximum and minimum (no ties)") {
  Tensor a = random_tensor({3, 4}, 310), b = random_tensor({3, 4}, 311);
  check_gradients([](const Inputs& x) { return ops::maximum(x[0], x[1]); }, {a, b});
  check_gradients([](const Inputs& x) { return ops::minimum(x[0], x[1]); }, {a, b});
  Tensor row = random_tensor({4}, 312);
  check_gradients([](const Inputs& x) { return ops::maximum(x[0], x[1]); }, {a, row});
  check_gradients([](const Inputs& x) { return ops::minimum(x[1], x[0]); }, {a, row});
  // with a tie the whole gradient goes to the first operand (TF's maximum gradient)
  Tensor p = f64({1, 2}, {2}), q = f64({1, 3}, {2});
  p.set_requires_grad(true);
  q.set_requires_grad(true);
  auto g = gradients(ops::sum(ops::maximum(p, q)), {p, q});
  check_close(g[0], {1, 0});
  check_close(g[1], {0, 1});
}

TEST_CASE("grad: power, unary math") {
  Tensor pos = random_tensor({2, 3}, 320, 0.5, 2.0);
  Tensor any = random_tensor({2, 3}, 321, -2.0, 2.0);
  for (double e : {2.0, 3.0, 0.5, -1.5, 1.0}) {
    CAPTURE(e);
    check_gradients([e](const Inputs& x) { return ops::power(x[0], e); }, {pos});
  }
  check_gradients([](const Inputs& x) { return ops::power(x[0], 3.0); }, {any});
  check_gradients([](const Inputs& x) { return ops::negative(x[0]); }, {any});
  check_gradients([](const Inputs& x) { return ops::abs(x[0]); }, {away_from({2, 3}, 322, -2, 2, {0.0})});
  check_gradients([](const Inputs& x) { return ops::square(x[0]); }, {any});
  check_gradients([](const Inputs& x) { return ops::sqrt(x[0]); }, {pos});
  check_gradients([](const Inputs& x) { return ops::exp(x[0]); }, {any});
  check_gradients([](const Inputs& x) { return ops::log(x[0]); }, {pos});
  check_gradients([](const Inputs& x) { return ops::log1p(x[0]); }, {random_tensor({2, 3}, 323, -0.5, 2.0)});
  check_gradients([](const Inputs& x) { return ops::reciprocal(x[0]); }, {pos});
  check_gradients([](const Inputs& x) { return ops::reciprocal(x[0]); }, {ops::negative(pos)});
  // piecewise-constant ops have zero gradient
  Tensor k = random_tensor({4}, 324, -2, 2);
  k.set_requires_grad(true);
  auto g = gradients(ops::sum(ops::floor(k) + ops::round(k) + ops::sign(k)), {k});
  check_close(g[0], {0, 0, 0, 0});
}

TEST_CASE("grad: clip and where") {
  Tensor x = away_from({3, 4}, 330, -2, 2, {-0.5, 0.7});
  check_gradients([](const Inputs& v) { return ops::clip(v[0], -0.5, 0.7); }, {x});
  // clip passes the gradient inside the bounds and blocks it outside
  Tensor c = f64({-2, 0, 2}, {3});
  c.set_requires_grad(true);
  check_close(gradients(ops::sum(ops::clip(c, -1, 1)), {c})[0], {0, 1, 0});
  Tensor cond = f64({1, 0, 1, 1, 0, 0}, {2, 3});
  check_gradients([cond](const Inputs& v) { return ops::where(cond, v[0], v[1]); },
                  {random_tensor({2, 3}, 331), random_tensor({2, 3}, 332)});
  check_gradients([cond](const Inputs& v) { return ops::where(cond, v[0], v[1]); },
                  {random_tensor({3}, 333), random_tensor({}, 334)});
  check_gradients([](const Inputs& v) { return ops::where(f64({1, 0}, {2, 1}), v[0], v[1]); },
                  {random_tensor({1, 3}, 335), random_tensor({2, 1}, 336)});
}

TEST_CASE("grad: every activation") {
  const Shape s{3, 5};
  Tensor x = random_tensor(s, 340, -3, 3);
  check_gradients([](const Inputs& v) { return ops::relu(v[0]); }, {away_from(s, 341, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::relu6(v[0]); }, {away_from(s, 342, -2, 8, {0.0, 6.0})});
  check_gradients([](const Inputs& v) { return ops::leaky_relu(v[0]); }, {away_from(s, 343, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::leaky_relu(v[0], 0.05); }, {away_from(s, 344, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::sigmoid(v[0]); }, {x});
  check_gradients([](const Inputs& v) { return ops::tanh(v[0]); }, {x});
  check_gradients([](const Inputs& v) { return ops::gelu(v[0]); }, {x});
  check_gradients([](const Inputs& v) { return ops::gelu(v[0], true); }, {x});
  check_gradients([](const Inputs& v) { return ops::elu(v[0]); }, {away_from(s, 345, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::elu(v[0], 0.5); }, {away_from(s, 346, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::selu(v[0]); }, {away_from(s, 347, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::softplus(v[0]); }, {x});
  check_gradients([](const Inputs& v) { return ops::softsign(v[0]); }, {away_from(s, 348, -3, 3, {0.0})});
  check_gradients([](const Inputs& v) { return ops::silu(v[0]); }, {x});
  check_gradients([](const Inputs& v) { return ops::hard_sigmoid(v[0]); }, {away_from(s, 349, -4.5, 4.5, {-3.0, 3.0})});
  check_gradients([](const Inputs& v) { return ops::exponential(v[0]); }, {x});
  // large inputs: the analytic gradient stays finite and correct
  check_gradients([](const Inputs& v) { return ops::softplus(v[0]); }, {f64({-40, 40, 15, -15}, {4})});
  check_gradients([](const Inputs& v) { return ops::sigmoid(v[0]); }, {f64({-30, 30, 12, -12}, {4})});
  // relu's gradient at exactly 0 is 0 (TF/JAX); hard_sigmoid's slope is 1/6 inside (-3, 3)
  Tensor z = f64({0.0, 1.0, -1.0}, {3});
  z.set_requires_grad(true);
  check_close(gradients(ops::sum(ops::relu(z)), {z})[0], {0, 1, 0});
  check_close(gradients(ops::sum(ops::hard_sigmoid(z)), {z})[0], {1.0 / 6, 1.0 / 6, 1.0 / 6});
}

TEST_CASE("grad: softmax and log_softmax on last and non-last axes") {
  Tensor x = random_tensor({2, 3, 4}, 350, -2, 2);
  for (int axis : {-1, 0, 1, 2}) {
    CAPTURE(axis);
    check_gradients([axis](const Inputs& v) { return ops::softmax(v[0], axis); }, {x});
    check_gradients([axis](const Inputs& v) { return ops::log_softmax(v[0], axis); }, {x});
  }
  check_gradients([](const Inputs& v) { return ops::softmax(v[0]); }, {random_tensor({7}, 351)});
}

TEST_CASE("grad: reductions over axis sets with and without keepdims") {
  Tensor x = random_tensor({2, 3, 4}, 360, -2, 2);  // distinct values: no max/min ties
  const std::vector<std::vector<int>> axis_sets = {{}, {0}, {1}, {-1}, {0, 2}, {1, 2}};
  for (const auto& axes : axis_sets) {
    for (bool keep : {false, true}) {
      CAPTURE(axes.size());
      CAPTURE(keep);
      check_gradients([&](const Inputs& v) { return ops::sum(v[0], axes, keep); }, {x});
      check_gradients([&](const Inputs& v) { return ops::mean(v[0], axes, keep); }, {x});
      check_gradients([&](const Inputs& v) { return ops::max(v[0], axes, keep); }, {x});
      check_gradients([&](const Inputs& v) { return ops::min(v[0], axes, keep); }, {x});
    }
  }
  check_gradients([](const Inputs& v) { return ops::sum(v[0]); }, {random_tensor({}, 361)});
  // ties split the gradient evenly (TF reduce_max semantics)
  Tensor t = f64({1, 3, 3, 2}, {4});
  t.set_requires_grad(true);
  check_close(gradients(ops::max(t), {t})[0], {0, 0.5, 0.5, 0});
  check_close(gradients(ops::min(t * -1.0), {t})[0], {0, -0.5, -0.5, 0});
}

TEST_CASE("grad: matmul with all transpose combinations and batch broadcasting") {
  struct Case {
    Shape a, b;
    bool ta, tb;
  };
  const std::vector<Case> cases = {
      {{3, 4}, {4, 2}, false, false},       {{4, 3}, {4, 2}, true, false},
      {{3, 4}, {2, 4}, false, true},        {{4, 3}, {2, 4}, true, true},
      {{2, 3, 4}, {4, 2}, false, false},    {{3, 4}, {2, 4, 2}, false, false},
      {{2, 3, 4}, {2, 4, 2}, false, false}, {{2, 1, 3, 2}, {3, 2, 2}, false, false},
      {{2, 4, 3}, {1, 2, 4}, true, true},   {{2, 4, 3}, {2, 4}, true, true}};
  std::uint64_t seed = 400;
  for (const auto& c : cases) {
    CAPTURE(shape_to_string(c.a));
    CAPTURE(shape_to_string(c.b));
    CAPTURE(c.ta);
    CAPTURE(c.tb);
    const bool ta = c.ta, tb = c.tb;
    check_gradients([ta, tb](const Inputs& v) { return ops::matmul(v[0], v[1], ta, tb); },
                    {random_tensor(c.a, seed), random_tensor(c.b, seed + 1)});
    seed += 2;
  }
  // the same tensor on both sides
  check_gradients([](const Inputs& v) { return ops::matmul(v[0], v[0], true, false); }, {random_tensor({3, 2}, 420)});
}

TEST_CASE("grad: linear with and without bias, 2-d and 3-d inputs") {
  check_gradients([](const Inputs& v) { return ops::linear(v[0], v[1], v[2]); },
                  {random_tensor({4, 3}, 430), random_tensor({3, 5}, 431), random_tensor({5}, 432)});
  check_gradients([](const Inputs& v) { return ops::linear(v[0], v[1], Tensor()); },
                  {random_tensor({4, 3}, 433), random_tensor({3, 5}, 434)});
  check_gradients([](const Inputs& v) { return ops::linear(v[0], v[1], v[2]); },
                  {random_tensor({2, 3, 3}, 435), random_tensor({3, 2}, 436), random_tensor({2}, 437)});
  // an input used again after linear (its gradient accumulates with linear's)
  check_gradients([](const Inputs& v) { return ops::sum(ops::linear(v[0], v[1], v[2]), {1}) + ops::sum(v[0], {1}); },
                  {random_tensor({4, 3}, 438), random_tensor({3, 5}, 439), random_tensor({5}, 440)});
}

TEST_CASE("grad: shape ops") {
  Tensor x = random_tensor({2, 3, 4}, 450);
  check_gradients([](const Inputs& v) { return ops::reshape(v[0], {4, -1}); }, {x});
  check_gradients([](const Inputs& v) { return v[0].reshape({6, 4}) * v[0].reshape({6, 4}); }, {x});
  check_gradients([](const Inputs& v) { return ops::flatten(v[0]); }, {x});
  for (const std::vector<int>& perm : std::vector<std::vector<int>>{{}, {1, 0, 2}, {2, 0, 1}, {0, 2, 1}}) {
    CAPTURE(perm.size());
    check_gradients([perm](const Inputs& v) { return ops::transpose(v[0], perm); }, {x});
  }
  for (int axis : {0, 1, 2, -1}) {
    CAPTURE(axis);
    check_gradients([axis](const Inputs& v) { return ops::slice(v[0], axis, 1, 2); }, {x});
    check_gradients([axis](const Inputs& v) { return ops::concatenate({v[0], v[1], v[0]}, axis); },
                    {x, random_tensor({2, 3, 4}, 451)});
  }
  check_gradients([](const Inputs& v) { return ops::concatenate({v[0], v[1]}, 1); },
                  {random_tensor({2, 1}, 452), random_tensor({2, 3}, 453)});
  check_gradients([](const Inputs& v) { return ops::expand_dims(v[0], 1); }, {x});
  check_gradients([](const Inputs& v) { return ops::squeeze(v[0], 1); }, {random_tensor({3, 1, 2}, 454)});
  check_gradients([](const Inputs& v) { return ops::broadcast_to(v[0], {2, 3, 4}); }, {random_tensor({3, 1}, 455)});
  check_gradients([](const Inputs& v) { return ops::broadcast_to(v[0], {2, 3}); }, {random_tensor({}, 456)});
  Tensor ids = i32({2, 0, 2, 4, 1, 2}, {3, 2});  // repeated ids accumulate
  check_gradients([ids](const Inputs& v) { return ops::take(v[0], ids); }, {random_tensor({5, 3}, 457)});
  // cast float64 -> float32 -> float64: the gradient passes through both casts (a linear
  // function, so a large step keeps float32 rounding out of the difference quotient)
  check_gradients([](const Inputs& v) {
    return ops::cast(ops::cast(v[0], DType::Float32), DType::Float64) * 3.0;
  }, {x}, 1e-2, 1e-4);
  Tensor c = f64({1, 2}, {2});
  c.set_requires_grad(true);
  Tensor c32 = ops::cast(c, DType::Float32);
  CHECK(c32.requires_grad());
  auto g = gradients(ops::sum(c32 * 2.0), {c});
  CHECK(g[0].dtype() == DType::Float64);
  check_close(g[0], {2, 2});
  // stop_gradient blocks the gradient
  auto g2 = gradients(ops::sum(ops::stop_gradient(c) * c), {c});
  check_close(g2[0], {1, 2});
}

TEST_CASE("grad: backward passes that read offset views") {
  // Constants that are slice_rows views (offset != 0) saved by an op for its backward pass.
  Tensor big = random_tensor({8, 4}, 490);
  Tensor c = big.slice_rows(3, 6);  // (3, 4) at offset 12
  check_gradients([c](const Inputs& v) { return ops::linear(c, v[0], v[1]); },
                  {random_tensor({4, 2}, 491), random_tensor({2}, 492)});
  check_gradients([c](const Inputs& v) { return ops::matmul(v[0], c); }, {random_tensor({2, 3}, 493)});
  check_gradients([c](const Inputs& v) { return ops::matmul(c, v[0], true, false); }, {random_tensor({3, 2}, 494)});
  check_gradients([c](const Inputs& v) { return ops::multiply(v[0], c) + ops::divide(c, v[0] + 3.0); },
                  {random_tensor({3, 4}, 495)});
  check_gradients([c](const Inputs& v) { return ops::maximum(c, v[0]); }, {random_tensor({4}, 496)});
  check_gradients([c](const Inputs& v) { return ops::where(ops::greater(c, 0.0), v[0], c); }, {random_tensor({3, 4}, 497)});
  Tensor ids = i32({0, 7, 1, 2, 5}, {5}).slice_rows(2, 5);  // 1, 2, 5
  check_gradients([ids](const Inputs& v) { return ops::take(v[0], ids); }, {random_tensor({6, 2}, 498)});
  Tensor labels = i32({9, 9, 0, 3, 1}, {5}).slice_rows(2, 5);
  check_gradients([labels](const Inputs& v) { return ops::sparse_softmax_cross_entropy(v[0], labels); },
                  {random_tensor({3, 4}, 499)});
  // the input itself viewed at an offset inside f (reshape + slice of a recorded tensor)
  check_gradients([](const Inputs& v) { return ops::softmax(ops::slice(v[0].reshape({4, 3}), 0, 1, 3)); },
                  {random_tensor({12}, 500)});
}

TEST_CASE("grad: sparse_softmax_cross_entropy") {
  Tensor labels = i32({1, 0, 4, 4}, {4});
  check_gradients([labels](const Inputs& v) { return ops::sparse_softmax_cross_entropy(v[0], labels); },
                  {random_tensor({4, 5}, 460, -2, 2)});
  // the gradient is softmax - onehot
  Tensor logits = f64({0, 0, 0}, {1, 3});
  logits.set_requires_grad(true);
  auto g = gradients(ops::sum(ops::sparse_softmax_cross_entropy(logits, i32({2}, {1}))), {logits});
  check_close(g[0], {1.0 / 3, 1.0 / 3, -2.0 / 3});
}

TEST_CASE("grad: dropout's gradient is its mask") {
  Tensor x = random_tensor({20, 10}, 470, 0.5, 1.5);
  x.set_requires_grad(true);
  Generator g(3);
  Tensor y = ops::dropout(x, 0.4, g);
  auto grad = gradients(ops::sum(y), {x});
  const auto gv = values(grad[0]), xv = values(x), yv = values(y);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < gv.size(); ++i) {
    CHECK((gv[i] == 0.0 || gv[i] == doctest::Approx(1.0 / 0.6)));
    CHECK(yv[i] == doctest::Approx(xv[i] * gv[i]));
    dropped += gv[i] == 0.0;
  }
  CHECK(dropped > 40);
  CHECK(dropped < 120);
  // with a fixed generator the op is deterministic, so it passes the numerical check too
  check_gradients([](const Inputs& v) {
    Generator fixed(11);
    return ops::dropout(v[0], 0.5, fixed);
  }, {random_tensor({4, 5}, 471)});
}

// The checker itself must be able to fail: a deliberately wrong backward (gradient x2) is
// reported. doctest counts this test as passing only when its assertions fail.
TEST_CASE("grad: the checker rejects a wrong gradient" * doctest::should_fail()) {
  check_gradients([](const Inputs& v) {
    Tensor x = v[0];
    return record("wrong_square", ops::square(x.detach()), {x}, [x](const Tensor& g) {
      return std::vector<Tensor>{ops::multiply(ops::multiply(g, x), 4.0)};  // should be 2gx
    });
  }, {random_tensor({3}, 480)});
}
