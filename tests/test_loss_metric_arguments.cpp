// Loss and metric arguments read through the one registry per family: every name get()
// accepted before, ArgumentError with the class, the argument and a did-you-mean, and what a
// Keras file may hold (ConfigSource::keras_file) versus a config the user wrote.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <temper/arguments.hpp>
#include <temper/error.hpp>
#include <temper/losses.hpp>
#include <temper/metrics.hpp>

using namespace temper;
namespace L = temper::losses;
namespace M = temper::metrics;

namespace {

template <class F> ArgumentError argument_error(F&& f) {
  try {
    f();
  } catch (const ArgumentError& e) {
    return e;
  }
  FAIL("expected ArgumentError");
  return ArgumentError("", "", "");
}

Config cfg(const char* cls, const char* config) {
  return Config{{"class_name", cls}, {"config", Config::parse(config)}};
}

}  // namespace

TEST_CASE("loss and metric registries accept every name get() accepted before") {
  const std::vector<std::pair<std::string, std::string>> losses{
      {"MeanSquaredError", "MeanSquaredError"}, {"mean_squared_error", "MeanSquaredError"},
      {"mse", "MeanSquaredError"}, {"MSE", "MeanSquaredError"}, {"mae", "MeanAbsoluteError"},
      {"MAE", "MeanAbsoluteError"}, {"mean_absolute_error", "MeanAbsoluteError"},
      {"mape", "MeanAbsolutePercentageError"}, {"MAPE", "MeanAbsolutePercentageError"},
      {"mean_absolute_percentage_error", "MeanAbsolutePercentageError"},
      {"msle", "MeanSquaredLogarithmicError"}, {"MSLE", "MeanSquaredLogarithmicError"},
      {"mean_squared_logarithmic_error", "MeanSquaredLogarithmicError"}, {"huber", "Huber"},
      {"huber_loss", "Huber"}, {"log_cosh", "LogCosh"}, {"logcosh", "LogCosh"},
      {"kl_divergence", "KLDivergence"}, {"kld", "KLDivergence"}, {"KLD", "KLDivergence"},
      {"kullback_leibler_divergence", "KLDivergence"}, {"poisson", "Poisson"}, {"hinge", "Hinge"},
      {"squared_hinge", "SquaredHinge"}, {"categorical_hinge", "CategoricalHinge"},
      {"cosine_similarity", "CosineSimilarity"}, {"binary_crossentropy", "BinaryCrossentropy"},
      {"bce", "BinaryCrossentropy"}, {"BCE", "BinaryCrossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}};
  for (const auto& [name, cls] : losses) {
    INFO(name);
    CHECK(L::get(name)->class_name() == cls);
    CHECK(L::registry().contains(name));
  }
  const std::vector<std::pair<std::string, std::string>> metrics{
      {"mean", "Mean"}, {"sum", "Sum"}, {"accuracy", "Accuracy"}, {"acc", "Accuracy"},
      {"binary_accuracy", "BinaryAccuracy"}, {"categorical_accuracy", "CategoricalAccuracy"},
      {"sparse_categorical_accuracy", "SparseCategoricalAccuracy"},
      {"top_k_categorical_accuracy", "TopKCategoricalAccuracy"},
      {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"},
      {"mse", "MeanSquaredError"}, {"MSE", "MeanSquaredError"}, {"mae", "MeanAbsoluteError"},
      {"MAE", "MeanAbsoluteError"}, {"mape", "MeanAbsolutePercentageError"},
      {"MAPE", "MeanAbsolutePercentageError"}, {"msle", "MeanSquaredLogarithmicError"},
      {"MSLE", "MeanSquaredLogarithmicError"}, {"root_mean_squared_error", "RootMeanSquaredError"},
      {"bce", "BinaryCrossentropy"}, {"BCE", "BinaryCrossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}, {"kld", "KLDivergence"},
      {"KLD", "KLDivergence"}, {"kl_divergence", "KLDivergence"}, {"true_positives", "TruePositives"},
      {"false_positives", "FalsePositives"}, {"true_negatives", "TrueNegatives"},
      {"false_negatives", "FalseNegatives"}, {"precision", "Precision"}, {"recall", "Recall"},
      {"auc", "AUC"}, {"AUC", "AUC"}};
  for (const auto& [name, cls] : metrics) {
    INFO(name);
    CHECK(M::get(name)->class_name() == cls);
  }
  CHECK(L::registry().kind() == "loss");
  CHECK(M::registry().kind() == "metric");
}

TEST_CASE("loss config errors name the class and the argument") {
  SUBCASE("a wrong type, as the CLI reports it") {
    auto e = argument_error([] {
      (void)L::from_config(cfg("SparseCategoricalCrossentropy", R"({"from_logits": "yes please"})"),
                           ConfigSource::user);
    });
    CHECK(e.owner() == "SparseCategoricalCrossentropy");
    CHECK(e.path() == "from_logits");
    CHECK(std::string(e.what()) ==
          "SparseCategoricalCrossentropy argument 'from_logits': expected a boolean (true or false), "
          "found a string 'yes please'");
  }
  SUBCASE("an unknown key suggests the closest argument") {
    auto e = argument_error([] { (void)L::from_config(cfg("Huber", R"({"detla": 2})")); });
    CHECK(e.unknown_key());
    CHECK(e.path() == "detla");
    CHECK(std::string(e.what()).find("Did you mean 'delta'") != std::string::npos);
  }
  SUBCASE("a bad reduction and a value outside the argument's range") {
    auto r = argument_error([] { (void)L::from_config(cfg("MeanSquaredError", R"({"reduction": "avg"})")); });
    CHECK(r.path() == "reduction");
    CHECK(r.detail().find("sum_over_batch_size") != std::string::npos);
    auto ls = argument_error([] { (void)L::from_config(cfg("BinaryCrossentropy", R"({"label_smoothing": 1.5})")); });
    CHECK(ls.path() == "label_smoothing");
    auto d = argument_error([] { (void)L::from_config(cfg("Huber", R"({"delta": -1})")); });
    CHECK(d.path() == "delta");
  }
  SUBCASE("ignore_class must be an integer or null") {
    auto e = argument_error([] {
      (void)L::from_config(cfg("SparseCategoricalCrossentropy", R"({"ignore_class": "none"})"));
    });
    CHECK(e.path() == "ignore_class");
  }
}

TEST_CASE("loss configs from Keras files and from users") {
  // tf.keras 2.x writes reduction "auto" (= sum_over_batch_size); Keras 3 may write null (= none).
  CHECK(L::from_config(cfg("MeanSquaredError", R"({"reduction": "auto", "name": "mse"})"))->reduction() ==
        L::Reduction::SumOverBatchSize);
  CHECK(L::from_config(cfg("Huber", R"({"reduction": null, "delta": 2.0})"))->reduction() == L::Reduction::None);
  // A loss dtype (Temper computes in y_pred's dtype) is accepted from a Keras file only.
  CHECK_NOTHROW(L::from_config(cfg("MeanAbsoluteError", R"({"dtype": "float32"})")));
  CHECK_NOTHROW(L::from_config(cfg("MeanAbsoluteError", R"({"dtype": "mixed_float16"})")));
  CHECK_THROWS_AS(L::from_config(cfg("MeanAbsoluteError", R"({"dtype": "float16"})"), ConfigSource::user),
                  ArgumentError);
  // Keras 3's plain-function form.
  CHECK(L::from_config(Config::parse(R"({"class_name": "function", "config": "mean_squared_error"})"))
            ->class_name() == "MeanSquaredError");
  // Class names only in class_name (an alias is a function name, not a class).
  CHECK_THROWS_AS(L::from_config(cfg("mse", "{}")), UnknownNameError);
  // Round trip through the user path too.
  L::CategoricalCrossentropy cce({.from_logits = true, .label_smoothing = 0.1, .axis = 1});
  CHECK(L::from_config(L::serialize(cce), ConfigSource::user)->get_config() == cce.get_config());
}

TEST_CASE("metric configs from Keras files and from users") {
  // dtype: float32 from anyone, any dtype from a Keras file, nothing else from a user.
  CHECK_NOTHROW(M::from_config(cfg("Precision", R"({"dtype": "float32"})"), ConfigSource::user));
  CHECK_NOTHROW(M::from_config(cfg("Precision", R"({"dtype": "float64"})")));
  auto e = argument_error(
      [] { (void)M::from_config(cfg("Precision", R"({"dtype": "float64"})"), ConfigSource::user); });
  CHECK(e.path() == "dtype");
  // Precision thresholds: one number or a list, in [0, 1].
  auto p = M::from_config(cfg("Precision", R"({"thresholds": 0.3})"));
  CHECK(p->get_config()["thresholds"] == 0.3);
  auto bad = argument_error([] { (void)M::from_config(cfg("Recall", R"({"thresholds": [0.2, 1.5]})")); });
  CHECK(bad.path() == "thresholds");
  CHECK(argument_error([] { (void)M::from_config(cfg("Recall", R"({"thresholds": "high"})")); }).path() ==
        "thresholds");
  CHECK(argument_error([] { (void)M::from_config(cfg("Precision", R"({"top_k": 0})")); }).path() == "top_k");
  // AUC: the keys Keras always writes are accepted at their defaults; multi-label AUC is not
  // implemented, so a Keras file with it is refused rather than read wrongly.
  CHECK_NOTHROW(M::from_config(cfg("AUC", R"({"num_thresholds": 50, "curve": "PR", "summation_method": "minoring",
      "multi_label": false, "num_labels": null, "label_weights": null, "from_logits": false, "name": "auc",
      "dtype": "float32"})")));
  auto ml = argument_error([] { (void)M::from_config(cfg("AUC", R"({"multi_label": true})")); });
  CHECK(ml.path() == "multi_label");
  CHECK(argument_error([] { (void)M::from_config(cfg("AUC", R"({"curve": "XY"})")); }).path() == "curve");
  CHECK(argument_error([] { (void)M::from_config(cfg("AUC", R"({"num_thresholds": 1})")); }).path() ==
        "num_thresholds");
  // Keras 3.15 writes ignore_class for the sparse crossentropy metric.
  CHECK_NOTHROW(M::from_config(cfg("SparseCategoricalCrossentropy", R"({"from_logits": true, "ignore_class": null})")));
  CHECK_THROWS_AS(M::from_config(cfg("SparseCategoricalCrossentropy", R"({"ignore_class": 0})")), ArgumentError);
  auto k = argument_error([] { (void)M::from_config(cfg("TopKCategoricalAccuracy", R"({"kk": 3})")); });
  CHECK(k.unknown_key());
  CHECK(std::string(k.what()).find("Did you mean 'k'") != std::string::npos);
  // The tf.keras MeanMetricWrapper form reads the named function's arguments.
  auto w = M::from_config(cfg("MeanMetricWrapper", R"({"name": "acc", "dtype": "float32", "fn": "binary_accuracy",
      "threshold": 0.7})"));
  CHECK(w->get_config()["threshold"] == 0.7);
  CHECK(M::from_config(Config::parse(R"({"class_name": "function", "config": "mae"})"))->class_name() ==
        "MeanAbsoluteError");
}
