// test_tensor.cpp — the Tensor value type: construction for every dtype, host round trips,
// views (reshape / slice_rows) and their memory sharing, views with a nonzero offset fed to
// every kind of op, copies, dtype conversion, operators with NumPy broadcasting, printing and
// the errors a user meets first.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/ops.hpp>
#include <temper/random.hpp>
#include <temper/tensor.hpp>
#include "support/helpers.hpp"

using namespace temper;

using temper::testing::error_message;
using temper::testing::contains;

using temper::testing::values;

namespace {

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor i32(const std::vector<std::int32_t>& v, const Shape& s) { return Tensor::from_vector(v, s); }


void check_values(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  const auto v = values(t);
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    if (tol == 0)
      CHECK(v[i] == expected[i]);
    else
      CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

/// 0, 1, 2, ... as float32 of `shape`.
Tensor arange32(const Shape& shape) {
  std::vector<float> v(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return f32(v, shape);
}

const DType kAllDTypes[] = {DType::Float32, DType::Float64, DType::Int32, DType::UInt8};

}  // namespace

TEST_CASE("tensor: default tensor is undefined") {
  Tensor t;
  CHECK_FALSE(t.defined());
  CHECK(t.to_string() == "Tensor(undefined)");
  CHECK_THROWS_AS(t.backend(), StateError);
}

TEST_CASE("tensor: empty/zeros/ones/full/scalar for every dtype") {
  for (DType dt : kAllDTypes) {
    CAPTURE(dtype_name(dt));
    Tensor e = Tensor::empty({2, 3}, dt);
    CHECK(e.defined());
    CHECK(e.shape() == Shape{2, 3});
    CHECK(e.rank() == 2);
    CHECK(e.numel() == 6);
    CHECK(e.dtype() == dt);
    CHECK(e.dim(0) == 2);
    CHECK(e.dim(-1) == 3);
    CHECK(e.offset() == 0);
    CHECK(e.device() == DeviceType::CPU);

    check_values(Tensor::zeros({2, 3}, dt), std::vector<double>(6, 0.0));
    check_values(Tensor::ones({4}, dt), std::vector<double>(4, 1.0));
    check_values(Tensor::full({3, 1}, 7.0, dt), std::vector<double>(3, 7.0));

    Tensor s = Tensor::scalar(5.0, dt);
    CHECK(s.rank() == 0);
    CHECK(s.shape().empty());
    CHECK(s.numel() == 1);
    CHECK(s.dtype() == dt);
    CHECK(s.item() == 5.0);

    Tensor z = Tensor::zeros({0, 4}, dt);  // empty tensors are legal
    CHECK(z.numel() == 0);
    CHECK(values(z).empty());
  }
  // full keeps non-integral values in float dtypes.
  CHECK(Tensor::full({1}, 0.25, DType::Float32).item() == 0.25);
  CHECK(Tensor::full({1}, 1.0 / 3.0, DType::Float64).item() == 1.0 / 3.0);
  CHECK(Tensor::full({1}, 200.0, DType::UInt8).item() == 200.0);
  CHECK(Tensor::full({1}, -12.0, DType::Int32).item() == -12.0);
  CHECK_THROWS_AS(Tensor::zeros({2, -1}), ShapeError);
}

TEST_CASE("tensor: from_vector and to_vector round trip for every dtype") {
  const std::vector<float> vf{1.5f, -2.25f, 3.0f, 1e-20f, -0.0f, 65504.0f};
  CHECK(f32(vf, {2, 3}).to_vector<float>() == vf);
  const std::vector<double> vd{1.0 / 3.0, -1e300, 2.5, 4.0};
  Tensor td = Tensor::from_vector(vd);
  CHECK(td.shape() == Shape{4});
  CHECK(td.dtype() == DType::Float64);
  CHECK(td.to_vector<double>() == vd);
  const std::vector<std::int32_t> vi{-2147483647 - 1, 0, 2147483647};
  Tensor ti = Tensor::from_vector(vi, {3, 1});
  CHECK(ti.dtype() == DType::Int32);
  CHECK(ti.to_vector<std::int32_t>() == vi);
  const std::vector<std::uint8_t> vu{0, 1, 127, 128, 255, 42};
  Tensor tu = Tensor::from_vector(vu, {1, 2, 3});
  CHECK(tu.dtype() == DType::UInt8);
  CHECK(tu.to_vector<std::uint8_t>() == vu);
  // from_data with a span
  const double raw[] = {4.0, 5.0};
  Tensor sp = Tensor::from_data(std::span<const double>(raw, 2), {2});
  CHECK(sp.to_vector<double>() == std::vector<double>{4.0, 5.0});
  // copy_to_host with the wrong dtype is refused
  float dst[3];
  CHECK_THROWS_AS(ti.copy_to_host(dst, DType::Float32), ValueError);
  CHECK_THROWS_AS(ti.to_vector<float>(), ValueError);
}

TEST_CASE("tensor: item") {
  CHECK(f32({2.5f}, {1, 1}).item() == 2.5);
  CHECK(f64({-1.25}, {}).item() == -1.25);
  CHECK(i32({-7}, {1}).item() == -7.0);
  CHECK(Tensor::from_vector(std::vector<std::uint8_t>{250}).item() == 250.0);
  const std::string msg = error_message([] { (void)f32({1, 2}, {2}).item(); });
  CHECK(contains(msg, "(2,)"));
  CHECK_THROWS_AS((void)f32({1, 2, 3, 4}, {2, 2}).item(), ShapeError);
  CHECK_THROWS_AS((void)Tensor::zeros({0}).item(), ShapeError);
}

TEST_CASE("tensor: errors name both counts and both shapes") {
  std::string msg = error_message([] { (void)f32({1, 2, 3, 4, 5}, {2, 3}); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "6"));
  CHECK(contains(msg, "5"));
  CHECK_THROWS_AS((void)f32({1, 2, 3, 4, 5}, {2, 3}), ShapeError);

  Tensor t = arange32({2, 3});
  msg = error_message([&] { (void)t.reshape({4, 2}); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "(4, 2)"));
  CHECK_THROWS_AS((void)t.reshape({4, 2}), ShapeError);
  CHECK_THROWS_AS((void)t.reshape({-1, 4}), ShapeError);
  CHECK_THROWS_AS((void)t.reshape({-1, -1}), ShapeError);
  CHECK_THROWS_AS((void)t.slice_rows(1, 3), ValueError);
  CHECK_THROWS_AS((void)t.slice_rows(2, 1), ValueError);
  CHECK_THROWS_AS((void)Tensor::scalar(1.0).slice_rows(0, 1), ShapeError);
  CHECK_THROWS_AS(t.assign(arange32({5})), ShapeError);
  CHECK_THROWS_AS(t.assign(Tensor::zeros({6}, DType::Float64)), ShapeError);
  CHECK_THROWS_AS(i32({1}, {1}).set_requires_grad(true), ValueError);
}

TEST_CASE("tensor: reshape views share memory") {
  Tensor a = arange32({2, 3});
  Tensor b = a.reshape({3, 2});
  CHECK(b.shape() == Shape{3, 2});
  CHECK(b.buffer() == a.buffer());
  Tensor c = a.reshape({-1});
  CHECK(c.shape() == Shape{6});
  CHECK(a.reshape({3, -1}).shape() == Shape{3, 2});
  // writing through one view is visible through the other
  b.assign(f32({10, 11, 12, 13, 14, 15}, {6}));
  check_values(a, {10, 11, 12, 13, 14, 15});
  check_values(c, {10, 11, 12, 13, 14, 15});
  // reshape of a scalar and to a scalar
  CHECK(Tensor::scalar(3.0).reshape({1, 1}).shape() == Shape{1, 1});
  CHECK(f32({4}, {1}).reshape({}).shape().empty());
}

TEST_CASE("tensor: slice_rows views share memory and carry an offset") {
  Tensor a = arange32({5, 4});
  Tensor v = a.slice_rows(2, 4);
  CHECK(v.shape() == Shape{2, 4});
  CHECK(v.offset() == 8);
  CHECK(v.buffer() == a.buffer());
  check_values(v, {8, 9, 10, 11, 12, 13, 14, 15});
  // a view of a view accumulates the offset
  Tensor vv = v.slice_rows(1, 2);
  CHECK(vv.offset() == 12);
  check_values(vv, {12, 13, 14, 15});
  // writing into the view writes into the parent's rows
  v.assign(Tensor::full({2, 4}, -1.0));
  check_values(a, {0, 1, 2, 3, 4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1, 16, 17, 18, 19});
  // empty and full-range slices
  CHECK(a.slice_rows(3, 3).numel() == 0);
  CHECK(a.slice_rows(0, 5).offset() == 0);
  // reshape of an offset view keeps the offset
  Tensor r = a.slice_rows(4, 5).reshape({2, 2});
  CHECK(r.offset() == 16);
  check_values(r, {16, 17, 18, 19});
  // the other dtypes use element offsets too
  Tensor d = f64({0, 1, 2, 3, 4, 5}, {3, 2}).slice_rows(1, 3);
  check_values(d, {2, 3, 4, 5});
  Tensor u = Tensor::from_vector(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}, {3, 2}).slice_rows(2, 3);
  check_values(u, {5, 6});
  CHECK_THROWS_AS((void)u.item(), ShapeError);
  CHECK(u.slice_rows(0, 1).reshape({2}).slice_rows(1, 2).item() == 6.0);
}

TEST_CASE("tensor: element-wise ops on offset views") {
  Tensor a = arange32({5, 4});
  Tensor v = a.slice_rows(2, 4);  // rows 8..15
  const std::vector<double> vv{8, 9, 10, 11, 12, 13, 14, 15};
  // binary: view with itself, with a fresh tensor, broadcast row, scalar, view on the right
  check_values(v + v, {16, 18, 20, 22, 24, 26, 28, 30});
  check_values(v - Tensor::ones({2, 4}), {7, 8, 9, 10, 11, 12, 13, 14});
  Tensor row = a.slice_rows(1, 2).reshape({4});  // 4, 5, 6, 7 at offset 4
  check_values(v * row, {32, 45, 60, 77, 48, 65, 84, 105});
  check_values(Tensor::ones({2, 4}) - v, {-7, -8, -9, -10, -11, -12, -13, -14});
  check_values(v / 2.0, {4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5});
  check_values(100.0 - v, {92, 91, 90, 89, 88, 87, 86, 85});
  // unary
  std::vector<double> ex;
  for (double x : vv) ex.push_back(std::sqrt(x));
  check_values(ops::sqrt(v), ex);
  check_values(ops::negative(v), {-8, -9, -10, -11, -12, -13, -14, -15});
  check_values(ops::clip(v, 9.5, 13.5), {9.5, 9.5, 10, 11, 12, 13, 13.5, 13.5});
  // comparison with a view on each side
  Tensor other = f32({8, 0, 10, 0, 0, 13, 0, 15}, {2, 4});
  check_values(ops::equal(v, other), {1, 0, 1, 0, 0, 1, 0, 1});
  check_values(ops::equal(other, v), {1, 0, 1, 0, 0, 1, 0, 1});
  check_values(ops::greater(v, 11.5), {0, 0, 0, 0, 1, 1, 1, 1});
  // where with a view condition and view operands
  Tensor cond = f32({1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0}, {3, 4}).slice_rows(0, 2);
  check_values(ops::where(cond, v, ops::negative(v)), {8, -9, 10, -11, -12, -13, 14, 15});
  // astype and clone of a view copy only the view
  Tensor c = v.clone();
  CHECK(c.offset() == 0);
  CHECK(c.numel() == 8);
  check_values(c, vv);
  check_values(v.astype(DType::Float64), vv);
  check_values(ops::cast(v, DType::Int32), vv);
}

TEST_CASE("tensor: reductions, matmul, argmax, softmax, gather on offset views") {
  Tensor a = arange32({5, 4});
  Tensor v = a.slice_rows(2, 4);  // [[8..11], [12..15]]
  check_values(ops::sum(v), {92});
  check_values(ops::sum(v, {0}), {20, 22, 24, 26});
  check_values(ops::sum(v, {1}), {38, 54});
  check_values(ops::mean(v, {1}), {9.5, 13.5});
  check_values(ops::max(v, {0}), {12, 13, 14, 15});
  check_values(ops::min(v), {8});
  // argmax / argmin
  Tensor s = f32({0, 0, 0, 3, 1, 2, 9, 7, 8}, {3, 3}).slice_rows(1, 3);  // [[3,1,2],[9,7,8]]
  check_values(ops::argmax(s, 1), {0, 0});
  check_values(ops::argmin(s, 1), {1, 1});
  check_values(ops::argmax(s, 0), {1, 1, 1});
  // matmul with the view on the left and on the right
  Tensor w = f32({1, 0, 0, 1, 1, 1, 0, 0, 2, 1, 0, 0}, {4, 3});
  // v @ w: row r = [v0 + v1, v1 + v3... ] computed by hand below
  std::vector<double> ref;
  const auto vv = values(v), wv = values(w);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      double acc = 0;
      for (int k = 0; k < 4; ++k) acc += vv[r * 4 + k] * wv[k * 3 + c];
      ref.push_back(acc);
    }
  check_values(ops::matmul(v, w), ref);
  Tensor lhs = f32({1, 2, 3, 4, 5, 6}, {3, 2});
  std::vector<double> ref2;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) ref2.push_back((r * 2 + 1) * vv[c] + (r * 2 + 2) * vv[4 + c]);
  check_values(ops::matmul(lhs, v), ref2);
  // view as both operands (v^T @ v)
  std::vector<double> ref3;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) ref3.push_back(vv[i] * vv[j] + vv[4 + i] * vv[4 + j]);
  check_values(ops::matmul(v, v, true, false), ref3);
  // linear with a view input
  Tensor b = f32({1, 2, 3}, {3});
  std::vector<double> ref4 = ref;
  for (std::size_t i = 0; i < ref4.size(); ++i) ref4[i] += static_cast<double>(i % 3) + 1;
  check_values(ops::linear(v, w, b), ref4);
  // softmax of a view: each row sums to 1 and equals softmax of a fresh copy
  Tensor sm = ops::softmax(v);
  check_values(ops::sum(sm, {1}), {1, 1});
  check_values(sm, values(ops::softmax(v.clone())));
  // gather (take) with a view table and view ids
  Tensor table = arange32({6, 2}).slice_rows(2, 6);  // rows [4,5],[6,7],[8,9],[10,11]
  Tensor ids = i32({9, 9, 3, 0, 1}, {5}).slice_rows(2, 5);  // 3, 0, 1
  check_values(ops::take(table, ids), {10, 11, 4, 5, 6, 7});
  // the backend's row gather (how batches are cut from a dataset) reads a view's offset
  Tensor rows = Tensor::empty({3, 4});
  const std::int64_t idx[] = {1, 0, 1};
  v.backend().gather_rows(v, idx, rows);
  check_values(rows, {12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15});
  // one_hot of a view
  check_values(ops::one_hot(ids, 4), {0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0});
  // transpose, slice and concatenate of views
  check_values(ops::transpose(v), {8, 12, 9, 13, 10, 14, 11, 15});
  check_values(ops::slice(v, 1, 1, 3), {9, 10, 13, 14});
  check_values(ops::concatenate({v.slice_rows(1, 2), v.slice_rows(0, 1)}, 0),
               {12, 13, 14, 15, 8, 9, 10, 11});
  check_values(ops::broadcast_to(a.slice_rows(4, 5), {2, 4}), {16, 17, 18, 19, 16, 17, 18, 19});
  // the fused loss on view logits and view labels
  Tensor logits = f32({0, 0, 0, 1, 2, 3, 3, 2, 1}, {3, 3}).slice_rows(1, 3);
  Tensor labels = i32({0, 2, 0}, {3}).slice_rows(1, 3);
  Tensor loss = ops::sparse_softmax_cross_entropy(logits, labels);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  check_values(loss, {lse - 3.0, lse - 3.0}, 1e-5);
}

TEST_CASE("tensor: autograd through offset views") {
  // A view of a leaf that requires grad is a plain data view (not differentiable), but a view
  // of a constant used with a variable must give correct gradients.
  Tensor data = arange32({4, 3});
  Tensor x = data.slice_rows(1, 3);
  Tensor w = f32({1, 2, 3}, {3});
  w.set_requires_grad(true);
  Tensor y = ops::sum(ops::multiply(x, w));
  y.backward();
  check_values(w.grad(), {3 + 6, 4 + 7, 5 + 8});
  // gradients w.r.t. a view of a leaf: the view gets its own record once marked
  Tensor xv = data.slice_rows(2, 4);  // offset 6, shares data's buffer
  xv.set_requires_grad(true);
  CHECK_FALSE(data.requires_grad());
  Tensor z = ops::sum(ops::square(xv));
  z.backward();
  check_values(xv.grad(), {12, 14, 16, 18, 20, 22});
}

TEST_CASE("tensor: to() another backend handle copies") {
  Tensor a = arange32({2, 3}).slice_rows(1, 2);
  Tensor b = a.to(default_backend());
  CHECK(b.buffer() != a.buffer());
  CHECK(b.shape() == Shape{1, 3});
  check_values(b, {3, 4, 5});
  CHECK(&b.backend() == &default_backend());
  CHECK(get_backend("cpu").name() == "cpu");
  const auto names = available_backends();
  CHECK(std::find(names.begin(), names.end(), "cpu") != names.end());
}

TEST_CASE("tensor: clone and detach") {
  Tensor a = arange32({2, 2});
  Tensor c = a.clone();
  CHECK(c.buffer() != a.buffer());
  c.assign(Tensor::zeros({2, 2}));
  check_values(a, {0, 1, 2, 3});
  a.assign(Tensor::ones({4}));
  check_values(c, {0, 0, 0, 0});
  // clone drops autograd history
  Tensor x = f32({1, 2}, {2});
  x.set_requires_grad(true);
  Tensor y = x * 2.0;
  CHECK(y.requires_grad());
  CHECK_FALSE(y.clone().requires_grad());
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.buffer() == y.buffer());
  // Tensor copies are handles: copying shares memory
  Tensor h = a;
  CHECK(h.buffer() == a.buffer());
}

TEST_CASE("tensor: astype conversions and uint8 image scaling") {
  const std::vector<std::uint8_t> bytes{0, 1, 17, 128, 200, 254, 255};
  Tensor u = Tensor::from_vector(bytes);
  Tensor f = u.astype(DType::Float32);
  CHECK(f.dtype() == DType::Float32);
  check_values(f, {0, 1, 17, 128, 200, 254, 255}, 0);
  // uint8 / 255.0f -> float32 holding exactly the float division of each byte
  Tensor scaled = u / 255.0f;
  CHECK(scaled.dtype() == DType::Float32);
  const auto sv = scaled.to_vector<float>();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    CAPTURE(i);
    CHECK(sv[i] == static_cast<float>(bytes[i]) / 255.0f);
  }
  // integer inputs with a floating scalar promote to float32 for every operator
  CHECK((u * 2.0).dtype() == DType::Float32);
  CHECK((u + 0.5).dtype() == DType::Float32);
  check_values(u + 0.5, {0.5, 1.5, 17.5, 128.5, 200.5, 254.5, 255.5});
  CHECK((i32({1, 2}, {2}) - 1.0).dtype() == DType::Float32);
  // float -> int truncates toward zero (NumPy astype)
  check_values(f32({2.7f, -2.7f, 0.5f, -0.5f, 3.0f}, {5}).astype(DType::Int32), {2, -2, 0, 0, 3}, 0);
  // int32 -> float64 -> float32
  check_values(i32({-5, 7}, {2}).astype(DType::Float64).astype(DType::Float32), {-5, 7}, 0);
  // float64 -> float32 rounds to nearest
  Tensor d = f64({1.0 / 3.0}, {1});
  CHECK(d.astype(DType::Float32).to_vector<float>()[0] == static_cast<float>(1.0 / 3.0));
  // same-dtype astype is a copy, not a view
  Tensor same = f.astype(DType::Float32);
  CHECK(same.buffer() != f.buffer());
}

TEST_CASE("tensor: arithmetic operators with tensors, scalars and broadcasting") {
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({10, 20, 30, 40, 50, 60}, {2, 3});
  check_values(a + b, {11, 22, 33, 44, 55, 66});
  check_values(b - a, {9, 18, 27, 36, 45, 54});
  check_values(a * b, {10, 40, 90, 160, 250, 360});
  check_values(b / a, {10, 10, 10, 10, 10, 10});
  check_values(a + 1.0, {2, 3, 4, 5, 6, 7});
  check_values(1.0 + a, {2, 3, 4, 5, 6, 7});
  check_values(a - 1.0, {0, 1, 2, 3, 4, 5});
  check_values(1.0 - a, {0, -1, -2, -3, -4, -5});
  check_values(a * 3.0, {3, 6, 9, 12, 15, 18});
  check_values(3.0 * a, {3, 6, 9, 12, 15, 18});
  check_values(a / 2.0, {0.5, 1, 1.5, 2, 2.5, 3});
  check_values(6.0 / a, {6, 3, 2, 1.5, 1.2, 1});
  check_values(-a, {-1, -2, -3, -4, -5, -6});
  // broadcasting: row vector, column vector, scalar tensor, both sides expanding
  Tensor row = f32({100, 200, 300}, {3});
  Tensor col = f32({1000, 2000}, {2, 1});
  check_values(a + row, {101, 202, 303, 104, 205, 306});
  check_values(row + a, {101, 202, 303, 104, 205, 306});
  check_values(a - col, {-999, -998, -997, -1996, -1995, -1994});
  check_values(col - a, {999, 998, 997, 1996, 1995, 1994});
  check_values(a * Tensor::scalar(2.0), {2, 4, 6, 8, 10, 12});
  Tensor outer = col + row;  // (2,1) + (3,) -> (2,3)
  CHECK(outer.shape() == Shape{2, 3});
  check_values(outer, {1100, 1200, 1300, 2100, 2200, 2300});
  Tensor c3 = f32({1, 2}, {2, 1, 1}) * f32({1, 10, 100}, {1, 3, 1}) + f32({0, 0.5}, {2});
  CHECK(c3.shape() == Shape{2, 3, 2});
  check_values(c3, {1, 1.5, 10, 10.5, 100, 100.5, 2, 2.5, 20, 20.5, 200, 200.5});
  // dtype promotion: float32 with float64 gives float64
  CHECK((a + f64({1, 1, 1}, {3})).dtype() == DType::Float64);
  // incompatible shapes name both
  const std::string msg = error_message([&] { (void)(a + f32({1, 2}, {2})); });
  CHECK(contains(msg, "(2, 3)"));
  CHECK(contains(msg, "(2,)"));
  CHECK_THROWS_AS((void)(a * f32({1, 2, 3, 4}, {4})), ShapeError);
}

TEST_CASE("tensor: printing shows shape, dtype and values") {
  Tensor a = f32({1.5f, -2.0f, 3.0f, 4.0f}, {2, 2});
  const std::string s = a.to_string();
  CHECK(contains(s, "shape=(2, 2)"));
  CHECK(contains(s, "dtype=float32"));
  CHECK(contains(s, "1.5, -2, 3, 4"));
  CHECK_FALSE(contains(s, "..."));
  // long tensors are elided after max_values
  Tensor big = arange32({10});
  const std::string sb = big.to_string(3);
  CHECK(contains(sb, "0, 1, 2, ..."));
  CHECK_FALSE(contains(sb, "3,"));
  CHECK(contains(sb, "shape=(10,)"));
  // scalars, integer dtypes and offset views print their own values
  CHECK(contains(Tensor::scalar(2.5, DType::Float64).to_string(), "shape=()"));
  CHECK(contains(Tensor::scalar(2.5, DType::Float64).to_string(), "2.5"));
  CHECK(contains(i32({7, -8}, {2}).to_string(), "dtype=int32"));
  CHECK(contains(i32({7, -8}, {2}).to_string(), "7, -8"));
  CHECK(contains(Tensor::from_vector(std::vector<std::uint8_t>{255}).to_string(), "dtype=uint8"));
  CHECK(contains(arange32({4, 2}).slice_rows(2, 3).to_string(), "values=[4, 5]"));
  std::ostringstream os;
  os << a;
  CHECK(os.str() == s);
}
