// The IoU and hinge metric families (Keras 3: iou_metrics.py, hinge_metrics.py): the Keras
// docstring values, sample weights and state over batches, ignore_class, one-hot inputs,
// class ids out of range, configs and lookup by name.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <temper/error.hpp>
#include <temper/metrics.hpp>

using namespace temper;
namespace M = temper::metrics;

namespace {

Tensor f32(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(std::vector<float>(v.begin(), v.end()), s);
}
Tensor vec(const std::vector<double>& v) { return f32(v, {static_cast<std::int64_t>(v.size())}); }

// Keras's OneHotIoU / OneHotMeanIoU docstring inputs.
const Tensor kOneHotTrue = f32({0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0}, {4, 3});
const Tensor kOneHotPred = f32({0.2, 0.3, 0.5, 0.1, 0.2, 0.7, 0.5, 0.3, 0.1, 0.1, 0.4, 0.5}, {4, 3});
const Tensor kOneHotWeight = vec({0.1, 0.2, 0.3, 0.4});

}  // namespace

TEST_CASE("IoU and MeanIoU (Keras docstring cases)") {
  M::IoU iou({.num_classes = 2, .target_class_ids = {0}});
  CHECK(iou.name() == "io_u");
  iou.update_state(vec({0, 0, 1, 1}), vec({0, 1, 0, 1}));
  CHECK(iou.result() == doctest::Approx(1.0 / 3).epsilon(1e-6));
  iou.reset_state();
  iou.update_state(vec({0, 0, 1, 1}), vec({0, 1, 0, 1}), vec({0.3, 0.3, 0.3, 0.1}));
  CHECK(iou.result() == doctest::Approx(1.0 / 3).epsilon(1e-6));

  M::MeanIoU mean({.num_classes = 2});
  CHECK(mean.name() == "mean_io_u");
  CHECK(mean.higher_is_better());
  mean.update_state(vec({0, 0, 1, 1}), vec({0, 1, 0, 1}));
  CHECK(mean.result() == doctest::Approx(1.0 / 3).epsilon(1e-6));
  mean.reset_state();
  mean.update_state(vec({0, 0, 1, 1}), vec({0, 1, 0, 1}), vec({0.3, 0.3, 0.3, 0.1}));
  CHECK(mean.result() == doctest::Approx(0.23809525).epsilon(1e-6));

  SUBCASE("state adds up over batches, rows are true classes") {
    M::MeanIoU m({.num_classes = 3});
    m.update_state(vec({0, 1}), vec({0, 2}));
    m.update_state(f32({2, 2}, {2, 1}), f32({2, 1}, {2, 1}));  // any shape is flattened
    const std::vector<double> expected{1, 0, 0, 0, 0, 1, 0, 1, 1};
    CHECK(m.total_confusion_matrix() == expected);
    // class 0: 1/1; class 1: 0/(1+1); class 2: 1/(2+2-1)
    CHECK(m.result() == doctest::Approx((1.0 + 0.0 + 1.0 / 3) / 3).epsilon(1e-6));
  }
  SUBCASE("a class absent from labels and predictions does not count") {
    M::MeanIoU m({.num_classes = 3});
    m.update_state(vec({0, 1}), vec({0, 1}));
    CHECK(m.result() == doctest::Approx(1.0).epsilon(1e-6));
  }
  SUBCASE("ignore_class drops those labels") {
    M::MeanIoU m({.num_classes = 2, .ignore_class = -1});
    m.update_state(vec({0, -1, 1, -1}), vec({0, 1, 1, 7}));
    CHECK(m.result() == doctest::Approx(1.0).epsilon(1e-6));
  }
  SUBCASE("class ids outside [0, num_classes) are errors and leave the state alone") {
    M::MeanIoU m({.num_classes = 2});
    m.update_state(vec({0}), vec({0}));
    CHECK_THROWS_WITH_AS(m.update_state(vec({0, 2}), vec({0, 1})),
                         doctest::Contains("label 2.0 is not a class id in [0, 2)"), ValueError);
    CHECK_THROWS_AS(m.update_state(vec({0, 1}), vec({-1, 1})), ValueError);
    CHECK_THROWS_AS(m.update_state(vec({0, 1}), vec({std::nan(""), 1})), ValueError);
    CHECK(m.total_confusion_matrix() == std::vector<double>{1, 0, 0, 0});
    CHECK_THROWS_AS(m.update_state(vec({0, 1, 1}), vec({0, 1})), ShapeError);
  }
  SUBCASE("bad arguments") {
    CHECK_THROWS_WITH_AS(M::IoU({.num_classes = 2, .target_class_ids = {2}}),
                         doctest::Contains("target class id 2 is out of range"), ValueError);
    CHECK_THROWS_AS(M::IoU({.num_classes = 2, .target_class_ids = {}}), ValueError);
    CHECK_THROWS_WITH_AS(M::MeanIoU({.num_classes = 0}), doctest::Contains("num_classes must be an integer in [1, 4096]"),
                         ValueError);
  }
}

TEST_CASE("BinaryIoU thresholds predictions (Keras docstring cases)") {
  M::BinaryIoU m({.target_class_ids = {0, 1}, .threshold = 0.3});
  m.update_state(vec({0, 1, 0, 1}), vec({0.1, 0.2, 0.4, 0.7}));
  CHECK(m.result() == doctest::Approx(1.0 / 3).epsilon(1e-6));
  m.reset_state();
  m.update_state(vec({0, 1, 0, 1}), vec({0.1, 0.2, 0.4, 0.7}), vec({0.2, 0.3, 0.4, 0.1}));
  CHECK(m.result() == doctest::Approx(0.17361112).epsilon(1e-6));
  M::BinaryIoU at({.target_class_ids = {1}, .threshold = 0.5});
  at.update_state(vec({1}), vec({0.5}));  // >= threshold is class 1
  CHECK(at.result() == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("OneHotIoU and OneHotMeanIoU take the argmax (Keras docstring cases)") {
  M::OneHotIoU iou({.num_classes = 3, .target_class_ids = {0, 2}});
  iou.update_state(kOneHotTrue, kOneHotPred, kOneHotWeight);
  CHECK(iou.result() == doctest::Approx((0.0 + 0.1 / 0.7) / 2).epsilon(1e-5));
  M::OneHotMeanIoU mean({.num_classes = 3});
  mean.update_state(kOneHotTrue, kOneHotPred, kOneHotWeight);
  CHECK(mean.result() == doctest::Approx(0.1 / 0.7 / 3).epsilon(1e-5));
}

TEST_CASE("IoU metric configs round-trip and read strictly") {
  std::vector<M::MetricPtr> all{
      std::make_shared<M::IoU>(M::IoU::Options{.num_classes = 4, .target_class_ids = {1, 3}, .ignore_class = 255}),
      std::make_shared<M::MeanIoU>(M::MeanIoU::Options{.num_classes = 3, .sparse_y_pred = false, .axis = 1}),
      std::make_shared<M::BinaryIoU>(M::BinaryIoU::Options{.target_class_ids = {1}, .threshold = 0.2}),
      std::make_shared<M::OneHotIoU>(M::OneHotIoU::Options{.num_classes = 3, .target_class_ids = {0}}),
      std::make_shared<M::OneHotMeanIoU>(M::OneHotMeanIoU::Options{.num_classes = 5, .name = "miou"}),
      std::make_shared<M::Hinge>(),
      std::make_shared<M::SquaredHinge>(),
      std::make_shared<M::CategoricalHinge>(M::CategoricalHinge::Options{.name = "ch"}),
  };
  for (const auto& m : all) {
    INFO(m->class_name());
    const Config s = M::serialize(*m);
    CHECK(s["config"]["dtype"] == "float32");
    M::MetricPtr back = M::from_config(Config::parse(s.dump()));
    CHECK(back->class_name() == m->class_name());
    CHECK(back->name() == m->name());
    CHECK(back->get_config() == m->get_config());
  }
  const Config iou = M::IoU({.num_classes = 4, .target_class_ids = {1}}).get_config();
  CHECK(iou["target_class_ids"] == Config::parse("[1]"));
  CHECK(iou["ignore_class"].is_null());
  CHECK(iou["sparse_y_true"] == true);
  CHECK(iou["axis"] == -1);
  CHECK(M::from_config(Config::parse(R"({"class_name": "MeanIoU", "config": {"num_classes": 3}})"))->name() ==
        "mean_io_u");
  const auto names = M::names();
  CHECK(std::find(names.begin(), names.end(), "mean_io_u") != names.end());
  CHECK_THROWS_AS(M::get("mean_io_u"), ConfigError);  // num_classes is required, as in Keras
  CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "MeanIoU", "config": {}})")), ConfigError);
  CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "MeanIoU", "config": {"num_classes": 1000000000}})")),
                  ConfigError);
  CHECK_THROWS_AS(M::from_config(Config::parse(R"({"class_name": "IoU", "config": {"num_classes": 2, "target_class_ids": [5]}})")),
                  ConfigError);
}

TEST_CASE("Hinge, SquaredHinge and CategoricalHinge metrics (Keras docstring cases)") {
  const Tensor t = f32({0, 1, 0, 0}, {2, 2});
  const Tensor p = f32({0.6, 0.4, 0.4, 0.6}, {2, 2});
  M::Hinge h;
  h.update_state(t, p);
  CHECK(h.name() == "hinge");
  CHECK(h.result() == doctest::Approx(1.3).epsilon(1e-6));
  M::SquaredHinge sh;
  sh.update_state(t, p);
  CHECK(sh.result() == doctest::Approx(1.86).epsilon(1e-6));
  M::CategoricalHinge ch;
  ch.update_state(t, p);
  CHECK(ch.result() == doctest::Approx(1.4).epsilon(1e-6));
  ch.update_state(t, p, f32({1, 0}, {2}));  // weights: only the first sample (1.2) counts again
  CHECK(ch.result() == doctest::Approx((1.2 + 1.6 + 1.2) / 3).epsilon(1e-6));
}
