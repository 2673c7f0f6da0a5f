// test_autograd.cpp — the reverse-mode engine: accumulation into leaves, shared
// subexpressions and diamonds, recording on/off, gradients() vs backward(), seeds, errors and
// the release of the graph after a backward pass.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/ops.hpp>
#include <temper/tensor.hpp>
#include "support/helpers.hpp"

using namespace temper;

using temper::testing::error_message;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }

Tensor leaf(const std::vector<double>& v, const Shape& s) {
  Tensor t = f64(v, s);
  t.set_requires_grad(true);
  return t;
}

void check_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  REQUIRE(t.defined());
  const auto v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

}  // namespace

TEST_CASE("autograd: leaves and recorded outputs") {
  Tensor x = f64({1, 2}, {2});
  CHECK_FALSE(x.requires_grad());
  CHECK_FALSE(x.grad().defined());
  x.set_requires_grad(true);
  CHECK(x.requires_grad());
  CHECK_FALSE(x.autograd_meta()->grad_fn);  // a leaf
  Tensor y = x * 3.0;
  CHECK(y.requires_grad());
  REQUIRE(y.autograd_meta()->grad_fn);
  CHECK(y.autograd_meta()->grad_fn->name == "multiply_scalar");
  // ops on tensors that need no gradient record nothing
  Tensor c = f64({1, 2}, {2}) * 3.0;
  CHECK_FALSE(c.requires_grad());
  CHECK((!c.autograd_meta() || !c.autograd_meta()->grad_fn));
  x.set_requires_grad(false);
  CHECK_FALSE(x.requires_grad());
  CHECK_FALSE((x * 2.0).requires_grad());
}

TEST_CASE("autograd: backward accumulates into leaves across calls") {
  Tensor x = leaf({1, -2, 3}, {3});
  ops::sum(ops::square(x)).backward();
  check_values(x.grad(), {2, -4, 6});
  const Tensor first = x.grad();
  ops::sum(x * 3.0).backward();
  check_values(x.grad(), {5, -1, 9});
  // the gradient tensor handed out earlier is not modified in place
  check_values(first, {2, -4, 6});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  ops::sum(x).backward();
  check_values(x.grad(), {1, 1, 1});
}

TEST_CASE("autograd: a tensor used twice sums its gradients") {
  Tensor x = leaf({0.5, 2, -1}, {3});
  // y = x * x + x  ->  dy/dx = 2x + 1
  Tensor y = ops::sum(x * x + x);
  y.backward();
  check_values(x.grad(), {2, 5, -1});
  // the same input passed as both operands of one op
  Tensor z = leaf({3, 4}, {2});
  ops::sum(ops::multiply(z, z)).backward();
  check_values(z.grad(), {6, 8});
  Tensor w = leaf({3, 4}, {2});
  ops::sum(ops::add(w, w)).backward();
  check_values(w.grad(), {2, 2});
}

TEST_CASE("autograd: diamond graphs") {
  // a = 2x; b = exp(a); c = 3a; y = sum(b + c)  ->  dy/dx = 2 exp(2x) + 6
  Tensor x = leaf({0.1, -0.3}, {2});
  Tensor a = x * 2.0;
  Tensor b = ops::exp(a);
  Tensor c = a * 3.0;
  ops::sum(b + c).backward();
  check_values(x.grad(), {2 * std::exp(0.2) + 6, 2 * std::exp(-0.6) + 6});
  // two leaves feeding a deeper diamond: y = sum((u*v) * (u+v)) = sum(u^2 v + u v^2)
  Tensor u = leaf({1, 2}, {2});
  Tensor v = leaf({3, -1}, {2});
  Tensor p = u * v;
  Tensor s = u + v;
  ops::sum(p * s).backward();
  // dy/du = 2uv + v^2, dy/dv = u^2 + 2uv
  check_values(u.grad(), {2 * 1 * 3 + 9, 2 * 2 * -1 + 1});
  check_values(v.grad(), {1 + 2 * 1 * 3, 4 + 2 * 2 * -1});
}

TEST_CASE("autograd: a long chain runs without recursion") {
  Tensor x = leaf({1.0}, {1});
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y + 1.0;
  ops::sum(y).backward();
  check_values(x.grad(), {1.0});
  // dropping a long unreleased graph (no backward) must not overflow the stack either
  Tensor z = x;
  for (int i = 0; i < 200000; ++i) z = z * 1.0;
  z = Tensor();
  CHECK(x.requires_grad());
}

TEST_CASE("autograd: NoGradGuard stops recording and restores the mode") {
  Tensor x = leaf({1, 2}, {2});
  CHECK(grad_enabled());
  {
    NoGradGuard guard;
    CHECK_FALSE(grad_enabled());
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK_THROWS_AS(ops::sum(y).backward(), StateError);
    {
      NoGradGuard nested;
      CHECK_FALSE(grad_enabled());
    }
    CHECK_FALSE(grad_enabled());  // the inner guard restores "off", not "on"
  }
  CHECK(grad_enabled());
  // a value computed without grad is a constant in a later graph
  Tensor k;
  {
    NoGradGuard guard;
    k = x * 5.0;
  }
  ops::sum(k * x).backward();
  check_values(x.grad(), {5, 10});
}

TEST_CASE("autograd: gradients() returns values without touching grad()") {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor w = leaf({0.5}, {1});
  Tensor unused = leaf({7}, {1});
  Tensor y = ops::sum(ops::square(x) * w);
  auto g = gradients(y, {x, w, unused});
  REQUIRE(g.size() == 3);
  check_values(g[0], {1, 2, 3});
  check_values(g[1], {14});
  CHECK_FALSE(g[2].defined());
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  // gradients() keeps the graph: it can run again, and backward() can follow
  auto g2 = gradients(y, {w});
  check_values(g2[0], {14});
  y.backward();
  check_values(x.grad(), {1, 2, 3});
  check_values(w.grad(), {14});
  // with an explicit seed
  Tensor z = x * 2.0;
  auto g3 = gradients(z, {x}, f64({1, 10, 100}, {3}));
  check_values(g3[0], {2, 20, 200});
  // an intermediate tensor gets its gradient too (TF: a tensor computed inside the tape),
  // including contributions from several consumers
  Tensor mid = x * 2.0;
  Tensor out = ops::sum(ops::square(mid) + mid * 3.0);
  auto g4 = gradients(out, {mid, x, out});
  check_values(g4[0], {2 * 2 + 3, 2 * 4 + 3, 2 * 6 + 3});
  check_values(g4[1], {2 * 7, 2 * 11, 2 * 15});
  check_values(g4[2], {1});
  CHECK_FALSE(mid.grad().defined());
}

TEST_CASE("autograd: seeds and non-scalar outputs") {
  Tensor x = leaf({1, 2, 3, 4}, {2, 2});
  Tensor y = x * x;
  const std::string msg = error_message([&] { y.backward(); });
  CHECK(msg.find("(2, 2)") != std::string::npos);
  CHECK_THROWS_AS(y.backward(), ShapeError);
  // wrong seed shape
  CHECK_THROWS_AS(y.backward(f64({1, 1}, {2})), ShapeError);
  // correct seed: dx = seed * 2x
  y.backward(f64({1, 0, -1, 2}, {2, 2}));
  check_values(x.grad(), {2, 0, -6, 16});
  // a (1,)-shaped output needs no seed
  Tensor x2 = leaf({3}, {1});
  (x2 * x2).backward();
  check_values(x2.grad(), {6});
  // backward on a leaf puts the seed in its grad
  Tensor x3 = leaf({3}, {});
  x3.backward();
  check_values(x3.grad(), {1});
  // backward of a tensor that needs no gradient is an error
  CHECK_THROWS_AS(f64({1}, {1}).backward(), StateError);
}

TEST_CASE("autograd: backward twice through a released graph is a StateError") {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = ops::sum(ops::exp(x) * x);
  y.backward();
  const std::string msg = error_message([&] { y.backward(); });
  CHECK(msg.find("second time") != std::string::npos);
  CHECK_THROWS_AS(y.backward(), StateError);
  // gradients() after the graph was released fails the same way
  CHECK_THROWS_AS(gradients(y, {x}), StateError);
  // an intermediate node used by a released graph fails as well
  Tensor x2 = leaf({1, 2}, {2});
  Tensor h = ops::exp(x2);
  ops::sum(h).backward();
  CHECK_THROWS_AS(ops::sum(h * 2.0).backward(), StateError);
}

TEST_CASE("autograd: the graph and saved activations are freed after backward") {
  Tensor x = leaf({0.5, 1.5, 2.5}, {3});
  std::weak_ptr<Node> node;
  std::weak_ptr<Buffer> activation;
  std::weak_ptr<AutogradMeta> meta;
  Tensor y;
  {
    Tensor h = ops::exp(x);  // saved by exp's own backward and by multiply's
    node = h.autograd_meta()->grad_fn;
    meta = h.autograd_meta();
    activation = h.buffer();
    y = ops::sum(h * x);
  }
  CHECK_FALSE(node.expired());  // kept alive by the graph of y
  CHECK_FALSE(activation.expired());
  y.backward();
  CHECK(node.expired());
  CHECK(meta.expired());
  CHECK(activation.expired());
  // d/dx sum(exp(x) * x) = exp(x) (x + 1)
  check_values(x.grad(), {std::exp(0.5) * 1.5, std::exp(1.5) * 2.5, std::exp(2.5) * 3.5}, 1e-12);
  // the root keeps its (now empty) node; the leaves survive
  CHECK(x.requires_grad());
  // gradients() does not free the graph
  std::weak_ptr<Node> kept;
  Tensor y2;
  {
    Tensor h = ops::exp(x);
    kept = h.autograd_meta()->grad_fn;
    y2 = ops::sum(h);
  }
  (void)gradients(y2, {x});
  CHECK_FALSE(kept.expired());
  y2 = Tensor();
  CHECK(kept.expired());  // dropping the output drops the graph
}

TEST_CASE("autograd: record skips nodes when no input requires grad") {
  Tensor a = f64({1}, {1});
  Tensor out = record("custom", f64({2}, {1}), {a}, [](const Tensor& g) {
    return std::vector<Tensor>{g};
  });
  CHECK_FALSE(out.requires_grad());
  // a custom recorded op participates in backward
  Tensor x = leaf({1, 2}, {2});
  Tensor y = record("times_ten", x.detach() * 10.0, {x}, [](const Tensor& g) {
    return std::vector<Tensor>{g * 10.0};
  });
  CHECK(y.autograd_meta()->grad_fn->name == "times_ten");
  ops::sum(y).backward();
  check_values(x.grad(), {10, 10});
}

TEST_CASE("autograd: gradient of a broadcast operand is reduced to its shape") {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = leaf({1, 1, 1}, {3});
  Tensor s = leaf({2}, {});
  ops::sum((x + b) * s).backward();
  check_values(b.grad(), {4, 4, 4});
  check_values(s.grad(), {21 + 6});
  check_values(x.grad(), {2, 2, 2, 2, 2, 2});
  CHECK(b.grad().shape() == Shape{3});
  CHECK(s.grad().shape() == Shape{});
}

TEST_CASE("autograd: float32 leaves get float32 gradients") {
  Tensor x = Tensor::from_vector(std::vector<float>{1.f, 2.f}, {2});
  x.set_requires_grad(true);
  ops::sum(x * x).backward();
  CHECK(x.grad().dtype() == DType::Float32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2.f, 4.f});
}
