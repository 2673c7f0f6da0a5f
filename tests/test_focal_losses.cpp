// BinaryFocalCrossentropy and CategoricalFocalCrossentropy (Keras 3 semantics): values against
// Keras's formulas and the numbers in Keras's own docstrings, reductions and sample weights,
// float64 gradients, config round trips and lookup by name.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <temper/error.hpp>
#include <temper/losses.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
namespace L = temper::losses;
using temper::testing::values;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s) { return Tensor::from_vector(v, s); }

void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  auto v = values(t);
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
  }
}

}  // namespace

TEST_CASE("BinaryFocalCrossentropy loss matches Keras 3's formula") {
  // Keras: bce = -[y log p + (1-y) log(1-p)] (p clipped), p_t = y p + (1-y)(1-p),
  // focal = (1 - p_t)^gamma * bce [* (y alpha + (1-y)(1-alpha))], mean over the last axis.
  Tensor t = f64({0, 1, 0, 0}, {2, 2}), p = f64({0.6, 0.4, 0.4, 0.6}, {2, 2});
  SUBCASE("probabilities, gamma = 2 (the Keras docstring: [0.330, 0.206])") {
    // (0,0) y=0 p=0.6: bce = -ln 0.4 = 0.916291, p_t = 0.4, 0.6^2 * 0.916291 = 0.329865
    // (0,1) y=1 p=0.4: bce = -ln 0.4,           p_t = 0.4, same             = 0.329865
    // (1,0) y=0 p=0.4: bce = -ln 0.6 = 0.510826, p_t = 0.6, 0.4^2 * 0.510826 = 0.081732
    // (1,1) y=0 p=0.6:                                                         0.329865
    // rows: 0.329865 and (0.081732 + 0.329865) / 2 = 0.205798
    check_close(L::binary_focal_crossentropy(t, p), {0.3298646635, 0.2057983816});
    CHECK(L::BinaryFocalCrossentropy()(t, p).item() == doctest::Approx(0.2678315226).epsilon(1e-9));
  }
  SUBCASE("class balancing weights positives by alpha and negatives by 1 - alpha") {
    // alpha = 0.25: 0.75 * 0.329865, 0.25 * 0.329865, 0.75 * 0.081732, 0.75 * 0.329865
    // = 0.247398, 0.082466, 0.061299, 0.247398 -> rows 0.164932, 0.154349
    check_close(L::binary_focal_crossentropy(t, p, true), {0.1649323317, 0.1543487862});
  }
  SUBCASE("label smoothing, alpha and gamma") {
    // y' = y * 0.8 + 0.1; gamma = 1.5, alpha = 0.4, balanced: per element
    // 0.224361, 0.162468, 0.087046, 0.224361 (the same formula with y' in place of y)
    Tensor v = L::binary_focal_crossentropy(t, p, true, 0.4, 1.5, false, 0.2);
    check_close(v, {(0.2243609468 + 0.1624682718) / 2, (0.0870455839 + 0.2243609468) / 2});
  }
  SUBCASE("from logits: the numbers of Keras's BinaryFocalCrossentropy docstring") {
    // sigmoid first, then as above.
    Tensor y1 = f64({0, 1, 0, 0}, {4}), x1 = f64({-18.6, 0.51, 2.94, -12.8}, {4});
    CHECK(L::BinaryFocalCrossentropy({.gamma = 2, .from_logits = true})(y1, x1).item() ==
          doctest::Approx(0.691212).epsilon(1e-5));  // Keras: 0.691
    CHECK(L::BinaryFocalCrossentropy({.apply_class_balancing = true, .gamma = 2, .from_logits = true})(y1, x1)
              .item() == doctest::Approx(0.510133).epsilon(1e-5));  // Keras: 0.51
    Tensor y2 = f64({0, 1, 0, 0}, {2, 2}), x2 = f64({-18.6, 0.51, 2.94, -12.8}, {2, 2});
    L::BinaryFocalCrossentropy g3({.gamma = 3, .from_logits = true});
    CHECK(g3(y2, x2).item() == doctest::Approx(0.646995).epsilon(1e-5));  // Keras: 0.647
    // Keras: sample_weight=[0.8, 0.2] -> 0.133 = (0.8 * 0.012420 + 0.2 * 1.281570) / 2
    CHECK(g3(y2, x2, f64({0.8, 0.2}, {2})).item() == doctest::Approx(0.133125).epsilon(1e-5));
    // Keras: gamma=5, reduction=None -> [0.0017, 1.1561]
    check_close(L::BinaryFocalCrossentropy({.gamma = 5, .from_logits = true, .reduction = L::Reduction::None})(y2, x2),
                {0.0017483725, 1.1561025134}, 1e-5);
  }
}

TEST_CASE("CategoricalFocalCrossentropy loss matches Keras 3's formula") {
  // Keras: p = y_pred / sum(y_pred) clipped to [1e-7, 1 - 1e-7]; sum_c alpha (1 - p_c)^gamma
  // (-y_c log p_c).
  Tensor t = f64({0, 1, 0, 0, 0, 1}, {2, 3}), p = f64({0.05, 0.95, 0, 0.1, 0.8, 0.1}, {2, 3});
  // row 0: 0.25 * 0.05^2 * -ln 0.95 = 0.25 * 0.0025 * 0.051293 = 3.20583e-5
  // row 1: 0.25 * 0.9^2 * -ln 0.1  = 0.25 * 0.81 * 2.302585   = 0.466273
  check_close(L::categorical_focal_crossentropy(t, p), {3.2058308992e-5, 0.4662734813});
  // The Keras docstring: CategoricalFocalCrossentropy()(y_true, y_pred) = 0.23315276
  CHECK(L::CategoricalFocalCrossentropy()(t, p).item() == doctest::Approx(0.2331527698).epsilon(1e-9));
  SUBCASE("from logits with label smoothing") {
    // softmax first; y' = y * 0.9 + 0.1 / 3; alpha = 0.5, gamma = 1:
    // row [1, 2, 0.5] -> 0.127410, row [0, -1, 3] -> 0.117279 (same formula, computed in double)
    Tensor x = f64({1.0, 2.0, 0.5, 0.0, -1.0, 3.0}, {2, 3});
    Tensor v = L::categorical_focal_crossentropy(t, x, 0.5, 1.0, true, 0.1);
    check_close(v, {0.1274100082, 0.1172793315});
  }
}

TEST_CASE("focal crossentropy loss gradients match central differences in float64") {
  using temper::testing::check_gradients;
  using temper::testing::random_tensor;
  Tensor binary = f64({1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0}, {4, 3});
  Tensor onehot = f64({1, 0, 0, 0, 1, 0, 0, 0, 1, 0.2, 0.3, 0.5}, {4, 3});
  Tensor probs = random_tensor({4, 3}, 21, 0.05, 0.95);
  Tensor logits = random_tensor({4, 3}, 22, -3, 3);
  Tensor w = random_tensor({4}, 23, 0.2, 2.0);
  auto with = [&](const L::Loss& loss, Tensor y_true, bool weighted) {
    L::LossPtr l = loss.clone();
    return [l, y_true, weighted, w](const std::vector<Tensor>& in) {
      return weighted ? (*l)(y_true, in[0], w) : (*l)(y_true, in[0]);
    };
  };
  check_gradients(with(L::BinaryFocalCrossentropy(), binary, false), {probs});
  check_gradients(with(L::BinaryFocalCrossentropy({.apply_class_balancing = true, .alpha = 0.3, .gamma = 1.5,
                                                    .label_smoothing = 0.1}),
                       binary, true),
                  {probs});
  check_gradients(with(L::BinaryFocalCrossentropy({.from_logits = true}), binary, true), {logits});
  check_gradients(with(L::CategoricalFocalCrossentropy(), onehot, false), {probs});
  check_gradients(with(L::CategoricalFocalCrossentropy({.alpha = 0.6, .gamma = 3, .from_logits = true,
                                                         .label_smoothing = 0.2}),
                       onehot, true),
                  {logits});
}

TEST_CASE("focal crossentropy loss configs round-trip and the classes are found by name") {
  L::BinaryFocalCrossentropy b({.apply_class_balancing = true, .alpha = 0.4, .gamma = 3, .from_logits = true,
                                .label_smoothing = 0.1, .axis = 1, .reduction = L::Reduction::Sum, .name = "bfc"});
  Config c = b.get_config();
  // Keras 3 writes exactly these keys (keras_args.md §8).
  for (const char* k : {"name", "reduction", "apply_class_balancing", "alpha", "gamma", "from_logits",
                        "label_smoothing", "axis"})
    CHECK(c.contains(k));
  CHECK(c.size() == 8);
  CHECK(c["alpha"] == 0.4);
  CHECK(c["reduction"] == "sum");
  auto back = L::from_config(L::serialize(b));
  CHECK(back->class_name() == "BinaryFocalCrossentropy");
  CHECK(back->get_config() == c);

  L::CategoricalFocalCrossentropy cf({.alpha = 0.5, .gamma = 1, .label_smoothing = 0.2});
  Config cc = cf.get_config();
  CHECK(cc.size() == 7);  // name, reduction, alpha, gamma, from_logits, label_smoothing, axis
  CHECK(!cc.contains("apply_class_balancing"));
  CHECK(L::from_config(L::serialize(cf))->get_config() == cc);

  CHECK(L::get("binary_focal_crossentropy")->class_name() == "BinaryFocalCrossentropy");
  CHECK(L::get("BinaryFocalCrossentropy")->name() == "binary_focal_crossentropy");
  CHECK(L::get("categorical_focal_crossentropy")->class_name() == "CategoricalFocalCrossentropy");
  CHECK(L::registry().contains("CategoricalFocalCrossentropy"));
  // A Keras 3 file's config (dtype is accepted from a file and ignored).
  auto k = L::from_config(Config::parse(R"({"module": "keras.losses", "class_name": "BinaryFocalCrossentropy",
      "config": {"name": "binary_focal_crossentropy", "reduction": "sum_over_batch_size", "from_logits": false,
                 "label_smoothing": 0.0, "axis": -1, "apply_class_balancing": false, "alpha": 0.25,
                 "gamma": 2.0}, "registered_name": null})"));
  CHECK(k->get_config() == L::BinaryFocalCrossentropy().get_config());

  CHECK_THROWS_AS(L::BinaryFocalCrossentropy({.alpha = 1.5}), ValueError);
  CHECK_THROWS_AS(L::CategoricalFocalCrossentropy({.gamma = -1}), ValueError);
  CHECK_THROWS_AS(L::CategoricalFocalCrossentropy({.label_smoothing = 2}), ValueError);
}
