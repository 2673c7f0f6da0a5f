// FBetaScore and F1Score (Keras 3 semantics): every `average`, thresholds, sample weights,
// state over several batches, configs and lookup; and unique metric names (precision,
// precision_1).
#include <doctest/doctest.h>

#include <vector>

#include <temper/error.hpp>
#include <temper/metrics.hpp>

using namespace temper;
namespace M = temper::metrics;

namespace {

Tensor f32(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}

void check_all(const std::vector<double>& got, const std::vector<double>& expected, double tol = 1e-6) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

// The example of Keras's F1Score / FBetaScore docstrings.
const std::vector<double> kTrue{1, 1, 1, 1, 0, 0, 1, 1, 0};
const std::vector<double> kPred{0.2, 0.6, 0.7, 0.2, 0.6, 0.6, 0.6, 0.8, 0.0};

}  // namespace

TEST_CASE("F1Score and FBetaScore metrics match Keras 3's formulas") {
  // threshold 0.5 -> predictions [[0,1,1],[0,1,1],[1,1,0]]; per class
  //   class 0: y [1,1,1] p [0,0,1]: tp 1 fp 0 fn 2 -> P 1,   R 1/3
  //   class 1: y [1,0,1] p [1,1,1]: tp 2 fp 1 fn 0 -> P 2/3, R 1
  //   class 2: y [1,0,0] p [1,1,0]: tp 1 fp 1 fn 0 -> P 1/2, R 1
  // F_beta = (1 + b^2) P R / (b^2 P + R) (epsilon 1e-7 in each division, as Keras).
  Tensor t = f32(kTrue, {3, 3}), p = f32(kPred, {3, 3});
  SUBCASE("average=None: one score per class (Keras docstring: [0.5, 0.8, 0.6666667])") {
    M::F1Score f1({.threshold = 0.5});
    f1.update_state(t, p);
    check_all(f1.results(), {0.5, 0.8, 2.0 / 3.0});
    // result() for the logs: the mean of the per-class scores.
    CHECK(f1.result() == doctest::Approx((0.5 + 0.8 + 2.0 / 3.0) / 3).epsilon(1e-6));
  }
  SUBCASE("beta = 2 (Keras docstring: [0.3846154, 0.90909094, 0.8333334])") {
    // class 0: 5 * (1/3) / (4 + 1/3) = 0.384615; class 1: 5 * (2/3) / (8/3 + 1) = 0.909091;
    // class 2: 5 * 0.5 / (2 + 1) = 0.833333
    M::FBetaScore fb({.beta = 2.0, .threshold = 0.5});
    fb.update_state(t, p);
    check_all(fb.results(), {0.3846153846, 0.9090909091, 0.8333333333});
  }
  SUBCASE("micro, macro and weighted") {
    // micro: pooled tp 4, fp 2, fn 2 -> P = R = 2/3 -> F1 = 2/3
    M::F1Score micro({.average = "micro", .threshold = 0.5});
    micro.update_state(t, p);
    CHECK(micro.result() == doctest::Approx(2.0 / 3.0).epsilon(1e-6));
    CHECK(micro.results().size() == 1);
    // macro: mean(0.5, 0.8, 2/3) = 0.655556
    M::F1Score macro({.average = "macro", .threshold = 0.5});
    macro.update_state(t, p);
    CHECK(macro.result() == doctest::Approx(0.6555555556).epsilon(1e-6));
    // weighted by the true counts per class [3, 2, 1]: (0.5*3 + 0.8*2 + 2/3) / 6 = 0.627778
    M::F1Score weighted({.average = "weighted", .threshold = 0.5});
    weighted.update_state(t, p);
    CHECK(weighted.result() == doctest::Approx(0.6277777778).epsilon(1e-6));
  }
  SUBCASE("threshold=None: the largest prediction of each row is positive (ties: all of them)") {
    // predictions [[0,0,1],[0,1,1],[0,1,0]]: class 0: tp 0 -> 0; class 1: tp 1 fp 1 fn 1 ->
    // P = R = 1/2 -> 0.5; class 2: tp 1 fp 1 fn 0 -> P 1/2 R 1 -> 2/3
    M::F1Score f1;
    f1.update_state(t, p);
    check_all(f1.results(), {0.0, 0.5, 2.0 / 3.0});
    // An all-zero row predicts nothing (Keras: abs(y_pred) > 1e-9).
    M::F1Score zero;
    zero.update_state(f32({1, 0}, {1, 2}), f32({0, 0}, {1, 2}));
    check_all(zero.results(), {0.0, 0.0});
  }
  SUBCASE("sample weights and several batches") {
    // weights [1, 0, 2]: class 0: fn 1 (row 0), tp 2 (row 2) -> P 1, R 2/3 -> 0.8
    //   class 1: tp 1 + 2 = 3, the fp of row 1 has weight 0 -> 1; class 2: tp 1 -> 1
    M::F1Score f1({.threshold = 0.5});
    f1.update_state(f32({1, 1, 1, 1, 0, 0}, {2, 3}), f32({0.2, 0.6, 0.7, 0.2, 0.6, 0.6}, {2, 3}),
                    f32({1, 0}, {2}));
    f1.update_state(f32({1, 1, 0}, {1, 3}), f32({0.6, 0.8, 0.0}, {1, 3}), f32({2}, {1}));
    check_all(f1.results(), {0.8, 1.0, 1.0});
    f1.reset_state();
    f1.update_state(t, p);
    check_all(f1.results(), {0.5, 0.8, 2.0 / 3.0});
  }
  SUBCASE("errors") {
    M::F1Score f1;
    CHECK_THROWS_AS(f1.update_state(f32({1, 0, 1}, {3}), f32({1, 0, 1}, {3})), ShapeError);
    f1.update_state(t, p);
    CHECK_THROWS_AS(f1.update_state(f32({1, 0}, {1, 2}), f32({1, 0}, {1, 2})), ShapeError);
    CHECK_THROWS_AS(M::F1Score({.average = "samples"}), ValueError);
    CHECK_THROWS_AS(M::FBetaScore({.beta = 0}), ValueError);
    CHECK_THROWS_AS(M::F1Score({.threshold = 0.0}), ValueError);
    CHECK(M::F1Score().results().empty());
    CHECK(M::F1Score().result() == 0.0);
  }
}

TEST_CASE("F1Score and FBetaScore metric configs round-trip and are found by name") {
  M::FBetaScore fb({.average = "macro", .beta = 0.5, .threshold = 0.3, .name = "fb"});
  Config c = fb.get_config();
  // Keras 3: name, dtype, average, beta, threshold (keras_args.md §9).
  CHECK(c.size() == 5);
  CHECK(c["average"] == "macro");
  CHECK(c["beta"] == 0.5);
  CHECK(c["dtype"] == "float32");
  CHECK(M::from_config(M::serialize(fb))->get_config() == c);
  Config f = M::F1Score().get_config();
  CHECK(f.size() == 4);  // F1Score's config has no beta
  CHECK(!f.contains("beta"));
  CHECK(f["average"].is_null());
  CHECK(f["threshold"].is_null());
  CHECK(f["name"] == "f1_score");
  auto back = M::from_config(M::serialize(M::F1Score({.average = "weighted", .threshold = 0.5})));
  CHECK(back->class_name() == "F1Score");
  CHECK(back->get_config()["average"] == "weighted");
  CHECK(M::get("f1_score")->class_name() == "F1Score");
  CHECK(M::get("FBetaScore")->name() == "fbeta_score");
  CHECK(M::registry().contains("F1Score"));
  // beta is not an argument of F1Score.
  CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "F1Score", "config": {"beta": 2.0}})")),
                  ArgumentError);
}

TEST_CASE("unique metric names: a second Precision logs as precision_1") {
  CHECK(M::unique_names({"precision", "precision", "recall", "precision"}) ==
        std::vector<std::string>{"precision", "precision_1", "recall", "precision_2"});
  // A taken name is skipped.
  CHECK(M::unique_names({"auc", "auc_1", "auc"}) == std::vector<std::string>{"auc", "auc_1", "auc_2"});
  std::vector<M::MetricPtr> ms{std::make_shared<M::Precision>(), std::make_shared<M::Precision>(),
                               std::make_shared<M::Recall>()};
  M::make_names_unique(ms);
  CHECK(ms[0]->name() == "precision");
  CHECK(ms[1]->name() == "precision_1");
  CHECK(ms[2]->name() == "recall");
  CHECK(ms[1]->get_config()["name"] == "precision_1");
}
