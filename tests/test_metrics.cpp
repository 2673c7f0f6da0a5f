// Metric tests: values against hand computations (several batches, to exercise state), reset,
// sample weights, "accuracy" resolution, AUC against hand-computed curves, configs and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/losses.hpp>
#include <temper/metrics.hpp>
#include <temper/ops.hpp>

#include "support/helpers.hpp"

using namespace temper;
namespace M = temper::metrics;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }
Tensor f32(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}
Tensor i32(const std::vector<int>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<std::int32_t>(v.begin(), v.end()), s);
}

// Exact ROC AUC of a scored sample (Mann-Whitney, ties count one half).
double exact_roc_auc(const std::vector<double>& score, const std::vector<int>& label,
                     const std::vector<double>& weight) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < score.size(); ++i)
    for (std::size_t j = 0; j < score.size(); ++j) {
      if (label[i] != 1 || label[j] != 0) continue;
      const double w = weight[i] * weight[j];
      den += w;
      num += w * (score[i] > score[j] ? 1.0 : score[i] == score[j] ? 0.5 : 0.0);
    }
  return num / den;
}

struct Counts {
  std::vector<double> tp, fp, tn, fn;
};

// Confusion counts by direct comparison with each threshold (the textbook definition).
Counts direct_counts(const std::vector<double>& score, const std::vector<int>& label,
                     const std::vector<double>& th) {
  Counts c;
  for (double t : th) {
    double tp = 0, fp = 0, tn = 0, fn = 0;
    for (std::size_t i = 0; i < score.size(); ++i) {
      const bool pos = score[i] > t;
      if (label[i]) (pos ? tp : fn) += 1;
      else (pos ? fp : tn) += 1;
    }
    c.tp.push_back(tp);
    c.fp.push_back(fp);
    c.tn.push_back(tn);
    c.fn.push_back(fn);
  }
  return c;
}

double safe_div(double a, double b) { return b == 0 ? 0 : a / b; }

std::vector<double> keras_thresholds(int n) {
  std::vector<double> th{-1e-7};
  for (int i = 0; i < n - 2; ++i) th.push_back((i + 1) * 1.0 / (n - 1));
  th.push_back(1 + 1e-7);
  return th;
}

}  // namespace

TEST_CASE("Mean and Sum accumulate weighted values") {
  M::Mean m;
  CHECK(m.name() == "mean");
  CHECK(m.result() == 0.0);
  m.update_state(2.0);
  m.update_state(4.0, 3.0);
  CHECK(m.result() == doctest::Approx((2 + 12) / 4.0));
  m.reset_state();
  m.update_values(f32({1, 3, 5, 7}, {4}));
  CHECK(m.result() == doctest::Approx(4.0));
  m.reset_state();
  m.update_values(f32({1, 3, 5, 7}, {4}), f32({1, 1, 0, 0}, {4}));
  CHECK(m.result() == doctest::Approx(2.0));
  // Per-sample values of rank 2 are averaged per sample first.
  m.reset_state();
  m.update_values(f64({1, 3, 5, 7}, {2, 2}), f64({1, 3}, {2}));
  CHECK(m.result() == doctest::Approx((2 * 1 + 6 * 3) / 4.0));
  CHECK(m.count() == doctest::Approx(4.0));

  M::Sum s;
  s.update_values(f32({1, 3, 5, 7}, {4}));
  CHECK(s.result() == doctest::Approx(16.0));
  s.update_values(f32({1, 3, 5, 7}, {4}), f32({1, 1, 0, 0}, {4}));
  CHECK(s.result() == doctest::Approx(20.0));
  s.update_state(0.5, 2.0);
  CHECK(s.result() == doctest::Approx(21.0));
  s.reset_state();
  CHECK(s.result() == 0.0);
}

TEST_CASE("Accuracy and BinaryAccuracy (Keras docstring cases)") {
  M::Accuracy acc;
  acc.update_state(f32({1, 2, 3, 4}, {4, 1}), f32({0, 2, 3, 4}, {4, 1}));
  CHECK(acc.result() == doctest::Approx(0.75));
  acc.reset_state();
  acc.update_state(f32({1, 2, 3, 4}, {4, 1}), f32({0, 2, 3, 4}, {4, 1}), f32({1, 1, 0, 0}, {4}));
  CHECK(acc.result() == doctest::Approx(0.5));

  M::BinaryAccuracy b;
  CHECK(b.name() == "binary_accuracy");
  b.update_state(f32({1, 1, 0, 0}, {4, 1}), f32({0.98, 1, 0, 0.6}, {4, 1}));
  CHECK(b.result() == doctest::Approx(0.75));
  b.reset_state();
  b.update_state(f32({1, 1, 0, 0}, {4, 1}), f32({0.98, 1, 0, 0.6}, {4, 1}), f32({1, 0, 0, 1}, {4}));
  CHECK(b.result() == doctest::Approx(0.5));

  SUBCASE("threshold and several batches") {
    M::BinaryAccuracy t({.threshold = 0.7});
    t.update_state(i32({1, 1, 0}, {3, 1}), f32({0.8, 0.65, 0.1}, {3, 1}));  // 2/3
    t.update_state(i32({0, 1}, {2, 1}), f32({0.75, 0.9}, {2, 1}));         // 1/2
    CHECK(t.result() == doctest::Approx(3.0 / 5.0));
    CHECK_THROWS_AS(M::BinaryAccuracy({.threshold = 1.0}), ValueError);
  }
  SUBCASE("multi-label rows average over the last axis") {
    M::BinaryAccuracy m;
    m.update_state(f32({1, 0, 1, 0}, {2, 2}), f32({0.9, 0.8, 0.2, 0.1}, {2, 2}));
    CHECK(m.result() == doctest::Approx(0.5 * (0.5 + 0.5)));
  }
}

TEST_CASE("CategoricalAccuracy and SparseCategoricalAccuracy") {
  M::CategoricalAccuracy c;
  c.update_state(f32({0, 0, 1, 0, 1, 0}, {2, 3}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}));
  CHECK(c.result() == doctest::Approx(0.5));
  c.reset_state();
  c.update_state(f32({0, 0, 1, 0, 1, 0}, {2, 3}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}),
                 f32({0.7, 0.3}, {2}));
  CHECK(c.result() == doctest::Approx(0.3));

  M::SparseCategoricalAccuracy s;
  CHECK(s.name() == "sparse_categorical_accuracy");
  s.update_state(f32({2, 1}, {2, 1}), f32({0.1, 0.6, 0.3, 0.05, 0.95, 0}, {2, 3}));
  CHECK(s.result() == doctest::Approx(0.5));
  s.reset_state();
  s.update_state(f32({2, 1}, {2, 1}), f32({0.1, 0.6, 0.3, 0.05, 0.95, 0}, {2, 3}),
                 f32({0.7, 0.3}, {2}));
  CHECK(s.result() == doctest::Approx(0.3));

  SUBCASE("state over several batches with int32 (N,) labels, then reset") {
    M::SparseCategoricalAccuracy m;
    m.update_state(i32({2, 1}, {2}), f32({0.1, 0.6, 0.3, 0.05, 0.95, 0}, {2, 3}));  // 1/2
    m.update_state(i32({0, 2, 2}, {3}), f32({5, 1, 1, 0, 1, 2, -1, -2, 0}, {3, 3}));  // 3/3
    CHECK(m.result() == doctest::Approx(4.0 / 5.0));
    m.update_state(i32({1}, {1}), f32({1, 0, 0}, {1, 3}), f32({3}, {1}));  // 0 with weight 3
    CHECK(m.result() == doctest::Approx(4.0 / 8.0));
    m.reset_state();
    CHECK(m.result() == 0.0);
    m.update_state(i32({1}, {1}), f32({1, 2, 0}, {1, 3}));
    CHECK(m.result() == 1.0);
  }
  SUBCASE("predictions that require grad are not recorded") {
    Tensor p = f32({0.1, 0.6, 0.3}, {1, 3});
    p.set_requires_grad(true);
    M::SparseCategoricalAccuracy m;
    m.update_state(i32({1}, {1}), ops::multiply(p, 2.0));
    CHECK(m.result() == 1.0);
  }
  SUBCASE("bad shapes name both shapes") {
    try {
      M::SparseCategoricalAccuracy m;
      m.update_state(i32({1, 2, 0}, {3}), f32({0.1, 0.6, 0.3, 0.05, 0.95, 0}, {2, 3}));
      FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("(3,)") != std::string::npos);
      CHECK(msg.find("(2, 3)") != std::string::npos);
    }
    M::CategoricalAccuracy m;
    CHECK_THROWS_AS(m.update_state(f32({1, 0}, {1, 2}), f32({1, 0, 0}, {1, 3})), ShapeError);
  }
}

TEST_CASE("top-k accuracy") {
  M::TopKCategoricalAccuracy t({.k = 1});
  t.update_state(f32({0, 0, 1, 0, 1, 0}, {2, 3}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}));
  CHECK(t.result() == doctest::Approx(0.5));
  t.reset_state();
  t.update_state(f32({0, 0, 1, 0, 1, 0}, {2, 3}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}),
                 f32({0.7, 0.3}, {2}));
  CHECK(t.result() == doctest::Approx(0.3));

  M::SparseTopKCategoricalAccuracy s({.k = 1});
  s.update_state(i32({2, 1}, {2}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}));
  CHECK(s.result() == doctest::Approx(0.5));
  s.reset_state();
  s.update_state(f32({2, 1}, {2, 1}), f32({0.1, 0.9, 0.8, 0.05, 0.95, 0}, {2, 3}),
                 f32({0.7, 0.3}, {2}));
  CHECK(s.result() == doctest::Approx(0.3));

  SUBCASE("k = 2 and ties at the boundary count as hits") {
    M::SparseTopKCategoricalAccuracy k2({.k = 2});
    k2.update_state(i32({0, 3, 2}, {3}),
                    f32({0.1, 0.5, 0.3, 0.1,   // label 0 ranked 3rd-4th: miss
                         0.2, 0.4, 0.1, 0.3,   // label 3 ranked 2nd: hit
                         0.3, 0.3, 0.3, 0.1},  // label 2 tied for first: hit
                        {3, 4}));
    CHECK(k2.result() == doctest::Approx(2.0 / 3.0));
    M::SparseTopKCategoricalAccuracy def;
    CHECK(def.k() == 5);
    CHECK(def.name() == "sparse_top_k_categorical_accuracy");
  }
}

TEST_CASE("regression and probabilistic metrics over several batches") {
  M::MeanSquaredError mse;
  mse.update_state(f32({0, 1, 1, 1}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}));  // per-sample 0.5, 1
  mse.update_state(f32({2, 2}, {1, 2}), f32({0, 2}, {1, 2}));              // 2
  CHECK(mse.result() == doctest::Approx((0.5 + 1 + 2) / 3));
  mse.reset_state();
  mse.update_state(f32({0, 1, 1, 1}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}), f32({1, 0}, {2}));
  CHECK(mse.result() == doctest::Approx(0.5));

  M::MeanAbsoluteError mae;
  mae.update_state(f32({0, 1, 1, 1}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}));
  CHECK(mae.result() == doctest::Approx(0.75));

  M::RootMeanSquaredError rmse;
  rmse.update_state(f32({0, 1, 1, 1}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}));
  rmse.update_state(f32({2, 2}, {1, 2}), f32({0, 2}, {1, 2}));
  CHECK(rmse.result() == doctest::Approx(std::sqrt((0.5 + 1 + 2) / 3)));

  M::BinaryCrossentropy bce;
  Tensor t = f64({0, 1, 0, 0}, {2, 2}), p = f64({0.6, 0.4, 0.4, 0.6}, {2, 2});
  bce.update_state(t, p);
  CHECK(bce.result() ==
        doctest::Approx(losses::BinaryCrossentropy()(t, p).item()).epsilon(1e-6));
  M::SparseCategoricalCrossentropy scce({.from_logits = true});
  Tensor logits = f64({1, 2, 3, 0, 0, 1}, {2, 3});
  scce.update_state(i32({2, 0}, {2}), logits);
  CHECK(scce.result() ==
        doctest::Approx(losses::SparseCategoricalCrossentropy({.from_logits = true})(i32({2, 0}, {2}), logits)
                            .item()));
  M::CategoricalCrossentropy cce;
  cce.update_state(f64({0, 1, 0, 0, 0, 1}, {2, 3}), f64({0.05, 0.95, 0, 0.1, 0.8, 0.1}, {2, 3}));
  CHECK(cce.result() == doctest::Approx(1.177).epsilon(1e-3));
  M::KLDivergence kld;
  kld.update_state(f64({0.2, 0.8}, {1, 2}), f64({0.4, 0.6}, {1, 2}));
  CHECK(kld.result() ==
        doctest::Approx(0.2 * std::log(0.5) + 0.8 * std::log(0.8 / 0.6)));
}

TEST_CASE("MeanMetricWrapper wraps a per-sample function") {
  M::MeanMetricWrapper w(
      [](const Tensor& t, const Tensor& p) { return ops::sum(ops::abs(ops::subtract(t, p)), {-1}); },
      "l1");
  w.update_state(f32({0, 1, 1, 1}, {2, 2}), f32({1, 1, 0, 0}, {2, 2}));
  CHECK(w.result() == doctest::Approx(1.5));
  CHECK(w.name() == "l1");
  CHECK(w.class_name() == "MeanMetricWrapper");
  auto copy = w.clone();
  copy->reset_state();
  CHECK(w.result() == doctest::Approx(1.5));
  CHECK(copy->result() == 0.0);
}

TEST_CASE("Precision and Recall") {
  SUBCASE("Keras docstring cases") {
    M::Precision p;
    CHECK(p.name() == "precision");
    p.update_state(f32({0, 1, 1, 1}, {4}), f32({1, 0, 1, 1}, {4}));
    CHECK(p.result() == doctest::Approx(2.0 / 3.0));
    p.reset_state();
    p.update_state(f32({0, 1, 1, 1}, {4}), f32({1, 0, 1, 1}, {4}), f32({0, 0, 1, 0}, {4}));
    CHECK(p.result() == doctest::Approx(1.0));

    M::Precision top2({.top_k = 2});
    top2.update_state(f32({0, 0, 1, 1}, {4}), f32({1, 1, 1, 1}, {4}));
    CHECK(top2.result() == doctest::Approx(0.0));
    M::Precision top4({.top_k = 4});
    top4.update_state(f32({0, 0, 1, 1}, {4}), f32({1, 1, 1, 1}, {4}));
    CHECK(top4.result() == doctest::Approx(0.5));

    M::Recall r;
    r.update_state(f32({0, 1, 1, 1}, {4}), f32({1, 0, 1, 1}, {4}));
    CHECK(r.result() == doctest::Approx(2.0 / 3.0));
    r.reset_state();
    r.update_state(f32({0, 1, 1, 1}, {4}), f32({1, 0, 1, 1}, {4}), f32({0, 0, 1, 0}, {4}));
    CHECK(r.result() == doctest::Approx(1.0));
  }
  SUBCASE("several batches, thresholds and strict comparison") {
    M::Precision p({.thresholds = std::vector<double>{0.3, 0.5, 0.7}});
    M::Recall r({.thresholds = std::vector<double>{0.3, 0.5, 0.7}});
    const std::vector<double> s1{0.2, 0.5, 0.8, 0.4}, s2{0.9, 0.3, 0.6};
    const std::vector<int> l1{0, 1, 1, 0}, l2{1, 0, 1};
    p.update_state(i32(l1, {4, 1}), f32(s1, {4, 1}));
    p.update_state(i32(l2, {3, 1}), f32(s2, {3, 1}));
    r.update_state(i32(l1, {4, 1}), f32(s1, {4, 1}));
    r.update_state(i32(l2, {3, 1}), f32(s2, {3, 1}));
    std::vector<double> all_s(s1);
    all_s.insert(all_s.end(), s2.begin(), s2.end());
    std::vector<int> all_l(l1);
    all_l.insert(all_l.end(), l2.begin(), l2.end());
    auto c = direct_counts(all_s, all_l, {0.3, 0.5, 0.7});
    auto pr = p.results(), rr = r.results();
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(pr[i] == doctest::Approx(safe_div(c.tp[i], c.tp[i] + c.fp[i])));
      CHECK(rr[i] == doctest::Approx(safe_div(c.tp[i], c.tp[i] + c.fn[i])));
    }
    CHECK(p.result() == pr[0]);
  }
  SUBCASE("class_id on (N, C) predictions") {
    M::Precision p({.class_id = 1});
    M::Recall r({.class_id = 1});
    Tensor t = f32({0, 1, 0, 1, 0, 0, 0, 1, 0}, {3, 3});
    Tensor s = f32({0.1, 0.7, 0.2, 0.2, 0.6, 0.2, 0.6, 0.3, 0.1}, {3, 3});
    p.update_state(t, s);
    r.update_state(t, s);
    // Column 1: labels {1, 0, 1}, scores {0.7, 0.6, 0.3} -> tp 1, fp 1, fn 1.
    CHECK(p.result() == doctest::Approx(0.5));
    CHECK(r.result() == doctest::Approx(0.5));
    CHECK_THROWS_AS(M::Precision({.class_id = 5}).update_state(t, s), ValueError);
  }
  SUBCASE("confusion counts") {
    M::TruePositives tp;
    M::FalsePositives fp;
    M::TrueNegatives tn;
    M::FalseNegatives fn;
    CHECK(tp.name() == "true_positives");
    Tensor t = f32({0, 1, 1, 1, 0}, {5}), s = f32({0.9, 0.2, 0.6, 0.7, 0.1}, {5});
    Tensor w = f32({1, 2, 1, 0.5, 3}, {5});
    for (M::Metric* m : std::vector<M::Metric*>{&tp, &fp, &tn, &fn}) m->update_state(t, s, w);
    CHECK(tp.result() == doctest::Approx(1.5));
    CHECK(fp.result() == doctest::Approx(1.0));
    CHECK(tn.result() == doctest::Approx(3.0));
    CHECK(fn.result() == doctest::Approx(2.0));
  }
  SUBCASE("mismatched shapes") {
    M::Precision p;
    CHECK_THROWS_AS(p.update_state(f32({0, 1, 1}, {3}), f32({1, 0, 1, 1}, {4})), ShapeError);
    CHECK_THROWS_AS(M::Precision({.thresholds = std::vector<double>{1.5}}), ValueError);
  }
}

TEST_CASE("AUC") {
  SUBCASE("Keras docstring case: num_thresholds = 3") {
    M::AUC auc({.num_thresholds = 3});
    auc.update_state(f32({0, 0, 1, 1}, {4}), f32({0, 0.5, 0.3, 0.9}, {4}));
    CHECK(auc.result() == doctest::Approx(0.75));
    auc.reset_state();
    auc.update_state(f32({0, 0, 1, 1}, {4}), f32({0, 0.5, 0.3, 0.9}, {4}), f32({1, 0, 0, 1}, {4}));
    CHECK(auc.result() == doctest::Approx(1.0));
  }
  SUBCASE("ROC AUC equals the exact Mann-Whitney AUC when no bucket mixes samples") {
    const std::vector<double> s{0.05, 0.92, 0.31, 0.48, 0.77, 0.12, 0.66, 0.53, 0.21, 0.88};
    const std::vector<int> l{0, 1, 0, 1, 1, 0, 0, 1, 1, 0};
    const std::vector<double> w{1, 2, 1, 0.5, 1, 3, 1, 1, 2, 1};
    M::AUC auc;
    // Two batches to exercise the state.
    auc.update_state(i32({0, 1, 0, 1, 1}, {5, 1}), f32({0.05, 0.92, 0.31, 0.48, 0.77}, {5, 1}),
                     f32({1, 2, 1, 0.5, 1}, {5}));
    auc.update_state(i32({0, 0, 1, 1, 0}, {5, 1}), f32({0.12, 0.66, 0.53, 0.21, 0.88}, {5, 1}),
                     f32({3, 1, 1, 2, 1}, {5}));
    CHECK(auc.result() == doctest::Approx(exact_roc_auc(s, l, w)).epsilon(1e-6));
  }
  SUBCASE("coarse thresholds: trapezoid over hand-computed counts; PR interpolation") {
    const std::vector<double> s{0.05, 0.92, 0.31, 0.48, 0.77, 0.12, 0.66, 0.53, 0.21, 0.88, 0.5, 0.0};
    const std::vector<int> l{0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0};
    const int n = 5;
    auto c = direct_counts(s, l, keras_thresholds(n));
    double roc = 0, pr_majoring = 0, pr_interp = 0;
    for (int i = 0; i + 1 < n; ++i) {
      auto tpr = [&](int k) { return safe_div(c.tp[k], c.tp[k] + c.fn[k]); };
      auto fpr = [&](int k) { return safe_div(c.fp[k], c.fp[k] + c.tn[k]); };
      auto prec = [&](int k) { return safe_div(c.tp[k], c.tp[k] + c.fp[k]); };
      roc += (fpr(i) - fpr(i + 1)) * (tpr(i) + tpr(i + 1)) / 2;
      pr_majoring += (tpr(i) - tpr(i + 1)) * std::max(prec(i), prec(i + 1));
      // Davis & Goadrich interpolation (Keras interpolate_pr_auc).
      const double dtp = c.tp[i] - c.tp[i + 1];
      const double p0 = c.tp[i] + c.fp[i], p1 = c.tp[i + 1] + c.fp[i + 1];
      const double slope = safe_div(dtp, std::max(p0 - p1, 0.0));
      const double intercept = c.tp[i + 1] - slope * p1;
      const double ratio = (p0 > 0 && p1 > 0) ? p0 / p1 : 1.0;
      pr_interp += safe_div(slope * (dtp + intercept * std::log(ratio)), c.tp[i + 1] + c.fn[i + 1]);
    }
    Tensor t = i32(l, {12}), p = f32(s, {12});
    M::AUC a_roc({.num_thresholds = n});
    a_roc.update_state(t, p);
    CHECK(a_roc.result() == doctest::Approx(roc));
    M::AUC a_maj({.num_thresholds = n, .curve = "PR", .summation_method = "majoring"});
    a_maj.update_state(t, p);
    CHECK(a_maj.result() == doctest::Approx(pr_majoring));
    M::AUC a_pr({.num_thresholds = n, .curve = "PR"});
    a_pr.update_state(t, p);
    CHECK(a_pr.result() == doctest::Approx(pr_interp));
    // The same thresholds given explicitly (evenly spaced) and unevenly spaced ones.
    M::AUC a_exp({.thresholds = std::vector<double>{0.25, 0.5, 0.75}});
    a_exp.update_state(t, p);
    CHECK(a_exp.result() == doctest::Approx(roc));
    const std::vector<double> uneven{0.1, 0.5, 0.6};
    auto cu = direct_counts(s, l, {-1e-7, 0.1, 0.5, 0.6, 1 + 1e-7});
    double roc_u = 0;
    for (int i = 0; i + 1 < 5; ++i) {
      auto tpr = [&](int k) { return safe_div(cu.tp[k], cu.tp[k] + cu.fn[k]); };
      auto fpr = [&](int k) { return safe_div(cu.fp[k], cu.fp[k] + cu.tn[k]); };
      roc_u += (fpr(i) - fpr(i + 1)) * (tpr(i) + tpr(i + 1)) / 2;
    }
    M::AUC a_un({.thresholds = uneven});
    a_un.update_state(t, p);
    CHECK(a_un.result() == doctest::Approx(roc_u));
    CHECK(a_un.thresholds().size() == 5);
  }
  SUBCASE("from_logits applies a sigmoid") {
    M::AUC a({.from_logits = true}), b;
    std::vector<double> logits{-2, 1.5, 0.3, -0.7}, probs;
    for (double x : logits) probs.push_back(1 / (1 + std::exp(-x)));
    a.update_state(f32({0, 1, 1, 0}, {4}), f32(logits, {4}));
    b.update_state(f32({0, 1, 1, 0}, {4}), f32(probs, {4}));
    CHECK(a.result() == doctest::Approx(b.result()));
    CHECK(a.result() == doctest::Approx(1.0));
  }
  SUBCASE("bad arguments") {
    CHECK_THROWS_AS(M::AUC({.num_thresholds = 1}), ValueError);
    CHECK_THROWS_AS(M::AUC({.curve = "XY"}), ValueError);
    CHECK_THROWS_AS(M::AUC({.summation_method = "left"}), ValueError);
  }
}

TEST_CASE("\"accuracy\" and \"crossentropy\" resolve by shape, the name is what was typed") {
  auto bin = M::resolve("accuracy", {-1, 1}, {-1, 1});
  CHECK(bin->class_name() == "BinaryAccuracy");
  CHECK(bin->name() == "accuracy");
  auto sparse = M::resolve("acc", {-1}, {-1, 10});
  CHECK(sparse->class_name() == "SparseCategoricalAccuracy");
  CHECK(sparse->name() == "acc");
  CHECK(M::resolve("accuracy", {-1, 1}, {-1, 10})->class_name() == "SparseCategoricalAccuracy");
  CHECK(M::resolve("accuracy", {-1, 10}, {-1, 10})->class_name() == "CategoricalAccuracy");
  CHECK(M::resolve("crossentropy", {-1, 1}, {-1, 1})->class_name() == "BinaryCrossentropy");
  CHECK(M::resolve("ce", {-1}, {-1, 3})->class_name() == "SparseCategoricalCrossentropy");
  CHECK(M::resolve("ce", {-1, 3}, {-1, 3})->class_name() == "CategoricalCrossentropy");
  auto mse = M::resolve("mse", {-1, 1}, {-1, 1});
  CHECK(mse->class_name() == "MeanSquaredError");
  CHECK(mse->name() == "mse");
  CHECK(M::resolve("auc", {-1, 1}, {-1, 1})->class_name() == "AUC");
  CHECK_THROWS_AS(M::resolve("accurracy", {-1}, {-1, 3}), UnknownNameError);

  // A resolved metric works on real data.
  sparse->update_state(i32({1, 0}, {2}), f32({0, 1, 0, 1, 0, 0, 0, 0, 0, 0,
                                              1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                             {2, 10}));
  CHECK(sparse->result() == 1.0);
}

TEST_CASE("get and unknown names") {
  CHECK(M::get("acc")->class_name() == "Accuracy");
  CHECK(M::get("accuracy")->class_name() == "Accuracy");
  CHECK(M::get("mse")->class_name() == "MeanSquaredError");
  CHECK(M::get("mae")->name() == "mean_absolute_error");
  CHECK(M::get("auc")->class_name() == "AUC");
  CHECK(M::get("AUC")->name() == "auc");
  CHECK(M::get("Precision")->name() == "precision");
  CHECK(M::get("recall")->class_name() == "Recall");
  CHECK(M::get("sparse_categorical_accuracy")->class_name() == "SparseCategoricalAccuracy");
  CHECK(M::get("top_k_categorical_accuracy")->name() == "top_k_categorical_accuracy");
  try {
    (void)M::get("sparse_categorical_acuracy");
    FAIL("expected UnknownNameError");
  } catch (const UnknownNameError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("Did you mean 'sparse_categorical_accuracy'") != std::string::npos);
    CHECK(msg.find("Known metrics") != std::string::npos);
  }
}

TEST_CASE("every metric's config round-trips") {
  std::vector<M::MetricPtr> all{
      std::make_shared<M::Mean>(M::Mean::Options{.name = "loss"}),
      std::make_shared<M::Sum>(),
      std::make_shared<M::Accuracy>(),
      std::make_shared<M::BinaryAccuracy>(M::BinaryAccuracy::Options{.threshold = 0.3}),
      std::make_shared<M::CategoricalAccuracy>(),
      std::make_shared<M::SparseCategoricalAccuracy>(M::SparseCategoricalAccuracy::Options{.name = "acc"}),
      std::make_shared<M::TopKCategoricalAccuracy>(M::TopKCategoricalAccuracy::Options{.k = 3}),
      std::make_shared<M::SparseTopKCategoricalAccuracy>(),
      std::make_shared<M::MeanSquaredError>(),
      std::make_shared<M::MeanAbsoluteError>(),
      std::make_shared<M::MeanAbsolutePercentageError>(),
      std::make_shared<M::MeanSquaredLogarithmicError>(),
      std::make_shared<M::RootMeanSquaredError>(),
      std::make_shared<M::BinaryCrossentropy>(M::BinaryCrossentropy::Options{.from_logits = true, .label_smoothing = 0.1}),
      std::make_shared<M::CategoricalCrossentropy>(M::CategoricalCrossentropy::Options{.axis = 1}),
      std::make_shared<M::SparseCategoricalCrossentropy>(M::SparseCategoricalCrossentropy::Options{.from_logits = true}),
      std::make_shared<M::KLDivergence>(),
      std::make_shared<M::TruePositives>(),
      std::make_shared<M::FalsePositives>(M::ConfusionCountOptions{.thresholds = std::vector<double>{0.2, 0.4}}),
      std::make_shared<M::TrueNegatives>(),
      std::make_shared<M::FalseNegatives>(M::ConfusionCountOptions{.thresholds = std::vector<double>{0.7}}),
      std::make_shared<M::Precision>(),
      std::make_shared<M::Precision>(M::Precision::Options{.thresholds = std::vector<double>{0.2, 0.9}, .class_id = 2}),
      std::make_shared<M::Recall>(M::Recall::Options{.top_k = 3}),
      std::make_shared<M::AUC>(),
      std::make_shared<M::AUC>(M::AUC::Options{.curve = "PR", .summation_method = "minoring", .thresholds = std::vector<double>{0.6, 0.2}, .from_logits = true, .name = "prauc"}),
  };
  for (const auto& m : all) {
    INFO(m->class_name());
    Config s = M::serialize(*m);
    CHECK(s["module"] == "keras.metrics");
    CHECK(s["class_name"] == m->class_name());
    CHECK(s["config"]["dtype"] == "float32");
    M::MetricPtr back = M::from_config(Config::parse(s.dump()));
    CHECK(back->class_name() == m->class_name());
    CHECK(back->name() == m->name());
    CHECK(back->get_config() == m->get_config());
  }
  SUBCASE("Keras key names") {
    Config p = M::Precision().get_config();
    CHECK(p["thresholds"].is_null());
    CHECK(p["top_k"].is_null());
    CHECK(p["class_id"].is_null());
    Config a = M::AUC().get_config();
    CHECK(a["num_thresholds"] == 200);
    CHECK(a["curve"] == "ROC");
    CHECK(a["summation_method"] == "interpolation");
    CHECK(a["multi_label"] == false);
    CHECK(!a.contains("thresholds"));
    CHECK(M::BinaryAccuracy().get_config()["threshold"] == 0.5);
  }
  SUBCASE("the legacy tf.keras MeanMetricWrapper form") {
    auto m = M::from_config(Config::parse(
        R"({"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "dtype": "float32", "fn": "binary_accuracy"}})"));
    CHECK(m->class_name() == "BinaryAccuracy");
    CHECK(m->name() == "accuracy");
    CHECK(M::from_config(Config("acc"))->class_name() == "Accuracy");
  }
  SUBCASE("bad configs") {
    CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "Precison"})")), UnknownNameError);
    CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "AUC", "config": {"curv": "PR"}})")),
                    ConfigError);
    CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "AUC", "config": {"multi_label": true}})")),
                    ConfigError);
    CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "TopKCategoricalAccuracy", "config": {"k": "five"}})")),
                    ConfigError);
  }
}

TEST_CASE("sparse metrics that index by label reject labels outside 0..classes-1") {
  Tensor p = f32({0.1, 0.9, 0.0, 0.8, 0.05, 0.15}, {2, 3});
  for (int bad : {3, -1, 1000000}) {
    CAPTURE(bad);
    M::SparseTopKCategoricalAccuracy topk({.k = 1});
    const std::string msg = temper::testing::error_message([&] { topk.update_state(i32({0, bad}, {2}), p); });
    CHECK(msg.find("SparseTopKCategoricalAccuracy") != std::string::npos);
    CHECK(msg.find("label " + std::to_string(bad) + " at index 1") != std::string::npos);
    CHECK(msg.find("3 classes") != std::string::npos);
    M::SparseCategoricalCrossentropy xent;
    CHECK_THROWS_AS(xent.update_state(i32({0, bad}, {2}), p), ValueError);
  }
  M::SparseTopKCategoricalAccuracy topk({.k = 1});
  CHECK_THROWS_AS(topk.update_state(f32({0, 1.5}, {2}), p), ValueError);
}
