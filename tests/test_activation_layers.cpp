// test_activation_layers.cpp — the activation layer classes ReLU, LeakyReLU, PReLU, ELU and
// Softmax: Keras semantics against hand-computed values, defaults, weights and shapes, configs
// (round trip, registry by name, tf.keras spellings) and float64 gradient checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <temper/arguments.hpp>
#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/layers.hpp>
#include <temper/ops.hpp>
#include <temper/temper.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::check_gradients;
using temper::testing::contains;
using temper::testing::error_message;
using temper::testing::random_tensor;
using temper::testing::values;
using Inputs = std::vector<Tensor>;

namespace {

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }

std::set<std::string> keys(const Config& c) {
  std::set<std::string> out;
  for (auto& [k, v] : c.items()) out.insert(k);
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double eps = 1e-6) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
  }
}

/// Numerical gradient check of a layer in float64 w.r.t. its input and every weight (the
/// variables' values are swapped for the float64 tensors the checker perturbs, as in
/// test_layers.cpp). Inputs avoid the kinks by their random draw. Returns the weight count.
std::size_t check_layer_gradients(Layer& layer, const Shape& input_shape, std::uint64_t seed = 99) {
  Tensor x = random_tensor(input_shape, seed, -1.5, 1.5);
  if (!layer.built()) (void)layer(x.astype(DType::Float32), false);
  const auto weights = layer.weights();
  Inputs inputs{x};
  std::vector<Tensor> saved;
  for (const auto& w : weights) {
    saved.push_back(w->value);
    inputs.push_back(random_tensor(w->shape(), seed + 1, 0.1, 0.9));
  }
  check_gradients(
      [&](const Inputs& v) {
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = v[i + 1];
        Tensor y = layer(v[0], true);
        CHECK(y.dtype() == DType::Float64);
        return y;
      },
      inputs);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = saved[i];
  return weights.size();
}

/// serialize -> JSON text -> deserialize (by class name) gives the same class and config.
LayerPtr check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  CHECK(ser["class_name"] == layer.class_name());
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
  CHECK(back->name() == layer.name());
  return back;
}

LayerPtr from_keras(const std::string& cls, const std::string& config_json,
                    ConfigSource source = ConfigSource::keras_file) {
  return layers::deserialize({{"class_name", cls}, {"config", Config::parse(config_json)}}, source);
}

const std::vector<float> kX{-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f, 7.0f};

}  // namespace

// ================================================================================================
// ReLU
// ================================================================================================

TEST_CASE("activation layers: ReLU matches Keras for every combination of its arguments") {
  const Tensor x = f32(kX, {1, 7});
  layers::ReLU plain;
  CHECK(plain.class_name() == "ReLU");
  CHECK(plain.options().max_value == std::nullopt);
  CHECK(plain.options().negative_slope == 0.0);
  CHECK(plain.options().threshold == 0.0);
  check_close(values(plain(x)), {0, 0, 0, 0.5, 1, 3, 7});
  // max_value 6 (Keras's relu6 path) and any other cap
  check_close(values(layers::ReLU({.max_value = 6.0})(x)), {0, 0, 0, 0.5, 1, 3, 6});
  check_close(values(layers::ReLU({.max_value = 2.0})(x)), {0, 0, 0, 0.5, 1, 2, 2});
  // negative_slope alone is a leaky ReLU
  check_close(values(layers::ReLU({.negative_slope = 0.2})(x)), {-0.4, -0.1, 0, 0.5, 1, 3, 7});
  // threshold: x where x > threshold, else 0 (x == threshold gives 0)
  check_close(values(layers::ReLU({.threshold = 1.0})(x)), {0, 0, 0, 0, 0, 3, 7});
  // all three: min(x, max) above the threshold, slope * (x - threshold) at or below it
  check_close(values(layers::ReLU({.max_value = 2.5, .negative_slope = 0.1, .threshold = 1.0})(x)),
              {-0.3, -0.15, -0.1, -0.05, 0, 2.5, 2.5});
  // cap and slope without a threshold
  check_close(values(layers::ReLU({.max_value = 2.0, .negative_slope = 0.5})(x)), {-1, -0.25, 0, 0.5, 1, 2, 2});
  // shape and dtype kept, no weights
  CHECK(plain(random_tensor({2, 3, 4}, 1)).shape() == Shape{2, 3, 4});
  CHECK(plain(random_tensor({2, 3}, 1)).dtype() == DType::Float64);
  CHECK(plain.compute_output_shape({-1, 5}) == Shape{-1, 5});
  CHECK(plain.weights().empty());
  // NaN propagates, as through every Temper activation
  CHECK(std::isnan(values(plain(f32({std::nanf("")}, {1, 1})))[0]));
}

TEST_CASE("activation layers: ReLU arguments, config and errors") {
  layers::ReLU r({.max_value = 6.0, .negative_slope = 0.1, .threshold = 0.5, .name = "r6"});
  const Config c = r.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "max_value", "negative_slope", "threshold"});
  CHECK(c["max_value"] == 6.0);
  CHECK(c["negative_slope"] == 0.1);
  CHECK(c["threshold"] == 0.5);
  CHECK(layers::ReLU().get_config()["max_value"].is_null());
  check_round_trip(r);
  check_round_trip(layers::ReLU());
  // a Keras config by class name (Keras writes max_value null when not capped)
  LayerPtr k = from_keras("ReLU", R"({"name": "re_lu", "trainable": true, "dtype": "float32",
                                      "max_value": null, "negative_slope": 0.0, "threshold": 0.0})");
  CHECK(values((*k)(f32({-1, 2}, {1, 2}))) == std::vector<double>{0, 2});
  CHECK(layers::registry().contains("ReLU"));
  // Keras rejects negative arguments
  CHECK_THROWS_AS(layers::ReLU({.max_value = -1.0}), ValueError);
  CHECK_THROWS_AS(layers::ReLU({.negative_slope = -0.1}), ValueError);
  CHECK_THROWS_AS(layers::ReLU({.threshold = -0.5}), ValueError);
  CHECK(contains(error_message([] { layers::ReLU r2({.threshold = -0.5}); }), "threshold"));
  const std::string msg = error_message([] { (void)from_keras("ReLU", R"({"max_value": -2})"); });
  CHECK(contains(msg, "ReLU argument 'max_value'"));
  CHECK(contains(msg, "a number >= 0 or null"));
  CHECK_THROWS_AS((void)from_keras("ReLU", R"({"max_value": "six"})"), ArgumentError);
  CHECK(contains(error_message([] { (void)from_keras("ReLU", R"({"treshold": 1})"); }), "Did you mean 'threshold'"));
}

TEST_CASE("activation layers: ReLU float64 gradients") {
  layers::ReLU plain;
  CHECK(check_layer_gradients(plain, {3, 4}) == 0);
  layers::ReLU capped({.max_value = 1.0});
  CHECK(check_layer_gradients(capped, {3, 4}, 5) == 0);
  layers::ReLU six({.max_value = 6.0, .negative_slope = 0.3});
  CHECK(check_layer_gradients(six, {3, 4}, 6) == 0);
  layers::ReLU all({.max_value = 1.2, .negative_slope = 0.2, .threshold = 0.4});
  CHECK(check_layer_gradients(all, {4, 5}, 7) == 0);
  layers::ReLU leaky({.negative_slope = 0.25});
  CHECK(check_layer_gradients(leaky, {4, 5}, 8) == 0);
}

// ================================================================================================
// LeakyReLU
// ================================================================================================

TEST_CASE("activation layers: LeakyReLU defaults to slope 0.3 and reads tf.keras's alpha") {
  layers::LeakyReLU l;
  CHECK(l.class_name() == "LeakyReLU");
  CHECK(l.options().negative_slope == 0.3);
  check_close(values(l(f32(kX, {1, 7}))), {-0.6, -0.15, 0, 0.5, 1, 3, 7});
  check_close(values(layers::LeakyReLU(0.1)(f32({-3, 4}, {1, 2}))), {-0.3, 4});
  const Config c = l.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "negative_slope"});
  CHECK(c["negative_slope"] == 0.3);
  check_round_trip(layers::LeakyReLU({.negative_slope = 0.05, .name = "lr"}));
  // tf.keras 2 wrote alpha: read as negative_slope, written back under the Keras 3 name
  LayerPtr old = from_keras("LeakyReLU", R"({"name": "leaky_re_lu", "trainable": true, "dtype": "float32", "alpha": 0.1})");
  CHECK(dynamic_cast<layers::LeakyReLU&>(*old).options().negative_slope == 0.1);
  CHECK(old->get_config()["negative_slope"] == 0.1);
  CHECK_FALSE(old->get_config().contains("alpha"));
  check_close(values((*old)(f32({-2}, {1, 1}))), {-0.2});
  // Keras 3 rejects a negative slope
  CHECK_THROWS_AS(layers::LeakyReLU(-0.1), ValueError);
  CHECK_THROWS_AS((void)from_keras("LeakyReLU", R"({"alpha": -1})"), ArgumentError);
  CHECK(check_layer_gradients(l, {3, 4}) == 0);
}

// ================================================================================================
// PReLU
// ================================================================================================

TEST_CASE("activation layers: PReLU weight alpha has Keras's shape and learns a slope") {
  layers::PReLU p;
  CHECK(p.class_name() == "PReLU");
  Tensor x = f32({-1, -2, 4, 2, -3, 0.5}, {2, 3});
  Tensor y0 = p(x);
  // default alpha_initializer "zeros": a plain ReLU until trained
  CHECK(values(y0) == std::vector<double>{0, 0, 4, 2, 0, 0.5});
  REQUIRE(p.weights().size() == 1);
  CHECK(p.weights()[0]->name == "alpha");
  CHECK(p.alpha()->shape() == Shape{3});
  CHECK(p.trainable_weights().size() == 1);
  p.alpha()->value = f32({0.1f, 0.2f, 0.3f}, {3});
  check_close(values(p(x)), {-0.1, -0.4, 4, 2, -0.6, 0.5});
  // shared_axes (1-based sample axes): one slope per channel of (h, w, c) images
  layers::PReLU shared({.shared_axes = std::vector<std::int64_t>{1, 2}});
  (void)shared(Tensor::zeros({2, 4, 5, 3}));
  CHECK(shared.alpha()->shape() == Shape{1, 1, 3});
  CHECK(shared.count_params() == 3);
  layers::PReLU full;
  (void)full(Tensor::zeros({2, 4, 5, 3}));
  CHECK(full.alpha()->shape() == Shape{4, 5, 3});
  // shared axes may change size after build (Keras's input spec), others may not
  CHECK(shared(Tensor::zeros({1, 6, 7, 3})).shape() == Shape{1, 6, 7, 3});
  CHECK_THROWS_AS((void)shared(Tensor::zeros({1, 6, 7, 4})), ShapeError);
  CHECK_THROWS_AS((void)full(Tensor::zeros({1, 4, 6, 3})), ShapeError);
  CHECK(contains(error_message([] {
                   layers::PReLU bad({.shared_axes = std::vector<std::int64_t>{3}});
                   (void)bad(Tensor::zeros({2, 3}));
                 }),
                 "shared axis 3"));
  CHECK_THROWS_AS(layers::PReLU({.shared_axes = std::vector<std::int64_t>{0}}), ValueError);
  // alpha_initializer and alpha_regularizer act as in Keras
  layers::PReLU init({.alpha_initializer = "ones", .alpha_regularizer = regularizers::L2(0.5)});
  check_close(values(init(f32({-2, 3}, {1, 2}))), {-2, 3});
  REQUIRE(init.regularization_losses().size() == 1);
  CHECK(values(init.regularization_losses()[0])[0] == doctest::Approx(0.5 * 2.0));  // 0.5 * (1 + 1)
}

TEST_CASE("activation layers: PReLU config and gradients w.r.t. input and alpha") {
  layers::PReLU p({.shared_axes = std::vector<std::int64_t>{1}, .name = "prelu"});
  const Config c = p.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "alpha_initializer", "alpha_regularizer",
                                         "alpha_constraint", "shared_axes"});
  CHECK(c["shared_axes"] == Config::parse("[1]"));
  CHECK(c["alpha_regularizer"].is_null());
  CHECK(c["alpha_constraint"].is_null());
  CHECK(layers::PReLU().get_config()["shared_axes"].is_null());
  check_round_trip(p);
  // a Keras config with an alpha_constraint, which Temper applies after each update
  const std::string keras = R"({"name": "p_re_lu", "trainable": true, "dtype": "float32",
      "alpha_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
      "alpha_regularizer": null, "alpha_constraint": {"module": "keras.constraints", "class_name": "NonNeg",
      "config": {}, "registered_name": null}, "shared_axes": [1, 2]})";
  LayerPtr k = from_keras("PReLU", keras);
  CHECK(*dynamic_cast<layers::PReLU&>(*k).options().shared_axes == std::vector<std::int64_t>{1, 2});
  CHECK(from_keras("PReLU", keras, ConfigSource::user)->get_config()["alpha_constraint"]["class_name"] == "NonNeg");
  // gradients w.r.t. the input and alpha, with and without shared axes
  layers::PReLU g;
  CHECK(check_layer_gradients(g, {3, 4}) == 1);
  layers::PReLU gs({.shared_axes = std::vector<std::int64_t>{1}});
  CHECK(check_layer_gradients(gs, {2, 3, 4}, 11) == 1);
}

// ================================================================================================
// ELU
// ================================================================================================

TEST_CASE("activation layers: ELU alpha defaults to 1.0 (Keras 3 may not write it)") {
  layers::ELU e;
  CHECK(e.class_name() == "ELU");
  CHECK(e.options().alpha == 1.0);
  const double em1 = std::exp(-1.0) - 1.0, em2 = std::exp(-2.0) - 1.0;
  check_close(values(e(f32({-2, -1, 0, 2}, {1, 4}))), {em2, em1, 0, 2});
  check_close(values(layers::ELU(0.5)(f32({-2, -1, 0, 2}, {1, 4}))), {0.5 * em2, 0.5 * em1, 0, 2});
  CHECK(keys(e.get_config()) == std::set<std::string>{"name", "trainable", "dtype", "alpha"});
  CHECK(e.get_config()["alpha"] == 1.0);
  check_round_trip(layers::ELU({.alpha = 0.7, .name = "elu"}));
  // Keras 3 before 3.12 leaves alpha out unless it was passed
  LayerPtr k = from_keras("ELU", R"({"name": "elu", "trainable": true, "dtype": "float32"})");
  CHECK(dynamic_cast<layers::ELU&>(*k).options().alpha == 1.0);
  CHECK_THROWS_AS((void)from_keras("ELU", R"({"alpha": "1"})"), ArgumentError);
  CHECK(check_layer_gradients(e, {3, 4}) == 0);
  layers::ELU half(0.5);
  CHECK(check_layer_gradients(half, {3, 4}, 3) == 0);
}

// ================================================================================================
// Softmax
// ================================================================================================

TEST_CASE("activation layers: Softmax over one axis or several") {
  layers::Softmax s;
  CHECK(s.class_name() == "Softmax");
  CHECK(s.options().axis == std::vector<int>{-1});
  check_close(values(s(f32({1, 2, 3}, {1, 3}))), {0.09003057317038046, 0.24472847105479764, 0.6652409557748219});
  // axis 1 of (1, 2, 2): columns sum to one
  layers::Softmax s1(1);
  const float l1 = std::log(1.0f), l2 = std::log(2.0f), l3 = std::log(3.0f), l4 = std::log(4.0f);
  check_close(values(s1(f32({l1, l2, l3, l4}, {1, 2, 2}))), {0.25, 1.0 / 3.0, 0.75, 2.0 / 3.0}, 1e-5);
  // axes (1, 2) jointly: exp(x - logsumexp(x, axes))
  layers::Softmax s12({.axis = {1, 2}});
  check_close(values(s12(f32({l1, l2, l3, l4}, {1, 2, 2}))), {0.1, 0.2, 0.3, 0.4}, 1e-5);
  // large inputs stay finite
  check_close(values(s12(f32({1000, 1000, 1000, 1000}, {1, 2, 2}))), {0.25, 0.25, 0.25, 0.25});
  CHECK(s.weights().empty());
  // config: axis as Keras writes it (an int, or a list for several axes)
  CHECK(keys(s.get_config()) == std::set<std::string>{"name", "trainable", "dtype", "axis"});
  CHECK(s.get_config()["axis"] == -1);
  CHECK(s12.get_config()["axis"] == Config::parse("[1, 2]"));
  check_round_trip(s1);
  check_round_trip(s12);
  LayerPtr k = from_keras("Softmax", R"({"name": "softmax", "trainable": true, "dtype": "float32", "axis": [1]})");
  CHECK(dynamic_cast<layers::Softmax&>(*k).options().axis == std::vector<int>{1});
  CHECK_THROWS_AS(layers::Softmax({.axis = {}}), ValueError);
  CHECK_THROWS_AS(layers::Softmax({.axis = {1, 1}}), ValueError);
  CHECK_THROWS_AS((void)from_keras("Softmax", R"({"axis": "last"})"), ArgumentError);
  CHECK(contains(error_message([] { (void)from_keras("Softmax", R"({"axis": [1, "x"]})"); }), "axis[1]"));
  CHECK_THROWS((void)layers::Softmax({.axis = {1, 3}})(Tensor::zeros({1, 2, 2})));
}

TEST_CASE("activation layers: Softmax with an explicit mask, as Keras's mask argument") {
  // Temper layers carry no Keras masks; call_masked applies one given explicitly.
  layers::Softmax s;
  Tensor x = f32({1, 2, 3, 5, 6, 7}, {2, 3});
  Tensor mask = f32({1, 1, 0, 0, 0, 0}, {2, 3});
  // row 0: softmax over the kept entries (1, 2), zero where masked; row 1 fully masked: zeros
  check_close(values(s.call_masked(x, mask)), {0.2689414213699951, 0.7310585786300049, 0, 0, 0, 0});
  // no mask: the plain softmax
  CHECK(values(s.call_masked(x, Tensor())) == values(s(x)));
  // a mask broadcast over the rows
  Tensor row = f32({0, 1, 1}, {1, 3});
  check_close(values(s.call_masked(x, row)), {0, 0.2689414213699951, 0.7310585786300049, 0, 0.2689414213699951,
                                              0.7310585786300049});
}

TEST_CASE("activation layers: Softmax float64 gradients") {
  layers::Softmax last;
  CHECK(check_layer_gradients(last, {3, 4}) == 0);
  layers::Softmax middle(1);
  CHECK(check_layer_gradients(middle, {2, 3, 4}, 4) == 0);
  layers::Softmax joint({.axis = {1, 2}});
  CHECK(check_layer_gradients(joint, {2, 3, 4}, 5) == 0);
  Tensor mask = f32({1, 0, 1, 1}, {1, 4}).astype(DType::Float64);
  check_gradients([&](const Inputs& v) { return last.call_masked(v[0], mask); }, {random_tensor({3, 4}, 6)});
}

// ================================================================================================
// All five in models
// ================================================================================================

TEST_CASE("activation layers: registered by Keras class name and usable in a functional model") {
  for (const char* n : {"ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}) {
    INFO(n);
    CHECK(layers::registry().contains(n));
    LayerPtr l = layers::deserialize({{"class_name", n}, {"config", {{"name", std::string("act_") + n}}}});
    CHECK(l->class_name() == n);
    const std::string msg = error_message([&] {
      (void)layers::deserialize({{"class_name", n}, {"config", {{"not_an_argument", 1}}}});
    });
    CHECK(contains(msg, std::string(n) + " argument 'not_an_argument'"));
  }
  auto in = Input({4}, "x");
  auto h = layers::PReLU({.name = "p"})(layers::ReLU({.max_value = 6.0})(in));
  auto out = layers::Softmax()(layers::ELU()(layers::LeakyReLU()(h)));
  Model model(in, out, ModelOptions{.name = "acts", .seed = 3});
  CHECK(model.count_params() == 4);
  auto copy = model_from_json(model_to_json(model));
  copy->set_weights(model.get_weights());
  Tensor x = random_tensor({2, 4}, 9).astype(DType::Float32);
  CHECK(values(copy->predict(x, {.verbose = 0})) == values(model.predict(x, {.verbose = 0})));
}

TEST_CASE("activations: one registry, aliases, and custom activations found by name") {
  CHECK(activations::Activation("swish").name() == "silu");  // Keras writes the function's name
  CHECK(activations::Activation("None").is_linear());
  CHECK(activations::registry().contains("gelu"));
  const auto names = activations::names();
  CHECK(std::find(names.begin(), names.end(), "swish") != names.end());
  CHECK(contains(error_message([] { activations::Activation("rellu"); }), "Did you mean 'relu'?"));
  CHECK_THROWS_AS(activations::Activation("square_plus_one"), UnknownNameError);

  // A registered function is found wherever a name is: a layer's argument, a model config.
  activations::register_activation("square_plus_one", [](const Tensor& x) { return ops::add(ops::multiply(x, x), 1.0); });
  LayerPtr d = from_keras("Dense", R"({"units": 1, "activation": "square_plus_one", "use_bias": false,
                                      "kernel_initializer": "ones"})");
  d->build({1, 2});
  CHECK(values((*d)(Tensor::from_vector(std::vector<float>{1, 2}, {1, 2}), false)) == std::vector<double>{10.0});
  CHECK(d->get_config()["activation"] == "square_plus_one");
  CHECK_THROWS_AS(activations::register_activation("nothing", {}), ValueError);
}
