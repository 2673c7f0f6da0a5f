// Loss tests: values against Keras's formulas evaluated in double here, every reduction,
// sample weights, clipping, from_logits both ways, label smoothing, ignore_class, numerical
// gradients, lookup, configs and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/losses.hpp>
#include <temper/ops.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
namespace L = temper::losses;

using temper::testing::values;

namespace {

constexpr double kEps = 1e-7;

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}
Tensor i32(const std::vector<int>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<std::int32_t>(v.begin(), v.end()), s);
}


void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  auto v = values(t);
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

// Keras per-element binary crossentropy on probabilities.
double bce_prob(double y, double p) {
  p = clip(p, kEps, 1.0 - kEps);
  return -(y * std::log(p) + (1.0 - y) * std::log(1.0 - p));
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Row-wise categorical crossentropy with renormalisation and clipping (Keras formula).
std::vector<double> cce_rows(const std::vector<double>& y, const std::vector<double>& p,
                             std::size_t classes, bool from_logits) {
  std::vector<double> out;
  for (std::size_t r = 0; r * classes < p.size(); ++r) {
    double s = 0, mx = -1e300;
    for (std::size_t c = 0; c < classes; ++c) {
      s += p[r * classes + c];
      mx = std::max(mx, p[r * classes + c]);
    }
    double lse = 0;
    for (std::size_t c = 0; c < classes; ++c) lse += std::exp(p[r * classes + c] - mx);
    lse = mx + std::log(lse);
    double loss = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      const double lp = from_logits ? p[r * classes + c] - lse
                                    : std::log(clip(p[r * classes + c] / s, kEps, 1 - kEps));
      loss -= y[r * classes + c] * lp;
    }
    out.push_back(loss);
  }
  return out;
}

}  // namespace

TEST_CASE("MeanSquaredError and MeanAbsoluteError match Keras's formulas") {
  const std::vector<double> yt{0, 1, 2, 0, 0, 3}, yp{0.5, 1.5, 1, -1, 0.25, 3};
  Tensor t = f64(yt, {2, 3}), p = f64(yp, {2, 3});
  std::vector<double> mse{(0.25 + 0.25 + 1) / 3, (1 + 0.0625 + 0) / 3};
  std::vector<double> mae{(0.5 + 0.5 + 1) / 3, (1 + 0.25 + 0) / 3};
  check_close(L::mean_squared_error(t, p), mse);
  check_close(L::mean_absolute_error(t, p), mae);
  CHECK(L::MeanSquaredError()(t, p).item() == doctest::Approx(mean(mse)));
  CHECK(L::MeanAbsoluteError()(t, p).item() == doctest::Approx(mean(mae)));
  CHECK(L::MeanSquaredError()(t, p).rank() == 0);

  SUBCASE("float32 inputs compute in float32") {
    Tensor out = L::MeanSquaredError()(f32(yt, {2, 3}), f32(yp, {2, 3}));
    CHECK(out.dtype() == DType::Float32);
    CHECK(out.item() == doctest::Approx(mean(mse)).epsilon(1e-6));
  }
  SUBCASE("a trailing 1 is squeezed or expanded like Keras") {
    Tensor a = f64({1, 2, 3}, {3}), b = f64({1.5, 2, 2}, {3, 1});
    check_close(L::MeanSquaredError({.reduction = L::Reduction::None})(a, b), {0.25, 0, 1});
  }
}

TEST_CASE("every reduction, with and without sample weights") {
  const std::vector<double> yt{0, 1, 2, 0, 0, 3, 1, 1}, yp{0.5, 1.5, 1, -1, 0.25, 3, 0, 2};
  Tensor t = f64(yt, {4, 2}), p = f64(yp, {4, 2});
  std::vector<double> per(4);
  for (int i = 0; i < 4; ++i)
    per[static_cast<std::size_t>(i)] =
        (std::pow(yt[2 * i] - yp[2 * i], 2) + std::pow(yt[2 * i + 1] - yp[2 * i + 1], 2)) / 2;
  const std::vector<double> w{0.5, 2.0, 0.0, 1.0};
  double sum = 0, wsum = 0, sw = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    sum += per[i];
    wsum += per[i] * w[i];
    sw += w[i];
  }
  Tensor weight = f64(w, {4});
  using R = L::Reduction;

  CHECK(L::MeanSquaredError({.reduction = R::SumOverBatchSize})(t, p).item() ==
        doctest::Approx(sum / 4));
  CHECK(L::MeanSquaredError({.reduction = R::Mean})(t, p).item() == doctest::Approx(sum / 4));
  CHECK(L::MeanSquaredError({.reduction = R::Sum})(t, p).item() == doctest::Approx(sum));
  check_close(L::MeanSquaredError({.reduction = R::None})(t, p), per);
  CHECK(L::MeanSquaredError({.reduction = R::MeanWithSampleWeight})(t, p).item() ==
        doctest::Approx(sum / 4));

  CHECK(L::MeanSquaredError()(t, p, weight).item() == doctest::Approx(wsum / 4));
  CHECK(L::MeanSquaredError({.reduction = R::Sum})(t, p, weight).item() == doctest::Approx(wsum));
  CHECK(L::MeanSquaredError({.reduction = R::MeanWithSampleWeight})(t, p, weight).item() ==
        doctest::Approx(wsum / sw));
  std::vector<double> weighted(4);
  for (std::size_t i = 0; i < 4; ++i) weighted[i] = per[i] * w[i];
  check_close(L::MeanSquaredError({.reduction = R::None})(t, p, weight), weighted);

  SUBCASE("(batch, 1) and scalar weights") {
    CHECK(L::MeanSquaredError()(t, p, f64(w, {4, 1})).item() == doctest::Approx(wsum / 4));
    CHECK(L::MeanSquaredError()(t, p, Tensor::scalar(3.0, DType::Float64)).item() ==
          doctest::Approx(3 * sum / 4));
  }
  SUBCASE("all-zero weights with mean_with_sample_weight give 0, not NaN") {
    CHECK(L::MeanSquaredError({.reduction = R::MeanWithSampleWeight})(
              t, p, f64({0, 0, 0, 0}, {4}))
              .item() == 0.0);
  }
  SUBCASE("incompatible weights name both shapes") {
    try {
      (void)L::MeanSquaredError()(t, p, f64({1, 2, 3}, {3}));
      FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("(3,)") != std::string::npos);
      CHECK(msg.find("(4,)") != std::string::npos);
    }
  }
}

TEST_CASE("reduction names round-trip") {
  for (auto r : {L::Reduction::SumOverBatchSize, L::Reduction::Sum, L::Reduction::Mean,
                 L::Reduction::None, L::Reduction::MeanWithSampleWeight})
    CHECK(L::reduction_from_name(L::reduction_name(r)) == r);
  CHECK(L::reduction_name(L::Reduction::SumOverBatchSize) == "sum_over_batch_size");
  CHECK_THROWS_AS(L::reduction_from_name("average"), ValueError);
}

TEST_CASE("BinaryCrossentropy on probabilities, logits, clipping and label smoothing") {
  SUBCASE("Keras docstring example (probabilities)") {
    Tensor t = f64({0, 1, 0, 0}, {2, 2}), p = f64({0.6, 0.4, 0.4, 0.6}, {2, 2});
    std::vector<double> rows{(bce_prob(0, 0.6) + bce_prob(1, 0.4)) / 2,
                             (bce_prob(0, 0.4) + bce_prob(0, 0.6)) / 2};
    check_close(L::binary_crossentropy(t, p), rows);
    CHECK(rows[0] == doctest::Approx(0.916).epsilon(1e-3));
    CHECK(rows[1] == doctest::Approx(0.714).epsilon(1e-3));
  }
  SUBCASE("Keras docstring example (logits)") {
    Tensor t = f64({0, 1, 0, 0}, {2, 2}), p = f64({-18.6, 0.51, 2.94, -12.8}, {2, 2});
    L::BinaryCrossentropy bce({.from_logits = true});
    CHECK(bce(t, p).item() == doctest::Approx(0.8654).epsilon(1e-3));
    CHECK(bce(t, p, f64({0.8, 0.2}, {2})).item() == doctest::Approx(0.243).epsilon(2e-3));
    CHECK(L::BinaryCrossentropy({.from_logits = true, .reduction = L::Reduction::Sum})(t, p)
              .item() == doctest::Approx(1.730).epsilon(1e-3));
    Tensor none = L::BinaryCrossentropy({.from_logits = true, .reduction = L::Reduction::None})(t, p);
    check_close(none, {0.235, 1.496}, 3e-3);
  }
  SUBCASE("logits agree with sigmoid probabilities, including very large logits") {
    const std::vector<double> x{-3, -0.5, 0, 0.7, 2.5, 40}, y{1, 0, 1, 0.3, 1, 0};
    Tensor t = f64(y, {2, 3});
    std::vector<double> expect(2);
    for (std::size_t i = 0; i < 6; ++i) {
      // Stable closed form: max(x, 0) - x y + log(1 + exp(-|x|)).
      expect[i / 3] += (std::max(x[i], 0.0) - x[i] * y[i] + std::log1p(std::exp(-std::abs(x[i])))) / 3;
    }
    check_close(L::binary_crossentropy(t, f64(x, {2, 3}), true), expect);
  }
  SUBCASE("probabilities of exactly 0 and 1 are clipped to [1e-7, 1 - 1e-7]") {
    Tensor t = f64({1, 0, 1, 0}, {4, 1}), p = f64({0, 1, 1, 0}, {4, 1});
    std::vector<double> expect{-std::log(kEps), -std::log(kEps), -std::log(1 - kEps),
                               -std::log(1 - kEps)};
    check_close(L::BinaryCrossentropy({.reduction = L::Reduction::None})(t, p), expect);
    for (double v : values(L::binary_crossentropy(t, p))) CHECK(std::isfinite(v));
  }
  SUBCASE("label smoothing squeezes labels towards 0.5") {
    const double ls = 0.2;
    Tensor t = f64({0, 1, 1, 0}, {2, 2}), p = f64({0.3, 0.8, 0.6, 0.1}, {2, 2});
    auto sm = [&](double y) { return y * (1 - ls) + 0.5 * ls; };
    std::vector<double> rows{(bce_prob(sm(0), 0.3) + bce_prob(sm(1), 0.8)) / 2,
                             (bce_prob(sm(1), 0.6) + bce_prob(sm(0), 0.1)) / 2};
    CHECK(L::BinaryCrossentropy({.label_smoothing = ls})(t, p).item() ==
          doctest::Approx(mean(rows)));
    // Same smoothing with logits.
    std::vector<double> logits{std::log(0.3 / 0.7), std::log(0.8 / 0.2), std::log(0.6 / 0.4),
                               std::log(0.1 / 0.9)};
    CHECK(L::BinaryCrossentropy({.from_logits = true, .label_smoothing = ls})(t, f64(logits, {2, 2}))
              .item() == doctest::Approx(mean(rows)).epsilon(1e-6));
  }
  SUBCASE("integer labels and a (batch,) vs (batch, 1) pair") {
    Tensor t = i32({1, 0, 1}, {3}), p = f64({0.9, 0.2, 0.4}, {3, 1});
    check_close(L::BinaryCrossentropy({.reduction = L::Reduction::None})(t, p),
                {bce_prob(1, 0.9), bce_prob(0, 0.2), bce_prob(1, 0.4)});
  }
}

TEST_CASE("CategoricalCrossentropy: renormalisation, clipping, logits, smoothing") {
  Tensor t = f64({0, 1, 0, 0, 0, 1}, {2, 3}), p = f64({0.05, 0.95, 0, 0.1, 0.8, 0.1}, {2, 3});
  SUBCASE("Keras docstring values") {
    L::CategoricalCrossentropy cce;
    CHECK(cce(t, p).item() == doctest::Approx(1.177).epsilon(1e-3));
    CHECK(cce(t, p, f64({0.3, 0.7}, {2})).item() == doctest::Approx(0.814).epsilon(1e-3));
    CHECK(L::CategoricalCrossentropy({.reduction = L::Reduction::Sum})(t, p).item() ==
          doctest::Approx(2.354).epsilon(1e-3));
    check_close(L::CategoricalCrossentropy({.reduction = L::Reduction::None})(t, p),
                cce_rows({0, 1, 0, 0, 0, 1}, {0.05, 0.95, 0, 0.1, 0.8, 0.1}, 3, false));
  }
  SUBCASE("unnormalised probabilities are renormalised; a zero target probability is clipped") {
    const std::vector<double> y{0, 0, 1, 1, 0, 0}, q{2, 1, 1, 0, 3, 1};
    check_close(L::categorical_crossentropy(f64(y, {2, 3}), f64(q, {2, 3})),
                cce_rows(y, q, 3, false));
    CHECK(values(L::categorical_crossentropy(f64(y, {2, 3}), f64(q, {2, 3})))[1] ==
          doctest::Approx(-std::log(kEps)));
  }
  SUBCASE("from_logits uses log_softmax") {
    const std::vector<double> y{0, 1, 0, 0.2, 0.3, 0.5}, x{1.5, -2, 0.3, 10, 11, -4};
    check_close(L::categorical_crossentropy(f64(y, {2, 3}), f64(x, {2, 3}), true),
                cce_rows(y, x, 3, true));
    CHECK(L::CategoricalCrossentropy({.from_logits = true})(f64(y, {2, 3}), f64(x, {2, 3})).item() ==
          doctest::Approx(mean(cce_rows(y, x, 3, true))));
  }
  SUBCASE("label smoothing uses ls / num_classes") {
    const double ls = 0.1;
    std::vector<double> y{0, 1, 0, 0, 0, 1}, ys;
    for (double v : y) ys.push_back(v * (1 - ls) + ls / 3);
    const std::vector<double> x{1.5, -2, 0.3, 1, 1, -4};
    CHECK(L::CategoricalCrossentropy({.from_logits = true, .label_smoothing = ls})(f64(y, {2, 3}),
                                                                                 f64(x, {2, 3}))
              .item() == doctest::Approx(mean(cce_rows(ys, x, 3, true))));
    const std::vector<double> q{0.2, 0.5, 0.3, 0.6, 0.3, 0.1};
    CHECK(L::CategoricalCrossentropy({.label_smoothing = ls})(f64(y, {2, 3}), f64(q, {2, 3})).item() ==
          doctest::Approx(mean(cce_rows(ys, q, 3, false))));
  }
  SUBCASE("mismatched shapes name both shapes") {
    try {
      (void)L::CategoricalCrossentropy()(f64({0, 1, 0, 1}, {2, 2}), p);
      FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("(2, 2)") != std::string::npos);
      CHECK(msg.find("(2, 3)") != std::string::npos);
    }
  }
}

TEST_CASE("SparseCategoricalCrossentropy: labels, logits, ignore_class") {
  const std::vector<double> q{0.05, 0.95, 0, 0.1, 0.8, 0.1};
  Tensor p = f64(q, {2, 3});
  SUBCASE("Keras docstring values with int32, float, (N,) and (N, 1) labels") {
    for (const Tensor& labels : {i32({1, 2}, {2}), i32({1, 2}, {2, 1}), f64({1, 2}, {2}),
                                 Tensor(f32({1, 2}, {2, 1}))}) {
      L::SparseCategoricalCrossentropy scce;
      CHECK(scce(labels, p).item() == doctest::Approx(1.177).epsilon(1e-3));
      CHECK(scce(labels, p, f64({0.3, 0.7}, {2})).item() == doctest::Approx(0.814).epsilon(1e-3));
      check_close(L::SparseCategoricalCrossentropy({.reduction = L::Reduction::None})(labels, p),
                  cce_rows({0, 1, 0, 0, 0, 1}, q, 3, false));
    }
  }
  SUBCASE("from_logits (the fused op) equals CategoricalCrossentropy on one-hot labels") {
    const std::vector<double> x{1.5, -2, 0.3, 10, 11, -4, 0, 0, 0, -1, 2, 3};
    Tensor logits = f64(x, {4, 3});
    Tensor labels = i32({0, 1, 2, 2}, {4});
    const std::vector<double> onehot{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1};
    check_close(L::sparse_categorical_crossentropy(labels, logits, true), cce_rows(onehot, x, 3, true));
    CHECK(L::SparseCategoricalCrossentropy({.from_logits = true})(labels, logits).item() ==
          doctest::Approx(mean(cce_rows(onehot, x, 3, true))));
    // float32 hot path.
    CHECK(L::SparseCategoricalCrossentropy({.from_logits = true})(labels, f32(x, {4, 3})).item() ==
          doctest::Approx(mean(cce_rows(onehot, x, 3, true))).epsilon(1e-5));
  }
  SUBCASE("rank-3 predictions (sequence outputs)") {
    const std::vector<double> x{1, 2, 3, 0, 0, 1, -1, 2, 0.5, 3, 2, 1};
    Tensor logits = f64(x, {2, 2, 3});
    Tensor labels = i32({2, 0, 1, 0}, {2, 2});
    const std::vector<double> onehot{0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0};
    Tensor out = L::sparse_categorical_crossentropy(labels, logits, true);
    CHECK(out.shape() == Shape{2, 2});
    check_close(out, cce_rows(onehot, x, 3, true));
  }
  SUBCASE("ignore_class zeroes those entries and averages over the rest") {
    const std::vector<double> x{1.5, -2, 0.3, 10, 11, -4, 0, 0, 0, -1, 2, 3};
    Tensor logits = f64(x, {4, 3});
    Tensor labels = i32({0, -1, 2, -1}, {4});
    auto rows = cce_rows({1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, x, 3, true);
    L::SparseCategoricalCrossentropy scce({.from_logits = true, .ignore_class = -1});
    CHECK(scce(labels, logits).item() == doctest::Approx((rows[0] + rows[2]) / 2));
    check_close(L::SparseCategoricalCrossentropy(
                    {.from_logits = true, .ignore_class = -1, .reduction = L::Reduction::None})(
                    labels, logits),
                {rows[0], 0, rows[2], 0});
    CHECK(L::SparseCategoricalCrossentropy(
              {.from_logits = true, .ignore_class = -1, .reduction = L::Reduction::Sum})(labels, logits)
              .item() == doctest::Approx(rows[0] + rows[2]));
    // Weighted: Keras multiplies the weights by the rescaled mask.
    Tensor w = f64({2, 5, 0.5, 7}, {4});
    CHECK(scce(labels, logits, w).item() ==
          doctest::Approx((2 * rows[0] + 0.5 * rows[2]) / 2));
    // Probabilities path: the ignored rows must not produce NaN.
    Tensor probs = ops::softmax(logits);
    CHECK(L::SparseCategoricalCrossentropy({.ignore_class = -1})(labels, probs).item() ==
          doctest::Approx((rows[0] + rows[2]) / 2).epsilon(1e-6));
  }
  SUBCASE("label shape must be y_pred's without the class axis") {
    try {
      (void)L::SparseCategoricalCrossentropy()(i32({1, 2, 0}, {3}), p);
      FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("(3,)") != std::string::npos);
      CHECK(msg.find("(2, 3)") != std::string::npos);
    }
  }
}

TEST_CASE("regression and other losses match Keras's formulas") {
  const std::vector<double> yt{0, 1, 0, 0}, yp{0.6, 0.4, 0.4, 0.6};
  Tensor t = f64(yt, {2, 2}), p = f64(yp, {2, 2});
  SUBCASE("Huber (docstring: 0.155)") {
    CHECK(L::Huber()(t, p).item() == doctest::Approx(0.155).epsilon(1e-3));
    // delta = 0.5: |0.6| > 0.5 goes linear.
    auto h = [](double e, double d) {
      return std::abs(e) <= d ? 0.5 * e * e : d * std::abs(e) - 0.5 * d * d;
    };
    check_close(L::huber(t, p, 0.5), {(h(0.6, 0.5) + h(-0.6, 0.5)) / 2, (h(0.4, 0.5) + h(0.6, 0.5)) / 2});
  }
  SUBCASE("LogCosh (docstring: 0.108)") {
    Tensor a = f64({0, 1, 0, 0}, {2, 2}), b = f64({1, 1, 0, 0}, {2, 2});
    CHECK(L::LogCosh()(a, b).item() == doctest::Approx(0.108).epsilon(2e-3));
    check_close(L::log_cosh(a, b), {std::log(std::cosh(1.0)) / 2, 0});
  }
  SUBCASE("KLDivergence clips both sides to [1e-7, 1]") {
    const std::vector<double> a{0.2, 0.8, 0, 1}, b{0.4, 0.6, 0.5, 0.5};
    auto term = [](double y, double q) {
      y = clip(y, kEps, 1);
      q = clip(q, kEps, 1);
      return y * std::log(y / q);
    };
    check_close(L::kl_divergence(f64(a, {2, 2}), f64(b, {2, 2})),
                {term(0.2, 0.4) + term(0.8, 0.6), term(0, 0.5) + term(1, 0.5)});
  }
  SUBCASE("Poisson, MAPE, MSLE") {
    const std::vector<double> a{1, 3, 0, 2}, b{0.5, 2, 1, 4};
    check_close(L::poisson(f64(a, {2, 2}), f64(b, {2, 2})),
                {(0.5 - std::log(0.5 + kEps) + 2 - 3 * std::log(2 + kEps)) / 2,
                 (1 - 0 + 4 - 2 * std::log(4 + kEps)) / 2});
    check_close(L::mean_absolute_percentage_error(f64(a, {2, 2}), f64(b, {2, 2})),
                {100 * (0.5 / 1 + 1.0 / 3) / 2, 100 * (1 / kEps + 2.0 / 2) / 2});
    auto sl = [](double x, double y) {
      return std::pow(std::log(std::max(y, kEps) + 1) - std::log(std::max(x, kEps) + 1), 2);
    };
    check_close(L::mean_squared_logarithmic_error(f64(a, {2, 2}), f64(b, {2, 2})),
                {(sl(1, 0.5) + sl(3, 2)) / 2, (sl(0, 1) + sl(2, 4)) / 2});
  }
  SUBCASE("hinge losses convert {0, 1} labels to {-1, 1}") {
    const std::vector<double> a{0, 1, 1, 0}, b{0.3, 0.2, -0.5, -2};
    auto hg = [](double y, double x) { return std::max(1 - (2 * y - 1) * x, 0.0); };
    check_close(L::hinge(f64(a, {2, 2}), f64(b, {2, 2})),
                {(hg(0, 0.3) + hg(1, 0.2)) / 2, (hg(1, -0.5) + hg(0, -2)) / 2});
    check_close(L::squared_hinge(f64(a, {2, 2}), f64(b, {2, 2})),
                {(std::pow(hg(0, 0.3), 2) + std::pow(hg(1, 0.2), 2)) / 2,
                 (std::pow(hg(1, -0.5), 2) + std::pow(hg(0, -2), 2)) / 2});
    // {-1, 1} labels are used as they are.
    check_close(L::hinge(f64({-1, 1}, {1, 2}), f64({0.3, 0.2}, {1, 2})), {(1.3 + 0.8) / 2});
    const std::vector<double> oh{0, 1, 0, 1, 0, 0}, s{0.2, 0.5, 0.9, 0.1, 0.4, 0.3};
    check_close(L::categorical_hinge(f64(oh, {2, 3}), f64(s, {2, 3})),
                {std::max(0.9 - 0.5 + 1, 0.0), std::max(0.4 - 0.1 + 1, 0.0)});
  }
  SUBCASE("cosine similarity (docstring: [-0, -1, 1])") {
    Tensor a = f64({0, 1, 1, 1, 1, 1}, {3, 2}), b = f64({1, 0, 1, 1, -1, -1}, {3, 2});
    check_close(L::cosine_similarity(a, b), {0, -1, 1}, 1e-6);
    CHECK(L::CosineSimilarity()(a, b).item() == doctest::Approx(0.0).epsilon(1e-6));
  }
}

TEST_CASE("gradients of every loss w.r.t. y_pred match central differences") {
  using temper::testing::check_gradients;
  using temper::testing::random_tensor;
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  Tensor t_reg = random_tensor({4, 3}, 11, -1, 1);
  Tensor p_reg = random_tensor({4, 3}, 12, -1, 1);
  Tensor w = random_tensor({4}, 13, 0.2, 2.0);
  Tensor t_prob = random_tensor({4, 3}, 14, 0.05, 0.95);
  Tensor p_prob = random_tensor({4, 3}, 15, 0.05, 0.95);
  Tensor onehot = f64({1, 0, 0, 0, 1, 0, 0, 0, 1, 0.2, 0.3, 0.5}, {4, 3});
  Tensor labels = i32({0, 1, 2, 1}, {4});
  Tensor logits = random_tensor({4, 3}, 16, -3, 3);
  Tensor binary = f64({1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0}, {4, 3});
  Tensor positive = random_tensor({4, 3}, 17, 0.1, 3);

  auto with = [&](const L::Loss& loss, Tensor y_true, bool weighted) -> Fn {
    L::LossPtr l = loss.clone();
    return [l, y_true, weighted, w](const std::vector<Tensor>& in) {
      return weighted ? (*l)(y_true, in[0], w) : (*l)(y_true, in[0]);
    };
  };
  SUBCASE("regression") {
    check_gradients(with(L::MeanSquaredError(), t_reg, false), {p_reg});
    check_gradients(with(L::MeanSquaredError({.reduction = L::Reduction::Sum}), t_reg, true), {p_reg});
    check_gradients(with(L::MeanAbsoluteError(), t_reg, true), {p_reg});
    check_gradients(with(L::Huber({.delta = 0.7}), t_reg, true), {p_reg});
    check_gradients(with(L::LogCosh(), t_reg, false), {p_reg});
    check_gradients(with(L::MeanAbsolutePercentageError(), t_reg, false), {p_reg});
    check_gradients(with(L::MeanSquaredLogarithmicError(), positive, false), {p_prob});
    check_gradients(with(L::Poisson(), positive, false), {p_prob});
    check_gradients(with(L::CosineSimilarity(), t_reg, true), {p_reg});
    check_gradients(with(L::MeanSquaredError({.reduction = L::Reduction::None}), t_reg, true), {p_reg});
    check_gradients(with(L::MeanSquaredError({.reduction = L::Reduction::MeanWithSampleWeight}),
                         t_reg, true),
                    {p_reg});
  }
  SUBCASE("hinge family (away from the kinks)") {
    Tensor s = f64({0.3, 0.2, -0.5, -2, 0.4, 0.1, 0.7, -0.2, 0.6, 0.35, 0.45, -0.8}, {4, 3});
    check_gradients(with(L::Hinge(), binary, false), {s});
    check_gradients(with(L::SquaredHinge(), binary, false), {s});
    check_gradients(with(L::CategoricalHinge(), onehot, false), {s});
  }
  SUBCASE("probabilistic") {
    check_gradients(with(L::KLDivergence(), t_prob, true), {p_prob});
    check_gradients(with(L::BinaryCrossentropy(), binary, true), {p_prob});
    check_gradients(with(L::BinaryCrossentropy({.label_smoothing = 0.1}), binary, false), {p_prob});
    check_gradients(with(L::BinaryCrossentropy({.from_logits = true}), t_prob, true), {logits});
    check_gradients(with(L::BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.2}),
                         binary, false),
                    {logits});
    check_gradients(with(L::CategoricalCrossentropy(), onehot, true), {p_prob});
    check_gradients(with(L::CategoricalCrossentropy({.label_smoothing = 0.1}), onehot, false),
                    {p_prob});
    check_gradients(with(L::CategoricalCrossentropy({.from_logits = true}), onehot, true), {logits});
    check_gradients(with(L::SparseCategoricalCrossentropy(), labels, true), {p_prob});
    check_gradients(with(L::SparseCategoricalCrossentropy({.from_logits = true}), labels, true),
                    {logits});
    check_gradients(with(L::SparseCategoricalCrossentropy({.from_logits = true, .ignore_class = 1}),
                         labels, true),
                    {logits});
    check_gradients(with(L::SparseCategoricalCrossentropy({.ignore_class = 2}), labels, false),
                    {p_prob});
  }
  SUBCASE("binary crossentropy from logits at exactly 0") {
    check_gradients(with(L::BinaryCrossentropy({.from_logits = true}), binary, false),
                    {f64({0, 0, 0, 1, -1, 0, 0, 2, 0, 0, 0, -3}, {4, 3})});
  }
}

TEST_CASE("get, resolve and names") {
  CHECK(L::get("mse")->class_name() == "MeanSquaredError");
  CHECK(L::get("mse")->name() == "mean_squared_error");
  CHECK(L::get("MeanAbsoluteError")->class_name() == "MeanAbsoluteError");
  CHECK(L::get("mae")->class_name() == "MeanAbsoluteError");
  CHECK(L::get("mean_squared_error")->class_name() == "MeanSquaredError");
  CHECK(L::get("binary_crossentropy")->class_name() == "BinaryCrossentropy");
  CHECK(L::get("bce")->class_name() == "BinaryCrossentropy");
  CHECK(L::get("categorical_crossentropy")->class_name() == "CategoricalCrossentropy");
  CHECK(L::get("sparse_categorical_crossentropy")->class_name() == "SparseCategoricalCrossentropy");
  CHECK(L::get("kld")->class_name() == "KLDivergence");
  CHECK(L::get("kl_divergence")->class_name() == "KLDivergence");
  CHECK(L::get("huber")->class_name() == "Huber");
  CHECK(L::get("huber")->name() == "huber_loss");
  CHECK(L::get("KLDivergence")->name() == "kl_divergence");

  SUBCASE("unknown names list the known ones and suggest the closest") {
    try {
      (void)L::get("sparse_categorical_crossentropyy");
      FAIL("expected UnknownNameError");
    } catch (const UnknownNameError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("Did you mean 'sparse_categorical_crossentropy'") != std::string::npos);
      CHECK(msg.find("mse") != std::string::npos);
    }
    CHECK_THROWS_AS(L::get("nope"), UnknownNameError);
    CHECK_THROWS_AS(L::get("nope"), ConfigError);
  }
  SUBCASE("crossentropy / ce resolve by shape") {
    CHECK(L::resolve("crossentropy", {-1, 1}, {-1, 1})->class_name() == "BinaryCrossentropy");
    CHECK(L::resolve("ce", {-1}, {-1, 10})->class_name() == "SparseCategoricalCrossentropy");
    CHECK(L::resolve("ce", {-1, 1}, {-1, 10})->class_name() == "SparseCategoricalCrossentropy");
    CHECK(L::resolve("crossentropy", {-1, 10}, {-1, 10})->class_name() == "CategoricalCrossentropy");
    CHECK(L::resolve("crossentropy", {-1, 10}, {-1, 10})->name() == "crossentropy");
    CHECK(L::resolve("mse", {-1, 1}, {-1, 1})->name() == "mse");
    CHECK(L::resolve("MeanSquaredError", {-1, 1}, {-1, 1})->name() == "mean_squared_error");
    CHECK_THROWS_AS(L::resolve("crossentropyy", {-1}, {-1, 3}), UnknownNameError);
  }
  auto n = L::names();
  CHECK(std::find(n.begin(), n.end(), "huber") != n.end());
}

TEST_CASE("every loss's config round-trips") {
  std::vector<L::LossPtr> all{
      std::make_shared<L::MeanSquaredError>(L::MeanSquaredError::Options{.reduction = L::Reduction::Sum}),
      std::make_shared<L::MeanAbsoluteError>(L::MeanAbsoluteError::Options{.name = "my_mae"}),
      std::make_shared<L::MeanAbsolutePercentageError>(),
      std::make_shared<L::MeanSquaredLogarithmicError>(),
      std::make_shared<L::Huber>(L::Huber::Options{.delta = 2.5}),
      std::make_shared<L::LogCosh>(),
      std::make_shared<L::KLDivergence>(L::KLDivergence::Options{.reduction = L::Reduction::None}),
      std::make_shared<L::Poisson>(),
      std::make_shared<L::Hinge>(),
      std::make_shared<L::SquaredHinge>(),
      std::make_shared<L::CategoricalHinge>(),
      std::make_shared<L::CosineSimilarity>(L::CosineSimilarity::Options{.axis = 1}),
      std::make_shared<L::BinaryCrossentropy>(
          L::BinaryCrossentropy::Options{.from_logits = true, .label_smoothing = 0.1}),
      std::make_shared<L::CategoricalCrossentropy>(L::CategoricalCrossentropy::Options{
          .from_logits = true, .label_smoothing = 0.2, .reduction = L::Reduction::MeanWithSampleWeight}),
      std::make_shared<L::SparseCategoricalCrossentropy>(
          L::SparseCategoricalCrossentropy::Options{.from_logits = true, .ignore_class = 255}),
      std::make_shared<L::SparseCategoricalCrossentropy>(),
  };
  for (const auto& loss : all) {
    INFO(loss->class_name());
    Config s = L::serialize(*loss);
    CHECK(s["module"] == "keras.losses");
    CHECK(s["class_name"] == loss->class_name());
    CHECK(s["registered_name"].is_null());
    L::LossPtr back = L::from_config(Config::parse(s.dump()));
    CHECK(back->class_name() == loss->class_name());
    CHECK(back->get_config() == loss->get_config());
    CHECK(back->name() == loss->name());
    CHECK(back->reduction() == loss->reduction());
  }
  SUBCASE("Keras key names and defaults") {
    Config c = L::SparseCategoricalCrossentropy({.from_logits = true}).get_config();
    CHECK(c["name"] == "sparse_categorical_crossentropy");
    CHECK(c["reduction"] == "sum_over_batch_size");
    CHECK(c["from_logits"] == true);
    CHECK(c["ignore_class"].is_null());
    Config b = L::BinaryCrossentropy().get_config();
    CHECK(b["label_smoothing"] == 0.0);
    CHECK(b["axis"] == -1);
  }
  SUBCASE("Keras-written configs load (dtype accepted, reduction null = none)") {
    Config k = Config::parse(R"({"module": "keras.losses", "class_name": "CategoricalCrossentropy",
        "config": {"name": "cce", "reduction": null, "from_logits": false,
                   "label_smoothing": 0.0, "axis": -1, "dtype": "float32"},
        "registered_name": null})");
    auto loss = L::from_config(k);
    CHECK(loss->name() == "cce");
    CHECK(loss->reduction() == L::Reduction::None);
    CHECK(L::from_config(Config("mse"))->class_name() == "MeanSquaredError");
    CHECK(L::from_config(Config::parse(R"({"class_name": "Huber"})"))->name() == "huber_loss");
  }
  SUBCASE("bad configs") {
    CHECK_THROWS_AS(L::from_config(Config::parse(R"({"class_name": "Hubr", "config": {}})")),
                    UnknownNameError);
    CHECK_THROWS_AS(L::from_config(Config::parse(
                        R"({"class_name": "Huber", "config": {"delta": "big"}})")),
                    ConfigError);
    CHECK_THROWS_AS(L::from_config(Config::parse(
                        R"({"class_name": "Huber", "config": {"detla": 2}})")),
                    ConfigError);
    CHECK_THROWS_AS(L::from_config(Config::parse(
                        R"({"class_name": "Huber", "config": {"reduction": "avg"}})")),
                    ConfigError);
    CHECK_THROWS_AS(L::from_config(Config::parse("[1, 2]")), ConfigError);
  }
}

TEST_CASE("losses are copyable values and validate their arguments") {
  L::SparseCategoricalCrossentropy a({.from_logits = true, .name = "xent"});
  L::SparseCategoricalCrossentropy b = a;
  CHECK(b.name() == "xent");
  CHECK(b.from_logits());
  L::LossPtr c = a.clone();
  CHECK(c->name() == "xent");
  CHECK_THROWS_AS(L::Huber({.delta = 0}), ValueError);
  CHECK_THROWS_AS(L::BinaryCrossentropy({.label_smoothing = 1.5}), ValueError);
  CHECK_THROWS_AS(L::MeanSquaredError()(Tensor(), f64({1}, {1})), ValueError);
  CHECK_THROWS_AS(L::MeanSquaredError()(f64({1, 2, 3, 4, 5, 6}, {2, 3}), f64({1, 2, 3, 4}, {2, 2})),
                  ShapeError);
}

TEST_CASE("the training hot path: float32 sparse crossentropy from logits backpropagates") {
  Tensor logits = f32({0.5, -1, 2, 0.1, 0.2, 0.3}, {2, 3});
  logits.set_requires_grad(true);
  Tensor loss = L::SparseCategoricalCrossentropy({.from_logits = true})(i32({2, 0}, {2}), logits);
  loss.backward();
  Tensor g = logits.grad();
  REQUIRE(g.defined());
  // d/dlogits of mean CE = (softmax - onehot) / N.
  auto sm = values(ops::softmax(logits.detach()));
  std::vector<double> expect{sm[0] / 2, sm[1] / 2, (sm[2] - 1) / 2,
                             (sm[3] - 1) / 2, sm[4] / 2, sm[5] / 2};
  check_close(g, expect, 1e-5);
}

TEST_CASE("SparseCategoricalCrossentropy rejects labels outside 0..classes-1 on both paths") {
  // A 7-class softmax output; each bad label sits at index 2 of a batch of 4.
  std::vector<double> probs(4 * 7, 1.0 / 7.0);
  for (bool from_logits : {false, true})
    for (DType pdt : {DType::Float32, DType::Float64})
      for (int bad : {7, -1, 10, 1000000}) {
        CAPTURE(from_logits);
        CAPTURE(bad);
        Tensor p = Tensor::from_vector(probs, {4, 7}).astype(pdt);
        for (const Tensor& labels : {i32({0, 6, bad, 3}, {4}), i32({0, 6, bad, 3}, {4, 1}),
                                     f64({0, 6, static_cast<double>(bad), 3}, {4}),
                                     Tensor(f32({0, 6, static_cast<double>(bad), 3}, {4}))}) {
          const std::string label_dtype = dtype_name(labels.dtype());
          CAPTURE(label_dtype);
          const std::string msg = temper::testing::error_message(
              [&] { (void)L::SparseCategoricalCrossentropy({.from_logits = from_logits})(labels, p); });
          CHECK(msg.find("label " + std::to_string(bad)) != std::string::npos);
          CHECK(msg.find("at index 2") != std::string::npos);
          CHECK(msg.find("7 classes") != std::string::npos);
          CHECK_THROWS_AS(L::sparse_categorical_crossentropy(labels, p, from_logits), ValueError);
        }
      }
  SUBCASE("float labels must be integral; NaN labels are rejected") {
    Tensor p = Tensor::from_vector(probs, {4, 7});
    for (bool from_logits : {false, true}) {
      const std::string frac = temper::testing::error_message(
          [&] { (void)L::sparse_categorical_crossentropy(f64({0, 1, 2.5, 3}, {4}), p, from_logits); });
      CHECK(frac.find("label 2.5 at index 2 is not an integer class id for 7 classes") != std::string::npos);
      const std::string nan = temper::testing::error_message([&] {
        (void)L::sparse_categorical_crossentropy(f64({0, std::nan(""), 2, 3}, {4}), p, from_logits);
      });
      CHECK(nan.find("label nan at index 1") != std::string::npos);
    }
  }
  SUBCASE("ignore_class may lie outside the range; other bad labels are still caught") {
    Tensor p = Tensor::from_vector(probs, {4, 7});
    L::SparseCategoricalCrossentropy scce({.ignore_class = -1});
    CHECK(std::isfinite(scce(i32({0, -1, 6, -1}, {4}), p).item()));
    CHECK_THROWS_AS(scce(i32({0, -1, 7, -1}, {4}), p), ValueError);
  }
}
