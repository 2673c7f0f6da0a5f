// test_normalization.cpp — BatchNormalization, LayerNormalization and GroupNormalization: the
// fused kernels against float64 references (float32 and float64, channel counts that do and
// do not fill a SIMD vector), float64 numerical gradient checks of the ops and the layers
// (input, gamma, beta; BatchNormalization in training and inference mode), Keras semantics
// (defaults, weights and their order, moving statistics after training steps, inference with
// moving statistics, frozen layers, configs, registry) and the errors users hit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/layers.hpp>
#include <temper/losses.hpp>
#include <temper/model.hpp>
#include <temper/ops.hpp>
#include <temper/optimizers.hpp>

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

/// Reference normalization over groups of elements: `group_of(i)` names the statistics group
/// of flat element i, `channel_of(i)` its gamma/beta index.
std::vector<double> reference_norm(const std::vector<double>& x, std::int64_t ngroups,
                                   const std::function<std::int64_t(std::int64_t)>& group_of,
                                   const std::function<std::int64_t(std::int64_t)>& channel_of,
                                   const std::vector<double>& gamma, const std::vector<double>& beta,
                                   double eps, std::vector<double>* mean_out = nullptr,
                                   std::vector<double>* var_out = nullptr) {
  const auto n = static_cast<std::int64_t>(x.size());
  std::vector<double> sum(static_cast<std::size_t>(ngroups), 0.0), cnt(sum), sq(sum);
  for (std::int64_t i = 0; i < n; ++i) {
    sum[static_cast<std::size_t>(group_of(i))] += x[static_cast<std::size_t>(i)];
    cnt[static_cast<std::size_t>(group_of(i))] += 1;
  }
  for (std::size_t g = 0; g < sum.size(); ++g) sum[g] /= cnt[g];
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = x[static_cast<std::size_t>(i)] - sum[static_cast<std::size_t>(group_of(i))];
    sq[static_cast<std::size_t>(group_of(i))] += d * d;
  }
  for (std::size_t g = 0; g < sq.size(); ++g) sq[g] /= cnt[g];
  std::vector<double> y(x.size());
  for (std::int64_t i = 0; i < n; ++i) {
    const auto g = static_cast<std::size_t>(group_of(i));
    const auto c = static_cast<std::size_t>(channel_of(i));
    y[static_cast<std::size_t>(i)] =
        (x[static_cast<std::size_t>(i)] - sum[g]) / std::sqrt(sq[g] + eps) * gamma[c] + beta[c];
  }
  if (mean_out) *mean_out = sum;
  if (var_out) *var_out = sq;
  return y;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                 const std::string& what) {
  REQUIRE(got.size() == want.size());
  int bad = 0;
  for (std::size_t i = 0; i < got.size() && bad < 5; ++i)
    if (std::abs(got[i] - want[i]) > tol * (1.0 + std::abs(want[i]))) {
      ++bad;
      FAIL_CHECK(what << " element " << i << ": got " << got[i] << ", expected " << want[i]);
    }
}

std::vector<double> seq(std::int64_t n, double lo, double hi, std::uint64_t seed) {
  return values(random_tensor({n}, seed, lo, hi));
}

/// Numerical gradient check of a layer (float64) w.r.t. its input and its trainable weights.
/// The trainable variables' values are swapped for the float64 tensors the checker perturbs
/// (layers read variable->value on every call); non-trainable state (moving statistics) stays.
std::size_t check_layer_gradients(Layer& layer, const Shape& shape, bool training, std::uint64_t seed = 7,
                                  double tol = 1e-5) {
  Tensor x = random_tensor(shape, seed, -2.0, 2.0);
  if (!layer.built()) (void)layer(x.astype(DType::Float32), false);
  const auto weights = layer.trainable_weights();
  Inputs inputs{x};
  std::vector<Tensor> saved;
  for (const auto& w : weights) {
    saved.push_back(w->value);
    // Perturb the weights away from ones/zeros so that every term of the gradient matters.
    Tensor v = w->value.astype(DType::Float64);
    inputs.push_back(ops::add(v, random_tensor(v.shape(), seed + 1, -0.5, 0.5)).detach());
  }
  check_gradients(
      [&](const Inputs& v) {
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = v[i + 1];
        Tensor y = layer(v[0], training);
        CHECK(y.dtype() == DType::Float64);
        return y;
      },
      inputs, 1e-6, tol);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = saved[i];
  return weights.size();
}

void check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  CHECK(ser["class_name"] == layer.class_name());
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
}

}  // namespace

// ================================================================================================
// Kernels against references
// ================================================================================================

TEST_CASE("batch_norm kernels match a float64 reference for many channel counts (float32 and float64)") {
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (std::int64_t C : {1, 3, 8, 16, 17, 40, 64}) {
      CAPTURE(C);
      CAPTURE(dtype_name(dt));
      const std::int64_t M = 37;
      std::vector<double> xv = seq(M * C, -3.0, 5.0, static_cast<std::uint64_t>(C));
      std::vector<double> gv = seq(C, 0.5, 1.5, 100), bv = seq(C, -1.0, 1.0, 101);
      Tensor x = Tensor::from_vector(xv, {M, C}).astype(dt);
      Tensor g = Tensor::from_vector(gv, {C}).astype(dt), b = Tensor::from_vector(bv, {C}).astype(dt);
      Tensor mean, var;
      Tensor y = ops::batch_normalization_training(x, g, b, 1e-3, -1, &mean, &var);
      std::vector<double> rm, rv;
      auto want = reference_norm(
          xv, C, [C](std::int64_t i) { return i % C; }, [C](std::int64_t i) { return i % C; }, gv, bv, 1e-3,
          &rm, &rv);
      const double tol = dt == DType::Float32 ? 2e-5 : 1e-12;
      check_close(values(y), want, tol, "y");
      check_close(values(mean), rm, tol, "mean");
      check_close(values(var), rv, tol, "var");
      // inference with the same statistics gives the same output
      Tensor yi = ops::batch_normalization(x, mean, var, g, b, 1e-3);
      check_close(values(yi), want, tol, "y (inference)");
    }
  }
}

TEST_CASE("batch_norm statistics stay accurate in float32 for a large offset and many rows") {
  // 200k values around 1000 with unit spread: a naive float32 E[x^2] - E[x]^2 loses it all.
  const std::int64_t M = 25000, C = 8;
  std::vector<double> xv = seq(M * C, 999.0, 1001.0, 5);
  Tensor x = Tensor::from_vector(xv, {M, C}).astype(DType::Float32);
  Tensor mean, var;
  (void)ops::batch_normalization_training(x, Tensor(), Tensor(), 1e-3, -1, &mean, &var);
  std::vector<double> xf = values(x), rm, rv;
  (void)reference_norm(
      xf, C, [C](std::int64_t i) { return i % C; }, [C](std::int64_t i) { return i % C; },
      std::vector<double>(C, 1.0), std::vector<double>(C, 0.0), 1e-3, &rm, &rv);
  check_close(values(mean), rm, 1e-6, "mean");
  check_close(values(var), rv, 1e-4, "var");
}

TEST_CASE("group_norm and layer_norm kernels match a float64 reference") {
  for (DType dt : {DType::Float32, DType::Float64}) {
    const double tol = dt == DType::Float32 ? 3e-5 : 1e-12;
    // group norm on (N, H, W, C)
    for (auto [C, G] : std::vector<std::pair<std::int64_t, std::int64_t>>{{6, 3}, {32, 8}, {12, 12}, {5, 1}, {48, 4}}) {
      CAPTURE(C);
      CAPTURE(G);
      const std::int64_t N = 3, H = 5, W = 3, S = H * W;
      std::vector<double> xv = seq(N * S * C, -2.0, 4.0, static_cast<std::uint64_t>(C * 10 + G));
      std::vector<double> gv = seq(C, 0.5, 1.5, 3), bv = seq(C, -1.0, 1.0, 4);
      Tensor x = Tensor::from_vector(xv, {N, H, W, C}).astype(dt);
      Tensor y = ops::group_normalization(x, Tensor::from_vector(gv, {C}).astype(dt),
                                          Tensor::from_vector(bv, {C}).astype(dt), G, 1e-3);
      const std::int64_t Cg = C / G;
      auto want = reference_norm(
          xv, N * G, [=](std::int64_t i) { return (i / (S * C)) * G + (i % C) / Cg; },
          [C](std::int64_t i) { return i % C; }, gv, bv, 1e-3);
      check_close(values(y), want, tol, "group norm y");
    }
    // layer norm over the last axis, several widths
    for (std::int64_t D : {1, 3, 16, 19, 100}) {
      CAPTURE(D);
      const std::int64_t M = 9;
      std::vector<double> xv = seq(M * D, -2.0, 4.0, static_cast<std::uint64_t>(D));
      std::vector<double> gv = seq(D, 0.5, 1.5, 5), bv = seq(D, -1.0, 1.0, 6);
      Tensor y = ops::layer_normalization(Tensor::from_vector(xv, {M, D}).astype(dt),
                                          Tensor::from_vector(gv, {D}).astype(dt),
                                          Tensor::from_vector(bv, {D}).astype(dt), {-1}, 1e-3);
      auto want = reference_norm(
          xv, M, [D](std::int64_t i) { return i / D; }, [D](std::int64_t i) { return i % D; }, gv, bv, 1e-3);
      check_close(values(y), want, tol, "layer norm y");
    }
  }
}

TEST_CASE("batch_norm results do not depend on the number of threads") {
  Backend& be = default_backend();
  const int saved = be.num_threads();
  Tensor x = random_tensor({512, 3, 3, 24}, 11, -1.0, 3.0).astype(DType::Float32);
  Tensor g = random_tensor({24}, 12).astype(DType::Float32);
  auto run = [&] {
    Tensor xr = x.detach().clone();
    xr.set_requires_grad(true);
    Tensor mean, var;
    Tensor y = ops::batch_normalization_training(xr, g, Tensor(), 1e-3, -1, &mean, &var);
    Tensor loss = ops::sum(ops::multiply(y, y));
    auto grads = gradients(loss, {xr});
    std::vector<double> out = values(y);
    for (double v : values(var)) out.push_back(v);
    for (double v : values(grads[0])) out.push_back(v);
    return out;
  };
  be.set_num_threads(1);
  auto one = run();
  be.set_num_threads(2);
  auto two = run();
  be.set_num_threads(saved);
  CHECK(one == two);
}

// ================================================================================================
// Op gradient checks (float64)
// ================================================================================================

TEST_CASE("gradient check: batch normalization ops (training and inference)") {
  Tensor g = random_tensor({4}, 21, 0.5, 1.5), b = random_tensor({4}, 22);
  for (const Shape& s : {Shape{6, 4}, Shape{2, 3, 2, 4}}) {
    CAPTURE(shape_to_string(s));
    check_gradients(
        [](const Inputs& v) { return ops::batch_normalization_training(v[0], v[1], v[2], 1e-3); },
        {random_tensor(s, 23, -2.0, 2.0), g, b});
    Tensor mean = random_tensor({4}, 24), var = random_tensor({4}, 25, 0.5, 2.0);
    check_gradients(
        [&](const Inputs& v) { return ops::batch_normalization(v[0], mean, var, v[1], v[2], 1e-3); },
        {random_tensor(s, 26, -2.0, 2.0), g, b});
  }
  // channels on axis 1 (Keras channels_first), no gamma / beta
  check_gradients([](const Inputs& v) { return ops::batch_normalization_training(v[0], Tensor(), Tensor(), 1e-3, 1); },
                  {random_tensor({3, 4, 5}, 27, -2.0, 2.0)});
  // odd channel count (tiled path), only gamma
  check_gradients(
      [](const Inputs& v) { return ops::batch_normalization_training(v[0], v[1], Tensor(), 1e-3); },
      {random_tensor({7, 3}, 28, -2.0, 2.0), random_tensor({3}, 29, 0.5, 1.5)});
}

TEST_CASE("gradient check: layer and group normalization ops") {
  check_gradients([](const Inputs& v) { return ops::layer_normalization(v[0], v[1], v[2], {-1}, 1e-3); },
                  {random_tensor({4, 7}, 31, -2.0, 2.0), random_tensor({7}, 32, 0.5, 1.5), random_tensor({7}, 33)});
  check_gradients([](const Inputs& v) { return ops::layer_normalization(v[0], v[1], v[2], {1, 2}, 1e-3); },
                  {random_tensor({2, 3, 4}, 34, -2.0, 2.0), random_tensor({3, 4}, 35, 0.5, 1.5),
                   random_tensor({3, 4}, 36)});
  // a non-trailing axis (transposed internally)
  check_gradients([](const Inputs& v) { return ops::layer_normalization(v[0], v[1], Tensor(), {1}, 1e-3); },
                  {random_tensor({2, 3, 4}, 37, -2.0, 2.0), random_tensor({3}, 38, 0.5, 1.5)});
  // group norm: images (N, H, W, C), rows (N, C), instance norm, no parameters
  check_gradients([](const Inputs& v) { return ops::group_normalization(v[0], v[1], v[2], 2, 1e-3); },
                  {random_tensor({2, 3, 2, 6}, 39, -2.0, 2.0), random_tensor({6}, 40, 0.5, 1.5),
                   random_tensor({6}, 41)});
  check_gradients([](const Inputs& v) { return ops::group_normalization(v[0], v[1], v[2], 3, 1e-3); },
                  {random_tensor({3, 6}, 42, -2.0, 2.0), random_tensor({6}, 43, 0.5, 1.5), random_tensor({6}, 44)});
  check_gradients([](const Inputs& v) { return ops::group_normalization(v[0], Tensor(), Tensor(), 5, 1e-3); },
                  {random_tensor({2, 4, 5}, 45, -2.0, 2.0)});
}

// ================================================================================================
// BatchNormalization
// ================================================================================================

TEST_CASE("BatchNormalization: Keras defaults, weights in Keras order, config and registry") {
  layers::BatchNormalization bn;
  CHECK(bn.class_name() == "BatchNormalization");
  Tensor x = random_tensor({4, 3, 3, 5}, 1).astype(DType::Float32);
  Tensor y = bn(x, false);
  CHECK(y.shape() == x.shape());
  const auto w = bn.weights();
  REQUIRE(w.size() == 4);
  CHECK(w[0]->name == "gamma");
  CHECK(w[1]->name == "beta");
  CHECK(w[2]->name == "moving_mean");
  CHECK(w[3]->name == "moving_variance");
  for (const auto& v : w) CHECK(v->shape() == Shape{5});
  CHECK(bn.trainable_weights().size() == 2);
  CHECK(bn.non_trainable_weights().size() == 2);
  CHECK_FALSE(w[2]->trainable);
  CHECK_FALSE(w[3]->value.requires_grad());
  CHECK(values(w[0]->value) == std::vector<double>(5, 1.0));
  CHECK(values(w[1]->value) == std::vector<double>(5, 0.0));
  CHECK(values(w[2]->value) == std::vector<double>(5, 0.0));
  CHECK(values(w[3]->value) == std::vector<double>(5, 1.0));
  CHECK(bn.count_params() == 20);
  // fresh layer at inference: x / sqrt(1 + 1e-3)
  check_close(values(y), values(x / std::sqrt(1.0 + 1e-3)), 1e-6, "fresh inference output");

  Config c = bn.get_config();
  CHECK(c["axis"] == -1);
  CHECK(c["momentum"] == 0.99);
  CHECK(c["epsilon"] == 1e-3);
  CHECK(c["center"] == true);
  CHECK(c["scale"] == true);
  CHECK(c["beta_initializer"]["class_name"] == "Zeros");
  CHECK(c["gamma_initializer"]["class_name"] == "Ones");
  CHECK(c["moving_mean_initializer"]["class_name"] == "Zeros");
  CHECK(c["moving_variance_initializer"]["class_name"] == "Ones");
  CHECK(c["beta_regularizer"].is_null());
  CHECK(c["gamma_constraint"].is_null());
  CHECK(c["synchronized"] == false);
  check_round_trip(bn);

  layers::BatchNormalization custom({.momentum = 0.9, .epsilon = 1e-5, .center = false,
                                     .gamma_regularizer = regularizers::L2(0.01), .name = "bn"});
  check_round_trip(custom);
  (void)custom(x, false);
  CHECK(custom.weights().size() == 3);  // gamma, moving_mean, moving_variance
  CHECK(custom.regularization_losses().size() == 1);

  // a Keras JSON config (tf.keras wrote axis as a list)
  LayerPtr k = layers::deserialize(Config::parse(
      R"({"class_name": "BatchNormalization", "config": {"name": "batch_normalization", "axis": [3],
          "momentum": 0.9, "epsilon": 0.001, "center": true, "scale": false, "trainable": true}})"));
  auto* kb = dynamic_cast<layers::BatchNormalization*>(k.get());
  REQUIRE(kb);
  CHECK(kb->options().axis == 3);
  CHECK(kb->options().momentum == 0.9);
  CHECK_FALSE(kb->options().scale);
  // constraints are read from both sources and written back
  const Config constrained =
      Config::parse(R"({"class_name": "BatchNormalization", "config": {"gamma_constraint": {"class_name": "NonNeg"}}})");
  for (auto source : {ConfigSource::keras_file, ConfigSource::user})
    CHECK(layers::deserialize(constrained, source)->get_config()["gamma_constraint"]["class_name"] == "NonNeg");
}

TEST_CASE("BatchNormalization: moving statistics after training steps match hand-computed values") {
  layers::BatchNormalization bn({.momentum = 0.9});
  const std::vector<float> b1{1, 2, 3, 10, 5, 6, 7, 2};   // (4, 2): channel 0 = 1,3,5,7; channel 1 = 2,10,6,2
  const std::vector<float> b2{0, 1, 2, 1, 4, 1, 2, 5};    // channel 0 = 0,2,4,2; channel 1 = 1,1,1,5
  Tensor x1 = Tensor::from_vector(b1, {4, 2}), x2 = Tensor::from_vector(b2, {4, 2});
  Tensor y1 = bn(x1, true);
  // batch 1: mean (4, 5), biased variance (5, 11)
  check_close(values(bn.moving_mean()->value), {0.4, 0.5}, 1e-6, "moving mean after 1 step");
  check_close(values(bn.moving_variance()->value), {0.9 + 0.5, 0.9 + 1.1}, 1e-6, "moving variance after 1 step");
  // the training output uses the batch statistics
  std::vector<double> want1;
  for (int r = 0; r < 4; ++r) {
    want1.push_back((b1[static_cast<std::size_t>(2 * r)] - 4.0) / std::sqrt(5.0 + 1e-3));
    want1.push_back((b1[static_cast<std::size_t>(2 * r + 1)] - 5.0) / std::sqrt(11.0 + 1e-3));
  }
  check_close(values(y1), want1, 1e-5, "training output");
  (void)bn(x2, true);
  // batch 2: mean (2, 2), biased variance (2, 3)
  const double mm0 = 0.4 * 0.9 + 0.2, mm1 = 0.5 * 0.9 + 0.2;
  const double mv0 = 1.4 * 0.9 + 0.2, mv1 = 2.0 * 0.9 + 0.3;
  check_close(values(bn.moving_mean()->value), {mm0, mm1}, 1e-6, "moving mean after 2 steps");
  check_close(values(bn.moving_variance()->value), {mv0, mv1}, 1e-6, "moving variance after 2 steps");
  // inference uses the moving statistics and leaves them alone
  Tensor yi = bn(x1, false);
  std::vector<double> want;
  for (int r = 0; r < 4; ++r) {
    want.push_back((b1[static_cast<std::size_t>(2 * r)] - mm0) / std::sqrt(mv0 + 1e-3));
    want.push_back((b1[static_cast<std::size_t>(2 * r + 1)] - mm1) / std::sqrt(mv1 + 1e-3));
  }
  check_close(values(yi), want, 1e-5, "inference output");
  check_close(values(bn.moving_mean()->value), {mm0, mm1}, 1e-6, "moving mean unchanged by inference");
}

TEST_CASE("BatchNormalization: a frozen layer runs in inference mode and keeps its statistics (Keras)") {
  layers::BatchNormalization bn;
  Tensor x = random_tensor({8, 3}, 3, 2.0, 6.0).astype(DType::Float32);
  (void)bn(x, true);
  const auto mm = values(bn.moving_mean()->value);
  bn.set_trainable(false);
  CHECK(bn.trainable_weights().empty());
  CHECK(bn.non_trainable_weights().size() == 4);
  Tensor y = bn(x, true);
  CHECK(values(bn.moving_mean()->value) == mm);
  check_close(values(y), values(bn(x, false)), 0.0, "frozen training output equals inference output");
}

TEST_CASE("BatchNormalization: channels-first axis, rank 2 after Dense, and shape errors") {
  layers::BatchNormalization bn({.axis = 1});
  Tensor x = random_tensor({2, 3, 4, 4}, 4).astype(DType::Float32);
  (void)bn(x, true);
  CHECK(bn.moving_mean()->shape() == Shape{3});
  std::string msg = error_message([&] { (void)bn(random_tensor({2, 5, 4, 4}, 5).astype(DType::Float32)); });
  CHECK(contains(msg, "batch_normalization"));
  CHECK(contains(msg, "(None, 3, 4, 4)"));
  CHECK(contains(msg, "(None, 5, 4, 4)"));
  // the channels axis must exist and not be the batch axis
  msg = error_message([] { layers::BatchNormalization b({.axis = 3}); (void)b(Tensor::ones({2, 3})); });
  CHECK(contains(msg, "axis 3"));
  CHECK(contains(error_message([] { layers::BatchNormalization b({.momentum = 1.5}); }), "1.5"));
  CHECK(contains(error_message([] { layers::BatchNormalization b({.epsilon = -1.0}); }), "epsilon"));
  // a (batch, features) input as after Dense
  layers::BatchNormalization dense_bn;
  CHECK(dense_bn(Tensor::ones({4, 10}), true).shape() == Shape{4, 10});
  // variable spatial size is fine (Keras's input spec only fixes the channels)
  layers::BatchNormalization img;
  (void)img(Tensor::ones({2, 4, 4, 3}), false);
  CHECK(img(Tensor::ones({1, 6, 5, 3}), false).shape() == Shape{1, 6, 5, 3});
}

TEST_CASE("gradient check: BatchNormalization layer in training and inference mode") {
  layers::BatchNormalization bn;
  CHECK(check_layer_gradients(bn, {5, 2, 3, 4}, true) == 2);
  CHECK(check_layer_gradients(bn, {5, 2, 3, 4}, false) == 2);
  layers::BatchNormalization no_beta({.center = false});
  CHECK(check_layer_gradients(no_beta, {6, 3}, true) == 1);
}

TEST_CASE("BatchNormalization inside a model: fit updates the moving statistics, not the optimizer") {
  Tensor x = random_tensor({64, 6}, 50, 1.0, 3.0).astype(DType::Float32);
  Tensor y = random_tensor({64, 1}, 51).astype(DType::Float32);
  auto bn = std::make_shared<layers::BatchNormalization>();
  Sequential model({layers::Input({6}), layers::Dense(8, "relu"), bn, layers::Dense(1)}, {.seed = 1});
  model.compile(optimizers::Adam(1e-2), losses::MeanSquaredError(), {});
  CHECK(model.trainable_weights().size() == 6);
  CHECK(model.non_trainable_weights().size() == 2);
  const auto mm0 = values(bn->moving_mean()->value);
  History h = model.fit(x, y, {.batch_size = 16, .epochs = 3, .verbose = 0});
  CHECK(h["loss"].back() < h["loss"].front());
  CHECK(values(bn->moving_mean()->value) != mm0);
  // predict is deterministic (inference: moving statistics)
  Tensor p1 = model.predict(x, {.verbose = 0});
  Tensor p2 = model.predict(x, {.verbose = 0});
  CHECK(values(p1) == values(p2));
}

// ================================================================================================
// LayerNormalization
// ================================================================================================

TEST_CASE("LayerNormalization: defaults, shapes, config, registry and gradients") {
  layers::LayerNormalization ln;
  Tensor x = random_tensor({3, 4, 6}, 60).astype(DType::Float32);
  Tensor y = ln(x, false);
  CHECK(y.shape() == x.shape());
  REQUIRE(ln.weights().size() == 2);
  CHECK(ln.weights()[0]->name == "gamma");
  CHECK(ln.weights()[1]->name == "beta");
  CHECK(ln.gamma()->shape() == Shape{6});
  // each row normalized: mean 0, variance var / (var + eps)
  auto yv = values(y);
  for (int r = 0; r < 12; ++r) {
    double m = 0.0;
    for (int c = 0; c < 6; ++c) m += yv[static_cast<std::size_t>(r * 6 + c)];
    CHECK(std::abs(m / 6) < 1e-5);
  }
  Config c = ln.get_config();
  CHECK(c["axis"] == -1);
  CHECK(c["epsilon"] == 1e-3);
  CHECK(c["center"] == true);
  CHECK(c["scale"] == true);
  CHECK(c["rms_scaling"] == false);
  CHECK(c["gamma_initializer"]["class_name"] == "Ones");
  check_round_trip(ln);
  CHECK(check_layer_gradients(ln, {3, 4, 6}, true) == 2);

  layers::LayerNormalization multi({.axis = {1, 2}});
  (void)multi(x, false);
  CHECK(multi.gamma()->shape() == Shape{4, 6});
  CHECK(multi.get_config()["axis"] == Config::parse("[1, 2]"));
  check_round_trip(multi);
  CHECK(check_layer_gradients(multi, {3, 4, 6}, true) == 2);

  layers::LayerNormalization rms({.rms_scaling = true});
  (void)rms(x, false);
  CHECK(rms.weights().size() == 1);  // gamma only
  CHECK(check_layer_gradients(rms, {3, 4, 6}, true) == 1);

  CHECK(contains(error_message([] { layers::LayerNormalization l({.axis = {4}}); (void)l(Tensor::ones({2, 3})); }),
                 "axis 4"));
  layers::LayerNormalization built;
  (void)built(Tensor::ones({2, 3}));
  CHECK(contains(error_message([&] { (void)built(Tensor::ones({2, 4})); }), "(None, 3)"));
}

// ================================================================================================
// GroupNormalization
// ================================================================================================

TEST_CASE("GroupNormalization: defaults, config, registry, gradients and errors naming both numbers") {
  layers::GroupNormalization gn;
  CHECK(gn.options().groups == 32);
  Tensor x = random_tensor({2, 3, 3, 64}, 70).astype(DType::Float32);
  CHECK(gn(x, false).shape() == x.shape());
  CHECK(gn.weights().size() == 2);
  Config c = gn.get_config();
  CHECK(c["groups"] == 32);
  CHECK(c["axis"] == -1);
  CHECK(c["epsilon"] == 1e-3);
  check_round_trip(gn);

  layers::GroupNormalization g2(2);
  CHECK(check_layer_gradients(g2, {2, 3, 2, 4}, true) == 2);
  layers::GroupNormalization rows(3);
  CHECK(check_layer_gradients(rows, {4, 6}, true) == 2);
  layers::GroupNormalization inst({.groups = -1});
  (void)inst(Tensor::ones({2, 2, 5}));
  CHECK(inst.get_config()["groups"] == 5);

  std::string msg = error_message([] { layers::GroupNormalization g(4); (void)g(Tensor::ones({2, 3, 3, 6})); });
  CHECK(contains(msg, "6"));
  CHECK(contains(msg, "4"));
  CHECK(contains(msg, "multiple"));
  msg = error_message([] { layers::GroupNormalization g; (void)g(Tensor::ones({2, 16})); });
  CHECK(contains(msg, "32"));
  CHECK(contains(msg, "16"));
  CHECK(contains(error_message([] { layers::GroupNormalization g(0); }), "got 0"));
  CHECK(contains(error_message([] { (void)ops::group_normalization(Tensor::ones({2, 6}), Tensor(), Tensor(), 4); }),
                 "(6)"));
}

TEST_CASE("registry: the normalization and noise layers are known by their Keras class names") {
  const auto names = layers::registered_layers();
  for (const char* n : {"BatchNormalization", "LayerNormalization", "GroupNormalization", "SpatialDropout1D",
                        "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout"}) {
    CAPTURE(n);
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  }
  LayerPtr l = layers::deserialize(Config::parse(R"({"class_name": "GroupNormalization", "config": {"groups": 4}})"));
  CHECK(l->class_name() == "GroupNormalization");
}

TEST_CASE("docs/normalization.md example: a model with BatchNormalization and GaussianDropout trains") {
  Sequential model({layers::Input({28, 28}), layers::Flatten(),
                    layers::Dense(256), layers::BatchNormalization(), layers::Activation("relu"),
                    layers::GaussianDropout(0.2), layers::Dense(10)},
                   {.seed = 3});
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}), {});
  Tensor x = random_tensor({32, 28, 28}, 80, 0.0, 1.0).astype(DType::Float32);
  std::vector<std::int32_t> labels(32);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  Tensor y = Tensor::from_vector(labels, {32});
  History h = model.fit(x, y, {.batch_size = 8, .epochs = 4, .verbose = 0});
  CHECK(h["loss"].back() < h["loss"].front());
  CHECK(model.predict(x, {.verbose = 0}).shape() == Shape{32, 10});
  CHECK(model.non_trainable_weights().size() == 2);
}

TEST_CASE("normalization layer configs: Keras keys by version, checks that name the argument") {
  // Keras 3.14+ writes renorm keys (defaults accepted); synchronized only changes training
  auto bn = layers::deserialize(Config::parse(
      R"({"class_name": "BatchNormalization", "config": {"name": "bn", "axis": -1, "momentum": 0.99, "epsilon": 0.001,
          "center": true, "scale": true, "synchronized": true, "renorm": false, "renorm_clipping": null,
          "renorm_momentum": 0.99}})"));
  CHECK_FALSE(bn->get_config().contains("renorm"));  // written as older Keras 3 versions read it
  CHECK(bn->get_config()["synchronized"] == false);
  CHECK_THROWS_AS((void)layers::deserialize(Config::parse(R"({"class_name": "BatchNormalization", "config": {"synchronized": true}})"),
                                            ConfigSource::user),
                  ArgumentError);
  // renorm adds weights Temper does not have: refused from any source
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(
                       Config::parse(R"({"class_name": "BatchNormalization", "config": {"renorm": true}})"));
                 }),
                 "BatchNormalization argument 'renorm'"));
  // constructor and config give the same checks
  CHECK(contains(error_message([] { layers::BatchNormalization b({.momentum = 1.5}); }),
                 "BatchNormalization: momentum must be a number in [0.0, 1.0], got 1.5"));
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "BatchNormalization", "config": {"momentum": 1.5}})"));
                 }),
                 "BatchNormalization argument 'momentum': expected a number in [0.0, 1.0], found a number 1.5"));
  // LayerNormalization: rms_scaling is implemented, so any boolean is accepted; Keras 3.0-3.3
  // did not write it (false)
  auto ln = layers::deserialize(Config::parse(R"({"class_name": "LayerNormalization", "config": {"rms_scaling": true}})"),
                                ConfigSource::user);
  CHECK(dynamic_cast<layers::LayerNormalization&>(*ln).options().rms_scaling);
  auto ln_old = layers::deserialize(Config::parse(R"({"class_name": "LayerNormalization", "config": {"axis": -1}})"));
  CHECK_FALSE(dynamic_cast<layers::LayerNormalization&>(*ln_old).options().rms_scaling);
  CHECK_THROWS_AS(layers::LayerNormalization({.axis = {}}), ValueError);
  // GroupNormalization: groups positive or -1
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "GroupNormalization", "config": {"groups": -2}})"));
                 }),
                 "GroupNormalization argument 'groups': expected a positive integer or -1"));
}
