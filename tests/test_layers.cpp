// test_layers.cpp — Input, Dense, Activation, Flatten, Reshape and Dropout: output shapes,
// Keras defaults, configs and their round trip through layers::serialize / deserialize, a
// float64 numerical gradient check of every layer w.r.t. its input and weights,
// regularization penalties and the errors users hit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/layers.hpp>
#include <temper/ops.hpp>

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

Tensor f32(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }


std::set<std::string> keys(const Config& c) {
  std::set<std::string> out;
  for (auto& [k, v] : c.items()) out.insert(k);
  return out;
}

/// Numerical gradient check of a layer, in float64, w.r.t. its input and every weight.
///
/// Layers create float32 variables. The layer is built as usual (by a first call), then each
/// variable's `value` is replaced by the float64 tensor the checker perturbs: layers read
/// `variable->value` on every call, so this runs exactly the code path of training, only in
/// double precision. `before_call` runs before every evaluation (e.g. to reset a dropout
/// stream so the function is deterministic). The original float32 values are restored.
/// Returns the number of weights checked.
std::size_t check_layer_gradients(Layer& layer, const Shape& input_shape, bool training = false,
                                  const std::function<void()>& before_call = {},
                                  std::uint64_t seed = 99) {
  Tensor x = random_tensor(input_shape, seed, -1.5, 1.5);
  if (!layer.built()) (void)layer(x.astype(DType::Float32), false);
  const auto weights = layer.weights();
  Inputs inputs{x};
  std::vector<Tensor> saved;
  for (const auto& w : weights) {
    saved.push_back(w->value);
    inputs.push_back(w->value.astype(DType::Float64));
  }
  check_gradients(
      [&](const Inputs& v) {
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = v[i + 1];
        if (before_call) before_call();
        Tensor y = layer(v[0], training);
        CHECK(y.dtype() == DType::Float64);
        return y;
      },
      inputs);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = saved[i];
  return weights.size();
}

/// serialize -> JSON text -> deserialize gives a layer of the same class and config.
void check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  CHECK(ser["class_name"] == layer.class_name());
  CHECK(ser["module"] == "keras.layers");
  CHECK(ser["registered_name"].is_null());
  CHECK(ser["config"] == layer.get_config());
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
  CHECK(back->name() == layer.name());
}

}  // namespace

// ================================================================================================
// InputLayer
// ================================================================================================

TEST_CASE("layers: InputLayer") {
  layers::InputLayer in = layers::Input({28, 28}, "pixels");
  CHECK(in.class_name() == "InputLayer");
  CHECK(in.built());
  CHECK(in.batch_shape() == Shape{-1, 28, 28});
  CHECK(in.compute_output_shape({-1, 28, 28}) == Shape{-1, 28, 28});
  CHECK(in.weights().empty());
  CHECK(in.count_params() == 0);
  Tensor x = random_tensor({3, 28, 28}, 1);
  Tensor y = in(x);
  CHECK(y.buffer() == x.buffer());
  CHECK(y.shape() == x.shape());
  // Keras config: batch_shape with None, dtype, sparse, name
  Config c = in.get_config();
  CHECK(c["batch_shape"] == Config::parse("[null, 28, 28]"));
  CHECK(c["dtype"] == "float32");
  CHECK(c["sparse"] == false);
  CHECK(c["name"] == "pixels");
  check_round_trip(in);
  // a fixed batch size
  layers::InputLayer fixed({.shape = {4}, .batch_size = 8, .dtype = DType::Float32, .name = "f"});
  CHECK(fixed.batch_shape() == Shape{8, 4});
  CHECK(fixed.get_config()["batch_shape"] == Config::parse("[8, 4]"));
  check_round_trip(fixed);
  // Keras 2 spelling batch_input_shape is read too
  LayerPtr legacy = layers::deserialize(Config::parse(
      R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5], "dtype": "float32", "name": "in"}})"));
  CHECK(std::static_pointer_cast<layers::InputLayer>(legacy)->batch_shape() == Shape{-1, 5});
  // a wrong sample shape after build
  const std::string msg = error_message([&] { (void)in(random_tensor({3, 28, 27}, 1)); });
  CHECK(contains(msg, "pixels"));
  CHECK(contains(msg, "(None, 28, 28)"));
  CHECK(contains(msg, "(None, 28, 27)"));
  CHECK_THROWS_AS((void)in(random_tensor({3, 28, 27}, 1)), ShapeError);
  CHECK_THROWS_AS(layers::Input({0, 3}), ShapeError);
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "InputLayer", "config": {}})")), ConfigError);
  // identity: the gradient passes through unchanged
  CHECK(check_layer_gradients(in, {2, 28, 28}) == 0);
}

// ================================================================================================
// Dense
// ================================================================================================

TEST_CASE("layers: Dense Keras defaults, weights and shapes") {
  layers::Dense d(3);
  CHECK(d.class_name() == "Dense");
  CHECK_FALSE(d.built());
  CHECK(d.options().units == 3);
  CHECK(d.options().activation.is_linear());
  CHECK(d.options().use_bias);
  CHECK(d.options().kernel_initializer.class_name() == "GlorotUniform");
  CHECK(d.options().bias_initializer.class_name() == "Zeros");
  CHECK_FALSE(d.options().kernel_regularizer.active());
  CHECK(d.compute_output_shape({-1, 4}) == Shape{-1, 3});
  CHECK(d.compute_output_shape({-1, 5, 4}) == Shape{-1, 5, 3});
  CHECK(d.weights().empty());  // lazily built
  d.set_name("fc");
  Tensor x = random_tensor({2, 4}, 5).astype(DType::Float32);
  Tensor y = d(x);
  CHECK(d.built());
  CHECK(d.build_input_shape() == Shape{-1, 4});
  CHECK(y.shape() == Shape{2, 3});
  CHECK(y.dtype() == DType::Float32);
  // kernel (in, units) glorot_uniform, bias (units,) zeros, in Keras order and paths
  const auto w = d.weights();
  REQUIRE(w.size() == 2);
  CHECK(w[0] == d.kernel());
  CHECK(w[1] == d.bias());
  CHECK(w[0]->name == "kernel");
  CHECK(w[0]->path == "fc/kernel");
  CHECK(w[1]->path == "fc/bias");
  CHECK(d.kernel()->shape() == Shape{4, 3});
  CHECK(d.bias()->shape() == Shape{3});
  CHECK(d.kernel()->value.dtype() == DType::Float32);
  CHECK(d.kernel()->value.requires_grad());
  CHECK(values(d.bias()->value) == std::vector<double>(3, 0.0));
  const double limit = std::sqrt(6.0 / (4 + 3));
  bool nonzero = false;
  for (double k : values(d.kernel()->value)) {
    CHECK(std::abs(k) <= limit);
    nonzero = nonzero || k != 0.0;
  }
  CHECK(nonzero);
  CHECK(d.count_params() == 4 * 3 + 3);
  CHECK(d.trainable_weights().size() == 2);
  CHECK(d.non_trainable_weights().empty());
  // y = x @ W + b
  const auto xv = values(x), kv = values(d.kernel()->value);
  const auto yv = values(y);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += xv[static_cast<std::size_t>(r * 4 + k)] * kv[static_cast<std::size_t>(k * 3 + c)];
      CHECK(yv[static_cast<std::size_t>(r * 3 + c)] == doctest::Approx(s).epsilon(1e-5));
    }
  CHECK(d(Tensor::zeros({0, 4})).shape() == Shape{0, 3});  // an empty batch
  // 3-d input: applied over the last axis
  Tensor y3 = d(random_tensor({2, 5, 4}, 6).astype(DType::Float32));
  CHECK(y3.shape() == Shape{2, 5, 3});
  // use_bias=False has only a kernel; an activation is applied
  layers::Dense nb({.units = 2, .activation = "relu", .use_bias = false});
  Tensor yr = nb(random_tensor({6, 3}, 7).astype(DType::Float32));
  CHECK(nb.weights().size() == 1);
  CHECK_FALSE(nb.bias());
  CHECK(nb.count_params() == 6);
  for (double v : values(yr)) CHECK(v >= 0.0);
  // the same seed gives the same kernel; the layer's generator drives unseeded initializers
  layers::Dense a(4), b(4);
  a.set_generator(Generator(3));
  b.set_generator(Generator(3));
  a.build({-1, 5});
  b.build({-1, 5});
  CHECK(values(a.kernel()->value) == values(b.kernel()->value));
  layers::Dense seeded({.units = 4, .kernel_initializer = initializers::GlorotUniform({.seed = 1})});
  seeded.build({-1, 5});
  CHECK(values(seeded.kernel()->value) != values(a.kernel()->value));
}

TEST_CASE("layers: Dense trainable flag") {
  layers::Dense d(2);
  d.build({-1, 3});
  d.set_trainable(false);
  CHECK(d.trainable_weights().empty());
  CHECK(d.non_trainable_weights().size() == 2);
  CHECK(d.weights().size() == 2);
  CHECK_FALSE(d.kernel()->value.requires_grad());
  CHECK(d.get_config()["trainable"] == false);
  d.set_trainable(true);
  CHECK(d.trainable_weights().size() == 2);
  CHECK(d.kernel()->value.requires_grad());
  // a non-trainable layer's output records no graph
  layers::Dense frozen(2);
  frozen.build({-1, 3});
  frozen.set_trainable(false);
  CHECK_FALSE(frozen(random_tensor({1, 3}, 1).astype(DType::Float32)).requires_grad());
}

TEST_CASE("layers: Dense config matches Keras and round trips") {
  layers::Dense d({.units = 16,
                   .activation = "relu",
                   .use_bias = true,
                   .kernel_initializer = initializers::HeNormal({.seed = 3}),
                   .bias_initializer = initializers::Constant(0.1),
                   .kernel_regularizer = regularizers::L2(0.01),
                   .bias_regularizer = regularizers::L1(0.02),
                   .activity_regularizer = regularizers::L1L2(0.001, 0.002),
                   .name = "hidden"});
  const Config c = d.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "units", "activation", "use_bias",
                                         "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                         "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                         "bias_constraint"});
  CHECK(c["name"] == "hidden");
  CHECK(c["trainable"] == true);
  CHECK(c["dtype"] == "float32");
  CHECK(c["units"] == 16);
  CHECK(c["activation"] == "relu");
  CHECK(c["use_bias"] == true);
  CHECK(c["kernel_initializer"]["class_name"] == "HeNormal");
  CHECK(c["kernel_initializer"]["config"] == Config{{"seed", 3}});
  CHECK(c["bias_initializer"]["class_name"] == "Constant");
  CHECK(c["bias_initializer"]["config"]["value"] == 0.1);
  CHECK(c["kernel_regularizer"]["class_name"] == "L2");
  CHECK(c["kernel_regularizer"]["config"]["l2"] == 0.01);
  CHECK(c["bias_regularizer"]["class_name"] == "L1");
  CHECK(c["activity_regularizer"]["class_name"] == "L1L2");
  CHECK(c["kernel_constraint"].is_null());
  CHECK(c["bias_constraint"].is_null());
  check_round_trip(d);
  // defaults: Keras's exact initializer objects and null regularizers
  const Config dc = layers::Dense(10).get_config();
  CHECK(dc["activation"] == "linear");
  CHECK(dc["kernel_initializer"] == Config::parse(
      R"({"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null})"));
  CHECK(dc["bias_initializer"] == Config::parse(
      R"({"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null})"));
  CHECK(dc["kernel_regularizer"].is_null());
  CHECK(dc["activity_regularizer"].is_null());
  check_round_trip(layers::Dense(10));
  // the deserialized layer behaves the same: same weights give the same output
  LayerPtr back = layers::deserialize(layers::serialize(d));
  auto& bd = static_cast<layers::Dense&>(*back);
  CHECK(bd.options().kernel_regularizer.l2() == doctest::Approx(0.01));
  CHECK(bd.options().bias_regularizer.l1() == doctest::Approx(0.02));
  CHECK(bd.options().activity_regularizer.l1() == doctest::Approx(0.001));
  CHECK(bd.options().activity_regularizer.l2() == doctest::Approx(0.002));
  Tensor x = random_tensor({2, 5}, 8).astype(DType::Float32);
  Tensor y1 = d(x);
  Tensor y2 = bd(x);
  CHECK(values(y1) == values(y2));  // seeded kernel initializer, constant bias
  // a config written by Keras 3 (dtype policy object, build_config) loads
  LayerPtr k = layers::deserialize(Config::parse(R"({
    "module": "keras.layers", "class_name": "Dense",
    "config": {"name": "dense_1", "trainable": true,
               "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
               "units": 10, "activation": "softmax", "use_bias": true,
               "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
               "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
               "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.001}, "registered_name": null},
               "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
    "registered_name": null, "build_config": {"input_shape": [null, 128]}})"));
  auto& kd = static_cast<layers::Dense&>(*k);
  CHECK(kd.name() == "dense_1");
  CHECK(kd.options().units == 10);
  CHECK(kd.options().activation.name() == "softmax");
  CHECK(kd.options().kernel_regularizer.l2() == doctest::Approx(0.001));
}

TEST_CASE("layers: Dense errors") {
  CHECK_THROWS_AS(layers::Dense(0), ValueError);
  CHECK_THROWS_AS(layers::Dense(-3), ValueError);
  CHECK_THROWS_AS(layers::Dense({.units = 0}), ValueError);
  CHECK(contains(error_message([] { layers::Dense(0); }), "units"));
  CHECK_THROWS_AS(layers::Dense(3, "rleu"), UnknownNameError);
  // bad input shape after build names the layer and both shapes
  layers::Dense d({.units = 3, .name = "fc"});
  (void)d(random_tensor({2, 4}, 1).astype(DType::Float32));
  const std::string msg = error_message([&] { (void)d(random_tensor({2, 5}, 1).astype(DType::Float32)); });
  CHECK(contains(msg, "fc"));
  CHECK(contains(msg, "Dense"));
  CHECK(contains(msg, "(None, 4)"));
  CHECK(contains(msg, "(None, 5)"));
  CHECK_THROWS_AS((void)d(random_tensor({2, 5}, 1).astype(DType::Float32)), ShapeError);
  CHECK_NOTHROW((void)d(random_tensor({7, 4}, 1).astype(DType::Float32)));  // any batch size
  // rank-1 input, unknown feature axis, undefined tensor
  layers::Dense e({.units = 3, .name = "e"});
  CHECK_THROWS_AS((void)e(random_tensor({4}, 1).astype(DType::Float32)), ShapeError);
  CHECK_FALSE(e.built());  // nothing was created by the failed call
  CHECK_THROWS_AS((void)e.compute_output_shape({-1, -1}), ShapeError);
  CHECK_THROWS_AS((void)e(Tensor()), ValueError);
  // configs missing required keys
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Dense", "config": {}})")), ConfigError);
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Dense", "config": {"units": "ten"}})")), ConfigError);
}

TEST_CASE("layers: Dense gradients w.r.t. input, kernel and bias") {
  layers::Dense d({.units = 3, .activation = "tanh"});
  CHECK(check_layer_gradients(d, {4, 5}) == 2);
  layers::Dense lin(2);
  CHECK(check_layer_gradients(lin, {3, 4}) == 2);
  layers::Dense three_d({.units = 2, .activation = "sigmoid"});
  CHECK(check_layer_gradients(three_d, {2, 3, 4}) == 2);
  layers::Dense nobias({.units = 3, .activation = "softmax", .use_bias = false});
  CHECK(check_layer_gradients(nobias, {3, 4}) == 1);
  // relu: a fixed seed keeps every pre-activation away from 0
  layers::Dense relu({.units = 4, .activation = "relu", .bias_initializer = initializers::Constant(0.05)});
  CHECK(check_layer_gradients(relu, {3, 3}, false, {}, 7) == 2);
  // the analytic gradient lands in the variables' grad() as training uses it
  layers::Dense t(2);
  Tensor x = random_tensor({3, 4}, 2).astype(DType::Float32);
  ops::sum(t(x)).backward();
  REQUIRE(t.kernel()->value.grad().defined());
  const auto gk = values(t.kernel()->value.grad());
  const auto xv = values(x);
  for (int k = 0; k < 4; ++k)
    for (int c = 0; c < 2; ++c)
      CHECK(gk[static_cast<std::size_t>(k * 2 + c)] == doctest::Approx(xv[static_cast<std::size_t>(k)] + xv[static_cast<std::size_t>(4 + k)] + xv[static_cast<std::size_t>(8 + k)]).epsilon(1e-5));
  CHECK(values(t.bias()->value.grad()) == std::vector<double>{3.0, 3.0});
}

TEST_CASE("layers: Dense regularizers") {
  SUBCASE("kernel_regularizer L2(0.01) = 0.01 * sum(W^2), no 1/2") {
    layers::Dense d({.units = 3, .kernel_regularizer = regularizers::L2(0.01)});
    CHECK(d.regularization_losses().empty());  // no weights yet
    d.build({-1, 4});
    const auto losses = d.regularization_losses();
    REQUIRE(losses.size() == 1);
    double ref = 0;
    for (double k : values(d.kernel()->value)) ref += k * k;
    CHECK(losses[0].item() == doctest::Approx(0.01 * ref).epsilon(1e-5));
    CHECK(losses[0].shape() == Shape{});
    // its gradient: 0.02 W, as float64 central differences and as grad()
    check_gradients([&](const Inputs& v) {
      d.kernel()->value = v[0];
      return d.regularization_losses()[0];
    }, {d.kernel()->value.astype(DType::Float64)});
    layers::Dense e({.units = 2, .kernel_regularizer = "l2"});  // Keras default factor 0.01
    e.build({-1, 3});
    e.regularization_losses()[0].backward();
    const auto kv = values(e.kernel()->value), gv = values(e.kernel()->value.grad());
    for (std::size_t i = 0; i < kv.size(); ++i) CHECK(gv[i] == doctest::Approx(0.02 * kv[i]).epsilon(1e-5));
  }
  SUBCASE("bias_regularizer L1 and L1L2") {
    layers::Dense d({.units = 3,
                     .bias_initializer = initializers::Constant(-0.5),
                     .kernel_regularizer = regularizers::L1L2(0.1, 0.2),
                     .bias_regularizer = regularizers::L1(0.3)});
    d.build({-1, 2});
    const auto losses = d.regularization_losses();
    REQUIRE(losses.size() == 2);
    double l1 = 0, l2 = 0;
    for (double k : values(d.kernel()->value)) {
      l1 += std::abs(k);
      l2 += k * k;
    }
    CHECK(losses[0].item() == doctest::Approx(0.1 * l1 + 0.2 * l2).epsilon(1e-5));
    CHECK(losses[1].item() == doctest::Approx(0.3 * 3 * 0.5).epsilon(1e-6));
    check_gradients([&](const Inputs& v) {
      d.bias()->value = v[0];
      return d.regularization_losses()[1];
    }, {d.bias()->value.astype(DType::Float64)});
  }
  SUBCASE("activity_regularizer penalises the output of each call") {
    layers::Dense d({.units = 2, .activity_regularizer = regularizers::L2(0.1)});
    Tensor x = random_tensor({3, 4}, 4).astype(DType::Float32);
    Tensor y = d(x);
    auto losses = d.regularization_losses();
    REQUIRE(losses.size() == 1);
    double ref = 0;
    for (double v : values(y)) ref += v * v;
    CHECK(losses[0].item() == doctest::Approx(0.1 * ref).epsilon(1e-5));  // Keras 3: not / batch
    // a new call replaces the previous call's penalty
    (void)d(x);
    CHECK(d.regularization_losses().size() == 1);
    // its gradient w.r.t. input and weights
    const auto weights = d.weights();
    check_gradients([&](const Inputs& v) {
      weights[0]->value = v[1];
      weights[1]->value = v[2];
      (void)d(v[0]);
      return d.regularization_losses().back();
    }, {random_tensor({3, 4}, 5), weights[0]->value.astype(DType::Float64),
        weights[1]->value.astype(DType::Float64)});
  }
  SUBCASE("string regularizers and unknown names") {
    CHECK(regularizers::Regularizer("l1").l1() == doctest::Approx(0.01));
    CHECK(regularizers::Regularizer("l1_l2").l2() == doctest::Approx(0.01));
    CHECK_FALSE(regularizers::Regularizer().active());
    CHECK(regularizers::L2().get_config() == Config::parse(R"({"class_name": "L2", "config": {"l2": 0.01}})"));
    CHECK(regularizers::Regularizer().get_config().is_null());
    CHECK_THROWS_AS(regularizers::Regularizer("l3"), UnknownNameError);
    CHECK(contains(error_message([] { regularizers::Regularizer("l22"); }), "Did you mean"));
  }
}

// ================================================================================================
// Activation, Flatten, Reshape
// ================================================================================================

TEST_CASE("layers: Activation") {
  layers::Activation a("relu");
  CHECK(a.class_name() == "Activation");
  Tensor x = f32({-1, 2, -3, 4}, {2, 2});
  CHECK(values(a(x)) == std::vector<double>{0, 2, 0, 4});
  CHECK(a.compute_output_shape({-1, 7, 3}) == Shape{-1, 7, 3});
  CHECK(a.weights().empty());
  const Config c = a.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "activation"});
  CHECK(c["activation"] == "relu");
  check_round_trip(a);
  layers::Activation sm({.activation = "softmax", .name = "probs"});
  check_round_trip(sm);
  Tensor p = sm(f32({1, 1, 1, 1}, {1, 4}));
  for (double v : values(p)) CHECK(v == doctest::Approx(0.25));
  layers::Activation t("tanh");
  CHECK(check_layer_gradients(t, {3, 4}) == 0);
  CHECK(check_layer_gradients(sm, {3, 4}) == 0);
  CHECK_THROWS_AS(layers::Activation("rleu"), UnknownNameError);
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Activation", "config": {}})")), ConfigError);
  // a layer without weights has no input spec in Keras: after build it still takes any shape
  layers::Activation built({.activation = "relu", .name = "act"});
  (void)built(f32({1, 2, 3}, {1, 3}));
  CHECK(built(f32({1, 2}, {1, 2})).shape() == Shape{1, 2});
  // ...while a layer with weights names itself and both shapes when the input changes
  layers::Dense dense({.units = 2, .name = "dn"});
  (void)dense(f32({1, 2, 3}, {1, 3}));
  const std::string msg = error_message([&] { (void)dense(f32({1, 2}, {1, 2})); });
  CHECK(contains(msg, "dn"));
  CHECK(contains(msg, "(None, 3)"));
  CHECK(contains(msg, "(None, 2)"));
  // an unnamed layer is described by the name Keras would give it
  layers::Dense unnamed(4);
  (void)unnamed(f32({1, 2, 3}, {1, 3}));
  CHECK(contains(error_message([&] { (void)unnamed(f32({1, 2}, {1, 2})); }), "layer 'dense' (Dense)"));
}

TEST_CASE("layers: Flatten") {
  layers::Flatten f;
  CHECK(f.class_name() == "Flatten");
  CHECK(f.compute_output_shape({-1, 3, 4}) == Shape{-1, 12});
  CHECK(f.compute_output_shape({-1, 28, 28, 1}) == Shape{-1, 784});
  CHECK(f.compute_output_shape({-1, 5}) == Shape{-1, 5});
  CHECK(f.compute_output_shape({-1}) == Shape{-1, 1});  // Keras: (None,) -> (None, 1)
  CHECK(f.compute_output_shape({-1, -1, 4}) == Shape{-1, -1});
  CHECK(f.compute_output_shape({8, 2, 2}) == Shape{8, 4});
  Tensor x = random_tensor({2, 3, 4}, 1);
  Tensor y = f(x);
  CHECK(y.shape() == Shape{2, 12});
  CHECK(values(y) == values(x));  // channels_last: plain row-major order
  layers::Flatten g;
  CHECK(g(random_tensor({5}, 1)).shape() == Shape{5, 1});
  layers::Flatten empty;
  CHECK(empty(Tensor::zeros({0, 3, 4})).shape() == Shape{0, 12});  // an empty batch
  const Config c = f.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "data_format"});
  CHECK(c["data_format"] == "channels_last");
  check_round_trip(f);
  layers::Flatten h;
  CHECK(check_layer_gradients(h, {2, 3, 2}) == 0);
  CHECK_THROWS_AS(layers::Flatten({.data_format = "channels_first"}), ValueError);
  CHECK_THROWS_AS((void)f.compute_output_shape({}), ShapeError);
}

TEST_CASE("layers: Reshape") {
  layers::Reshape r({3, 4});
  CHECK(r.class_name() == "Reshape");
  CHECK(r.compute_output_shape({-1, 12}) == Shape{-1, 3, 4});
  CHECK(r.compute_output_shape({-1, 2, 6}) == Shape{-1, 3, 4});
  CHECK(r.compute_output_shape({-1, -1}) == Shape{-1, 3, 4});  // unknown input: trust the target
  Tensor x = random_tensor({2, 12}, 1);
  Tensor y = r(x);
  CHECK(y.shape() == Shape{2, 3, 4});
  CHECK(values(y) == values(x));
  layers::Reshape inf({-1, 2});
  CHECK(inf.compute_output_shape({-1, 3, 4}) == Shape{-1, 6, 2});
  CHECK(inf(random_tensor({5, 3, 4}, 1)).shape() == Shape{5, 6, 2});
  CHECK(inf(Tensor::zeros({0, 3, 4})).shape() == Shape{0, 6, 2});  // an empty batch
  const Config c = r.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "target_shape"});
  CHECK(c["target_shape"] == Config::parse("[3, 4]"));
  check_round_trip(r);
  check_round_trip(inf);
  layers::Reshape g({2, 3});
  CHECK(check_layer_gradients(g, {2, 6}) == 0);
  layers::Reshape g2({-1});
  CHECK(check_layer_gradients(g2, {2, 2, 3}) == 0);
  // incompatible targets name the layer and both shapes
  layers::Reshape bad({.target_shape = {5, 5}, .name = "rs"});
  const std::string msg = error_message([&] { (void)bad(random_tensor({2, 12}, 1)); });
  CHECK(contains(msg, "rs"));
  CHECK(contains(msg, "(None, 12)"));
  CHECK(contains(msg, "(5, 5)"));
  CHECK_THROWS_AS((void)bad(random_tensor({2, 12}, 1)), ShapeError);
  CHECK_FALSE(bad.built());
  CHECK_THROWS_AS((void)bad.compute_output_shape({-1, 12}), ShapeError);
  CHECK_THROWS_AS((void)layers::Reshape({-1, 5}).compute_output_shape({-1, 12}), ShapeError);
  CHECK_THROWS_AS(layers::Reshape({-1, -1}), ValueError);
  CHECK_THROWS_AS(layers::Reshape({0, 3}), ValueError);
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Reshape", "config": {}})")), ConfigError);
}

// ================================================================================================
// Dropout
// ================================================================================================

TEST_CASE("layers: Dropout") {
  layers::Dropout d(0.25);
  CHECK(d.class_name() == "Dropout");
  Tensor x = Tensor::ones({100, 100}, DType::Float32);
  // inference: the identity
  Tensor inf = d(x, false);
  CHECK(inf.buffer() == x.buffer());
  CHECK(d.compute_output_shape({-1, 100}) == Shape{-1, 100});
  // training: zeros with probability rate, the rest scaled by 1 / (1 - rate)
  Tensor y = d(x, true);
  CHECK(y.shape() == x.shape());
  std::size_t dropped = 0;
  for (double v : values(y)) {
    CHECK((v == 0.0 || v == doctest::Approx(1.0 / 0.75)));
    dropped += v == 0.0;
  }
  CHECK(static_cast<double>(dropped) / 10000.0 == doctest::Approx(0.25).epsilon(0.08));
  // successive training calls draw new masks
  CHECK(values(d(x, true)) != values(y));
  // seeded layers repeat exactly
  layers::Dropout s1({.rate = 0.5, .seed = 17}), s2({.rate = 0.5, .seed = 17}), s3({.rate = 0.5, .seed = 18});
  const auto m1 = values(s1(x, true));
  CHECK(m1 == values(s2(x, true)));
  CHECK(m1 != values(s3(x, true)));
  // rate 0 is the identity even in training
  layers::Dropout zero(0.0);
  CHECK(zero(x, true).buffer() == x.buffer());
  // config
  const Config c = s1.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "rate", "seed", "noise_shape"});
  CHECK(c["rate"] == 0.5);
  CHECK(c["seed"] == 17);
  CHECK(c["noise_shape"].is_null());
  CHECK(d.get_config()["seed"].is_null());
  check_round_trip(s1);
  check_round_trip(d);
  // errors
  CHECK_THROWS_AS(layers::Dropout(1.0), ValueError);
  CHECK_THROWS_AS(layers::Dropout(-0.1), ValueError);
  // noise_shape (Temper draws one mask entry per element) only changes training: a Keras file
  // may carry one, a user config may not
  const Config with_noise_shape =
      Config::parse(R"({"class_name": "Dropout", "config": {"rate": 0.5, "noise_shape": [null, 1]}})");
  CHECK(layers::deserialize(with_noise_shape, ConfigSource::keras_file)->class_name() == "Dropout");
  CHECK_THROWS_AS(layers::deserialize(with_noise_shape, ConfigSource::user), ArgumentError);
  CHECK(contains(error_message([&] { layers::deserialize(with_noise_shape, ConfigSource::user); }),
                 "Dropout argument 'noise_shape'"));
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Dropout", "config": {}})")), ConfigError);
}

TEST_CASE("layers: Dropout gradients equal the mask") {
  layers::Dropout d({.rate = 0.5, .seed = 3});
  // training with the stream reset before each evaluation: a fixed mask, so the function is
  // deterministic and the central differences are exact
  CHECK(check_layer_gradients(d, {4, 5}, true, [&] { d.set_generator(Generator(21)); }) == 0);
  // inference: identity gradient
  CHECK(check_layer_gradients(d, {4, 5}, false) == 0);
  Tensor x = random_tensor({4, 5}, 3, 0.5, 1.5);
  x.set_requires_grad(true);
  Tensor y = d(x, true);
  auto g = gradients(ops::sum(y), {x});
  const auto gv = values(g[0]), yv = values(y), xv = values(x);
  for (std::size_t i = 0; i < gv.size(); ++i) {
    CHECK((gv[i] == 0.0 || gv[i] == doctest::Approx(2.0)));
    CHECK(yv[i] == doctest::Approx(xv[i] * gv[i]));
  }
}

// ================================================================================================
// Registry
// ================================================================================================

TEST_CASE("layers: registry and unknown classes") {
  const auto names = layers::registered_layers();
  for (const char* n : {"InputLayer", "Dense", "Activation", "Flatten", "Reshape", "Dropout"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  const std::string msg = error_message([] {
    layers::deserialize(Config::parse(R"({"class_name": "Dens", "config": {"units": 3}})"));
  });
  CHECK(contains(msg, "Dens"));
  CHECK(contains(msg, "Did you mean 'Dense'"));
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Dens", "config": {}})")), UnknownNameError);
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"config": {}})")), ConfigError);
  CHECK_THROWS_AS(layers::deserialize(Config("Dense")), ConfigError);
  // a custom layer class registers and deserializes
  class Scale final : public Layer {
   public:
    explicit Scale(double f, std::string name = "") : Layer(std::move(name)), f_(f) {}
    std::string class_name() const override { return "TestScale"; }
    Tensor call(const Tensor& x, bool) override { return x * f_; }
    Config get_config() const override {
      Config c = base_config();
      c["factor"] = f_;
      return c;
    }

   private:
    double f_;
  };
  layers::register_layer("TestScale", [](const Config& c) -> LayerPtr {
    return std::make_shared<Scale>(c.at("factor").get<double>(), c.value("name", std::string()));
  });
  Scale s(2.5, "sc");
  check_round_trip(s);
  LayerPtr back = layers::deserialize(layers::serialize(s));
  CHECK(values((*back)(Tensor::ones({1, 2}, DType::Float32))) == std::vector<double>{2.5, 2.5});
  // a factory's JSON type error is reported as a ConfigError naming the class
  const std::string bad = error_message([] {
    layers::deserialize(Config::parse(R"({"class_name": "TestScale", "config": {"factor": "x"}})"));
  });
  CHECK(contains(bad, "TestScale"));
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "TestScale", "config": {"factor": "x"}})")), ConfigError);
}
