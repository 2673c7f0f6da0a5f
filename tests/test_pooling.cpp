// test_pooling.cpp — pooling (1-D, 2-D, 3-D), global pooling, ZeroPadding2D, Cropping2D and UpSampling2D:
// forward results against naive loops, Keras output shapes (odd sizes, "same" padding with
// strides), Keras's average-pooling border rule, float64 gradient checks for every
// padding / stride combination, configs, registry lookups and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
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
using temper::testing::contains;
using temper::testing::error_message;
using temper::testing::random_tensor;
using temper::testing::values;
using Inputs = std::vector<Tensor>;
using ops::Size2;

namespace {

using i64 = std::int64_t;

/// Naive pooling: windows clipped to the input, average over the positions inside.
std::vector<double> ref_pool(bool is_max, const std::vector<double>& x, const Shape& xs, Size2 k, Size2 s, i64 pt,
                             i64 pl, i64 OH, i64 OW) {
  const i64 N = xs[0], H = xs[1], W = xs[2], C = xs[3];
  std::vector<double> y;
  for (i64 n = 0; n < N; ++n)
    for (i64 oh = 0; oh < OH; ++oh)
      for (i64 ow = 0; ow < OW; ++ow)
        for (i64 c = 0; c < C; ++c) {
          double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
          int cnt = 0;
          for (i64 i = 0; i < k.h; ++i)
            for (i64 j = 0; j < k.w; ++j) {
              const i64 ih = oh * s.h - pt + i, iw = ow * s.w - pl + j;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const double v = x[static_cast<std::size_t>(((n * H + ih) * W + iw) * C + c)];
              acc = is_max ? std::max(acc, v) : acc + v;
              ++cnt;
            }
          y.push_back(is_max ? acc : acc / cnt);
        }
  return y;
}

void check_close(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(tol));
}

std::size_t check_layer_gradients(Layer& layer, const Shape& input_shape, std::uint64_t seed = 99) {
  Tensor x = random_tensor(input_shape, seed, -1.5, 1.5);
  check_gradients([&](const Inputs& v) { return layer(v[0], true); }, {x});
  return layer.weights().size();
}

void check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
}

}  // namespace

TEST_CASE("pooling ops: max and average pooling match naive loops, float32 and float64") {
  std::uint64_t seed = 1;
  for (bool is_max : {true, false})
    for (const char* pad : {"valid", "same"})
      for (Size2 k : {Size2(2), Size2(3), Size2(3, 2)})
        for (Size2 s : {Size2(1), Size2(2), Size2(3, 2)}) {
          CAPTURE(is_max);
          CAPTURE(pad);
          Shape xs{2, 7, 6, seed % 2 ? 5 : 8};  // 8 channels: the vectorised paths
          Tensor x = random_tensor(xs, seed++);
          const i64 OH = ops::conv_output_length(7, k.h, pad, s.h), OW = ops::conv_output_length(6, k.w, pad, s.w);
          const i64 pt = ops::conv_padding_before(7, k.h, pad, s.h), pl = ops::conv_padding_before(6, k.w, pad, s.w);
          const auto ref = ref_pool(is_max, values(x), xs, k, s, pt, pl, OH, OW);
          for (DType dt : {DType::Float64, DType::Float32}) {
            Tensor y = is_max ? ops::max_pool2d(x.astype(dt), k, s, pad) : ops::avg_pool2d(x.astype(dt), k, s, pad);
            CHECK(y.shape() == Shape{2, OH, OW, xs[3]});
            check_close(values(y), ref, dt == DType::Float64 ? 1e-12 : 1e-5);
          }
          check_gradients([&](const Inputs& v) { return is_max ? ops::max_pool2d(v[0], k, s, pad) : ops::avg_pool2d(v[0], k, s, pad); },
                          {x});
        }
}

TEST_CASE("pooling ops: Keras's average border rule and max-pool gradient routing") {
  // AveragePooling2D(2, padding="same") on a 3x3 image of ones stays ones (padding not counted).
  Tensor ones = Tensor::ones({1, 3, 3, 1}, DType::Float64);
  CHECK(values(ops::avg_pool2d(ones, 2, 2, "same")) == std::vector<double>{1, 1, 1, 1});
  std::vector<double> xv{1, 2, 3, 4, 5, 6, 7, 8, 9};
  Tensor x = Tensor::from_vector(xv, {1, 3, 3, 1});
  CHECK(values(ops::avg_pool2d(x, 2, 2, "same")) == std::vector<double>{3, 4.5, 7.5, 9});
  CHECK(values(ops::max_pool2d(x, 2, 2, "same")) == std::vector<double>{5, 6, 8, 9});
  CHECK(values(ops::max_pool2d(x, 2, 1, "valid")) == std::vector<double>{5, 6, 8, 9});
  // overlapping windows: the gradient of a shared maximum adds up
  Tensor xr = x.clone().set_requires_grad(true);
  Tensor y = ops::max_pool2d(xr, 2, 1, "valid");
  auto g = gradients(ops::sum(y), {xr});
  CHECK(values(g[0]) == std::vector<double>{0, 0, 0, 0, 1, 1, 0, 1, 1});
  // ties go to the first position only (the sum of the gradient is preserved)
  Tensor t = Tensor::ones({1, 2, 2, 1}, DType::Float64).set_requires_grad(true);
  auto gt = gradients(ops::sum(ops::max_pool2d(t, 2, 2)), {t});
  CHECK(values(gt[0]) == std::vector<double>{1, 0, 0, 0});
}

TEST_CASE("pooling ops: 1-D pooling, global pooling and their gradients") {
  Tensor x = random_tensor({2, 9, 3}, 5);
  for (const char* pad : {"valid", "same"})
    for (i64 k : {2, 3})
      for (i64 s : {1, 2}) {
        Tensor y = ops::max_pool1d(x, k, s, pad);
        CHECK(y.shape() == Shape{2, ops::conv_output_length(9, k, pad, s), 3});
        check_gradients([&](const Inputs& v) { return ops::max_pool1d(v[0], k, s, pad); }, {x});
        check_gradients([&](const Inputs& v) { return ops::avg_pool1d(v[0], k, s, pad); }, {x});
      }
  Tensor x4 = random_tensor({2, 3, 5, 4}, 6);
  const auto X = values(x4);
  Tensor m = ops::global_max_pool(x4);
  Tensor a = ops::global_avg_pool(x4, true);
  CHECK(m.shape() == Shape{2, 4});
  CHECK(a.shape() == Shape{2, 1, 1, 4});
  double mx = -1e9, sum = 0;
  for (i64 s = 0; s < 15; ++s) {
    mx = std::max(mx, X[static_cast<std::size_t>(s * 4 + 1)]);
    sum += X[static_cast<std::size_t>(s * 4 + 1)];
  }
  CHECK(values(m)[1] == doctest::Approx(mx));
  CHECK(values(a)[1] == doctest::Approx(sum / 15));
  check_gradients([](const Inputs& v) { return ops::global_max_pool(v[0]); }, {x4});
  check_gradients([](const Inputs& v) { return ops::global_avg_pool(v[0], true); }, {x4});
  check_gradients([](const Inputs& v) { return ops::global_avg_pool(v[0]); }, {x});
  // ties split the gradient evenly, as Keras's ops.max does
  Tensor t = Tensor::ones({1, 2, 2, 1}, DType::Float64).set_requires_grad(true);
  auto gt = gradients(ops::sum(ops::global_max_pool(t)), {t});
  CHECK(values(gt[0]) == std::vector<double>{0.25, 0.25, 0.25, 0.25});
}

TEST_CASE("pooling layers: Keras defaults, shapes, configs, registry") {
  layers::MaxPooling2D mp;
  CHECK(mp.class_name() == "MaxPooling2D");
  CHECK(mp.options().pool_size == Size2(2));
  CHECK(mp.strides() == Size2(2));
  CHECK(mp.options().padding == "valid");
  CHECK(mp.compute_output_shape({-1, 26, 26, 32}) == Shape{-1, 13, 13, 32});
  CHECK(mp.compute_output_shape({-1, 11, 11, 64}) == Shape{-1, 5, 5, 64});
  layers::MaxPooling2D same({.pool_size = 3, .strides = Size2(2), .padding = "same"});
  CHECK(same.compute_output_shape({-1, 7, 8, 3}) == Shape{-1, 4, 4, 3});
  layers::AveragePooling2D ap({.pool_size = {3, 2}, .strides = Size2(1, 2)});
  CHECK(ap.compute_output_shape({-1, 7, 8, 3}) == Shape{-1, 5, 4, 3});
  Config c = mp.get_config();
  CHECK(c["pool_size"] == Config::parse("[2, 2]"));
  CHECK(c["strides"] == Config::parse("[2, 2]"));
  CHECK(c["padding"] == "valid");
  CHECK(c["data_format"] == "channels_last");
  for (const Layer* l : std::vector<const Layer*>{&mp, &same, &ap}) check_round_trip(*l);
  layers::MaxPooling1D m1(3);
  CHECK(m1.compute_output_shape({-1, 10, 2}) == Shape{-1, 3, 2});
  layers::AveragePooling1D a1({.pool_size = 2, .strides = 1, .padding = "same"});
  CHECK(a1.compute_output_shape({-1, 10, 2}) == Shape{-1, 10, 2});
  CHECK(m1.get_config()["pool_size"] == Config::parse("[3]"));
  check_round_trip(m1);
  check_round_trip(a1);
  layers::GlobalAveragePooling2D gap;
  layers::GlobalMaxPooling1D gmp1({.keepdims = true});
  CHECK(gap.compute_output_shape({-1, 7, 7, 16}) == Shape{-1, 16});
  CHECK(gmp1.compute_output_shape({-1, 9, 5}) == Shape{-1, 1, 5});
  CHECK(gap.get_config()["keepdims"] == false);
  check_round_trip(gap);
  check_round_trip(gmp1);
  // Keras configs and aliases through the registry
  LayerPtr k = layers::deserialize(Config::parse(R"({"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d",
      "trainable": true, "dtype": "float32", "pool_size": [2, 2], "padding": "valid", "strides": null,
      "data_format": "channels_last"}})"));
  CHECK(std::static_pointer_cast<layers::MaxPooling2D>(k)->strides() == Size2(2));
  for (const char* name : {"MaxPool2D", "AvgPool2D", "AveragePooling2D", "MaxPooling1D", "AveragePooling1D",
                           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
                           "GlobalMaxPooling2D", "GlobalAvgPool2D", "ZeroPadding2D", "Cropping2D", "UpSampling2D"}) {
    CAPTURE(name);
    Config cfg = {{"class_name", name}, {"config", Config::object()}};
    CHECK(layers::deserialize(cfg) != nullptr);
  }
}

TEST_CASE("pooling layers: gradients for every padding / stride combination") {
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2), Size2(3, 2), Size2(3, 1)}) {
      CAPTURE(pad);
      layers::MaxPooling2D m({.pool_size = {3, 2}, .strides = s, .padding = pad});
      layers::AveragePooling2D a({.pool_size = {3, 2}, .strides = s, .padding = pad});
      CHECK(check_layer_gradients(m, {2, 7, 5, 3}) == 0);
      CHECK(check_layer_gradients(a, {2, 7, 5, 3}) == 0);
      CHECK(check_layer_gradients(m, {1, 7, 5, 8}) == 0);
      CHECK(check_layer_gradients(a, {1, 7, 5, 8}) == 0);
      layers::MaxPooling1D m1({.pool_size = 3, .strides = s.h, .padding = pad});
      layers::AveragePooling1D a1({.pool_size = 3, .strides = s.h, .padding = pad});
      check_layer_gradients(m1, {2, 8, 3});
      check_layer_gradients(a1, {2, 8, 3});
    }
  layers::GlobalAveragePooling2D gap;
  layers::GlobalMaxPooling2D gmp;
  layers::GlobalAveragePooling1D gap1;
  layers::GlobalMaxPooling1D gmp1({.keepdims = true});
  check_layer_gradients(gap, {2, 3, 4, 5});
  check_layer_gradients(gmp, {2, 3, 4, 5});
  check_layer_gradients(gap1, {2, 6, 5});
  check_layer_gradients(gmp1, {2, 6, 5});
}

TEST_CASE("pooling layers: errors") {
  CHECK_THROWS_AS(layers::MaxPooling2D({.pool_size = 0}), ValueError);
  CHECK(contains(error_message([] { layers::MaxPooling2D({.pool_size = 2, .padding = "full"}); }), "\"full\""));
  CHECK_THROWS_AS(layers::AveragePooling2D({.data_format = "channels_first"}), ConfigError);
  layers::MaxPooling2D mp({.pool_size = 3, .name = "pool"});
  const std::string msg = error_message([&] { (void)mp(Tensor::zeros({1, 2, 2, 1})); });
  CHECK(contains(msg, "'pool'"));
  CHECK(contains(msg, "(None, 2, 2, 1)"));
  CHECK(contains(msg, "(None, 0, 0, 1)"));
  CHECK_THROWS_AS((void)mp(Tensor::zeros({1, 2, 2, 1})), ShapeError);
  CHECK(contains(error_message([&] { (void)mp(Tensor::zeros({1, 5, 5})); }), "rank 4"));
  layers::GlobalAveragePooling1D g1;
  CHECK_THROWS_AS((void)g1(Tensor::zeros({1, 5, 5, 1})), ShapeError);
}

TEST_CASE("ZeroPadding2D and Cropping2D: shapes, values, configs, gradients") {
  layers::ZeroPadding2D zp;
  CHECK(zp.options().padding == layers::Pad2(1));
  CHECK(zp.compute_output_shape({-1, 3, 4, 2}) == Shape{-1, 5, 6, 2});
  layers::ZeroPadding2D zp2(layers::Pad2({1, 2}, {0, 3}));
  CHECK(zp2.compute_output_shape({-1, 3, 4, 2}) == Shape{-1, 6, 7, 2});
  std::vector<double> xv{1, 2, 3, 4};
  Tensor x = Tensor::from_vector(xv, {1, 2, 2, 1});
  CHECK(values(zp(x)) == std::vector<double>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0});
  CHECK(zp2.get_config()["padding"] == Config::parse("[[1, 2], [0, 3]]"));
  check_round_trip(zp2);
  LayerPtr k = layers::deserialize(Config::parse(R"({"class_name": "ZeroPadding2D", "config": {"padding": [2, 1]}})"));
  CHECK(std::static_pointer_cast<layers::ZeroPadding2D>(k)->options().padding == layers::Pad2(2, 1));
  layers::Cropping2D cr(layers::Pad2({1, 0}, {1, 2}));
  CHECK(cr.compute_output_shape({-1, 5, 6, 3}) == Shape{-1, 4, 3, 3});
  std::vector<double> yv{1, 2, 3, 4, 5, 6, 7, 8, 9};
  Tensor y = Tensor::from_vector(yv, {1, 3, 3, 1});
  layers::Cropping2D cr1(layers::Pad2({1, 0}, {0, 1}));
  CHECK(values(cr1(y)) == std::vector<double>{4, 5, 7, 8});
  CHECK(layers::Cropping2D().get_config()["cropping"] == Config::parse("[[0, 0], [0, 0]]"));
  check_round_trip(cr);
  check_layer_gradients(zp2, {2, 3, 4, 2});
  check_layer_gradients(cr, {2, 5, 6, 2});
  layers::Cropping2D big(layers::Pad2(2));
  const std::string msg = error_message([&] { (void)big(Tensor::zeros({1, 4, 4, 1})); });
  CHECK(contains(msg, "(None, 4, 4, 1)"));
  CHECK(contains(msg, "(None, 0, 0, 1)"));
  CHECK_THROWS_AS(layers::ZeroPadding2D(layers::Pad2(-1)), ValueError);
}

TEST_CASE("UpSampling2D: nearest and bilinear, configs, gradients") {
  layers::UpSampling2D up;
  CHECK(up.options().size == Size2(2));
  CHECK(up.options().interpolation == "nearest");
  CHECK(up.compute_output_shape({-1, 3, 4, 2}) == Shape{-1, 6, 8, 2});
  std::vector<double> xv{1, 2, 3, 4};
  Tensor x = Tensor::from_vector(xv, {1, 2, 2, 1});
  CHECK(values(up(x)) == std::vector<double>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  layers::UpSampling2D bl({.size = {2, 2}, .interpolation = "bilinear"});
  // half-pixel centres (tf.image.resize): 1-D [1, 2] -> [1, 1.25, 1.75, 2]
  Tensor row = Tensor::from_vector(std::vector<double>{1, 2}, {1, 1, 2, 1});
  layers::UpSampling2D blw({.size = {1, 2}, .interpolation = "bilinear"});
  CHECK(values(blw(row)) == std::vector<double>{1, 1.25, 1.75, 2});
  Config c = bl.get_config();
  CHECK(c["size"] == Config::parse("[2, 2]"));
  CHECK(c["interpolation"] == "bilinear");
  check_round_trip(bl);
  check_layer_gradients(up, {2, 3, 2, 2});
  check_layer_gradients(bl, {2, 3, 2, 2});
  layers::UpSampling2D up32(Size2(3, 2));
  check_layer_gradients(up32, {1, 2, 3, 2});
  const std::string msg = error_message([] { layers::UpSampling2D({.interpolation = "bicubic"}); });
  CHECK(contains(msg, "bicubic"));
  CHECK(contains(msg, "nearest"));
  CHECK_THROWS_AS(layers::UpSampling2D({.interpolation = "bicubic"}), ConfigError);
}

namespace {

/// (2, 5, 6, C) values with one NaN in each of a few (image, channel) planes, a corner one
/// included (it sits in the "same" padding windows).
std::vector<double> pool_nan_input(i64 C, std::vector<double>& is_nan) {
  const i64 N = 2, H = 5, W = 6;
  std::vector<double> x = values(random_tensor({N, H, W, C}, 17, -2.0, 2.0));
  is_nan.assign(x.size(), 0.0);
  const i64 spots[][4] = {{0, 1, 1, 0}, {0, 3, 4, 2 % C}, {1, 4, 5, 1}, {1, 0, 0, C - 1}};
  for (const auto& s : spots) {
    const auto k = static_cast<std::size_t>(((s[0] * H + s[1]) * W + s[2]) * C + s[3]);
    x[k] = std::numeric_limits<double>::quiet_NaN();
    is_nan[k] = 1.0;
  }
  return x;
}

}  // namespace

TEST_CASE("pooling ops: NaN propagates through max and average pooling, 2-D, 1-D and global") {
  struct Cfg {
    i64 k, s;
    const char* pad;
  };
  // C = 16 runs the vectorised window loops of every kernel set, C = 3 the scalar ones.
  for (DType dt : {DType::Float32, DType::Float64})
    for (i64 C : {3, 16})
      for (const Cfg cfg : {Cfg{2, 2, "valid"}, Cfg{2, 1, "valid"}, Cfg{3, 2, "same"}, Cfg{2, 2, "same"}})
        for (bool is_max : {true, false}) {
          const std::string dtype = dtype_name(dt), pad = cfg.pad;
          CAPTURE(dtype);
          CAPTURE(C);
          CAPTURE(cfg.k);
          CAPTURE(cfg.s);
          CAPTURE(pad);
          CAPTURE(is_max);
          std::vector<double> nan_at;
          const std::vector<double> xv = pool_nan_input(C, nan_at);
          const Shape xs{2, 5, 6, C};
          Tensor x = Tensor::from_vector(xv, xs).astype(dt).set_requires_grad(true);
          Tensor y = is_max ? ops::max_pool2d(x, cfg.k, cfg.s, cfg.pad) : ops::avg_pool2d(x, cfg.k, cfg.s, cfg.pad);
          const i64 OH = y.shape()[1], OW = y.shape()[2];
          const i64 pt = std::string(cfg.pad) == "same" ? std::max<i64>(0, (OH - 1) * cfg.s + cfg.k - 5) / 2 : 0;
          const i64 pl = std::string(cfg.pad) == "same" ? std::max<i64>(0, (OW - 1) * cfg.s + cfg.k - 6) / 2 : 0;
          const auto has_nan = ref_pool(true, nan_at, xs, cfg.k, cfg.s, pt, pl, OH, OW);
          const auto yv = values(y);
          for (std::size_t i = 0; i < yv.size(); ++i) {
            CAPTURE(i);
            CHECK(std::isnan(yv[i]) == (has_nan[i] == 1.0));
          }
          if (!is_max) continue;
          // The gradient of a NaN window goes to its NaN (PyTorch's rule); nothing turns NaN.
          const auto gy = values(gradients(ops::sum(y), {x})[0]);
          auto covered = [&](i64 p, i64 pad, i64 out_len) {
            for (i64 o = 0; o < out_len; ++o)
              if (o * cfg.s - pad <= p && p < o * cfg.s - pad + cfg.k) return true;
            return false;
          };
          for (std::size_t i = 0; i < gy.size(); ++i) {
            CAPTURE(i);
            CHECK(std::isfinite(gy[i]));
            const i64 h = static_cast<i64>(i) / (6 * C) % 5, w = static_cast<i64>(i) / C % 6;
            if (nan_at[i] == 1.0 && covered(h, pt, OH) && covered(w, pl, OW)) CHECK(gy[i] >= 1.0);
          }
        }
}

TEST_CASE("pooling ops: NaN through 1-D and global pooling, forward and gradient") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dt : {DType::Float32, DType::Float64}) {
    const std::string dtype = dtype_name(dt);
    CAPTURE(dtype);
    // (1, 6, 2): channel 0 holds a NaN at step 2, channel 1 none.
    Tensor x1 = Tensor::from_vector(std::vector<double>{1, 5, 2, -1, nan, 0, 4, 3, 0, 2, -3, 1}, {1, 6, 2})
                    .astype(dt)
                    .set_requires_grad(true);
    const auto mp = values(ops::max_pool1d(x1, 2, 2, "valid"));
    REQUIRE(mp.size() == 6);
    CHECK(mp[0] == 2.0);
    CHECK(std::isnan(mp[2]));
    CHECK(mp[3] == 3.0);
    CHECK(mp[5] == 2.0);
    const auto ap = values(ops::avg_pool1d(x1, 2, 2, "valid"));
    CHECK(std::isnan(ap[2]));
    CHECK(std::isfinite(ap[3]));
    const auto g1 = values(gradients(ops::sum(ops::max_pool1d(x1, 2, 2, "valid")), {x1})[0]);
    CHECK(g1[4] == 1.0);  // the NaN takes its window's gradient
    CHECK(g1[6] == 0.0);

    // Global pooling over (1, 2, 3, 2): NaN in channel 1 only.
    Tensor x4 = Tensor::from_vector(std::vector<double>{1, 2, 3, nan, -1, 0, 7, 1, 2, 2, 0, 9}, {1, 2, 3, 2})
                    .astype(dt)
                    .set_requires_grad(true);
    const auto gm = values(ops::global_max_pool(x4));
    CHECK(gm[0] == 7.0);
    CHECK(std::isnan(gm[1]));
    const auto ga = values(ops::global_avg_pool(x4));
    CHECK(std::isfinite(ga[0]));
    CHECK(std::isnan(ga[1]));
    const auto g4 = values(gradients(ops::sum(ops::global_max_pool(x4)), {x4})[0]);
    CHECK(g4[6] == 1.0);  // the channel-0 maximum 7
    CHECK(g4[3] == 1.0);  // the channel-1 NaN
    CHECK(g4[11] == 0.0);
  }
}

// ================================================================================================
// 3-D pooling (Pooling<3, Kind>) and 3-D global pooling
// ================================================================================================
namespace {
/// Naive NDHWC pooling: windows clipped to the input, average over the positions inside.
std::vector<double> ref_pool3d(bool is_max, const std::vector<double>& x, const Shape& xs, layers::Size3 k,
                               layers::Size3 s, const std::string& pad, const Shape& os) {
  const i64 N = xs[0], D = xs[1], H = xs[2], W = xs[3], C = xs[4];
  const i64 pd = ops::conv_padding_before(D, k.d, pad, s.d), ph = ops::conv_padding_before(H, k.h, pad, s.h),
            pw = ops::conv_padding_before(W, k.w, pad, s.w);
  std::vector<double> y;
  for (i64 n = 0; n < N; ++n)
    for (i64 od = 0; od < os[1]; ++od)
      for (i64 oh = 0; oh < os[2]; ++oh)
        for (i64 ow = 0; ow < os[3]; ++ow)
          for (i64 c = 0; c < C; ++c) {
            double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
            int cnt = 0;
            for (i64 a = 0; a < k.d; ++a)
              for (i64 i = 0; i < k.h; ++i)
                for (i64 j = 0; j < k.w; ++j) {
                  const i64 id = od * s.d - pd + a, ih = oh * s.h - ph + i, iw = ow * s.w - pw + j;
                  if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  const double v = x[static_cast<std::size_t>((((n * D + id) * H + ih) * W + iw) * C + c)];
                  acc = is_max ? std::max(acc, v) : acc + v;
                  ++cnt;
                }
            y.push_back(is_max ? acc : acc / cnt);
          }
  return y;
}
}  // namespace

TEST_CASE("MaxPooling3D / AveragePooling3D: Keras shapes, reference values, gradients, config") {
  layers::MaxPooling3D mp;
  CHECK(mp.class_name() == "MaxPooling3D");
  CHECK(mp.strides() == layers::Size3(2));
  CHECK(mp.compute_output_shape({-1, 5, 6, 7, 3}) == Shape{-1, 2, 3, 3, 3});
  layers::AveragePooling3D ap({.pool_size = {3, 2, 2}, .strides = layers::Size3(2, 1, 3), .padding = "same"});
  CHECK(ap.class_name() == "AveragePooling3D");
  CHECK(ap.compute_output_shape({-1, 5, 6, 7, 3}) == Shape{-1, 3, 6, 3, 3});
  CHECK(ap.get_config()["pool_size"] == Config::parse("[3, 2, 2]"));
  CHECK(ap.get_config()["strides"] == Config::parse("[2, 1, 3]"));
  CHECK(mp.get_config()["strides"] == Config::parse("[2, 2, 2]"));
  check_round_trip(mp);
  check_round_trip(ap);
  CHECK(contains(error_message([&] { (void)mp(Tensor::zeros({1, 5, 5, 1})); }), "rank 5"));
  CHECK_THROWS_AS((void)mp(Tensor::zeros({1, 1, 4, 4, 1})), ShapeError);
  for (const char* pad : {"valid", "same"})
    for (layers::Size3 k : {layers::Size3(2), layers::Size3(3, 2, 1)})
      for (layers::Size3 s : {layers::Size3(1), layers::Size3(2), layers::Size3(2, 3, 1)}) {
        CAPTURE(pad);
        CAPTURE(k.d);
        CAPTURE(s.h);
        layers::MaxPooling3D m({.pool_size = k, .strides = s, .padding = pad});
        layers::AveragePooling3D a({.pool_size = k, .strides = s, .padding = pad});
        Tensor x = random_tensor({2, 5, 4, 3, 2}, 11);
        for (bool is_max : {true, false}) {
          Layer& l = is_max ? static_cast<Layer&>(m) : static_cast<Layer&>(a);
          Tensor y = l(x);
          CHECK(y.shape() == l.compute_output_shape(x.shape()));
          check_close(values(y), ref_pool3d(is_max, values(x), x.shape(), k, s, pad, y.shape()), 1e-12);
          check_layer_gradients(l, {2, 5, 4, 3, 2});
        }
      }
}

TEST_CASE("GlobalAveragePooling3D / GlobalMaxPooling3D: shapes, values, keepdims, gradients") {
  layers::GlobalAveragePooling3D gap;
  layers::GlobalMaxPooling3D gmp({.keepdims = true});
  CHECK(gap.class_name() == "GlobalAveragePooling3D");
  CHECK(gmp.class_name() == "GlobalMaxPooling3D");
  CHECK(gap.compute_output_shape({-1, 3, 4, 5, 6}) == Shape{-1, 6});
  CHECK(gmp.compute_output_shape({-1, 3, 4, 5, 6}) == Shape{-1, 1, 1, 1, 6});
  Tensor x = random_tensor({2, 3, 2, 2, 3}, 5);
  const auto X = values(x), Y = values(gap(x));
  double s = 0;
  for (i64 p = 0; p < 12; ++p) s += X[static_cast<std::size_t>(p * 3 + 1)];  // n 0, channel 1
  CHECK(Y[1] == doctest::Approx(s / 12));
  CHECK(contains(error_message([&] { (void)gap(Tensor::zeros({1, 4, 4, 1})); }), "rank 5"));
  check_layer_gradients(gap, {2, 3, 2, 2, 3});
  check_layer_gradients(gmp, {2, 3, 2, 2, 3});
  check_round_trip(gap);
  check_round_trip(gmp);
}

// ================================================================================================
// arguments declared once (issue 12): strict configs, aliases, round trips
// ================================================================================================
namespace {
ArgumentError pooling_argument_error(const Config& layer, ConfigSource source = ConfigSource::user) {
  try {
    (void)layers::deserialize(layer, source);
  } catch (const ArgumentError& e) {
    return e;
  }
  FAIL("no ArgumentError thrown for " << layer.dump());
  return ArgumentError("", "", "");
}
}  // namespace

TEST_CASE("pooling and resizing layers: unknown keys, bad types and bad values name the argument") {
  ArgumentError e = pooling_argument_error(Config::parse(R"({"class_name": "MaxPooling2D", "config": {"pool_sise": 3}})"));
  CHECK(e.unknown_key());
  CHECK(e.owner() == "MaxPooling2D");
  CHECK(contains(e.what(), "Did you mean 'pool_size'?"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "GlobalAveragePooling2D", "config": {"keep_dims": true}})"),
                             ConfigSource::keras_file);
  CHECK(contains(e.what(), "Did you mean 'keepdims'?"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "AveragePooling1D", "config": {"pool_size": "2"}})"));
  CHECK(e.path() == "pool_size");
  CHECK(contains(e.what(), "AveragePooling1D argument 'pool_size': expected an integer or a list of 1 integer"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "MaxPooling2D", "config": {"strides": [0, 1]}})"));
  CHECK(e.path() == "strides");
  CHECK(contains(e.what(), "positive integers"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "GlobalMaxPooling1D", "config": {"keepdims": "yes"}})"));
  CHECK(contains(e.what(), "GlobalMaxPooling1D argument 'keepdims': expected a boolean"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "ZeroPadding2D", "config": {"padding": [[1, 2], [3]]}})"));
  CHECK(e.path() == "padding");
  e = pooling_argument_error(Config::parse(R"({"class_name": "Cropping2D", "config": {"cropping": -1}})"));
  CHECK(contains(e.what(), "amounts >= 0"));
  e = pooling_argument_error(Config::parse(R"({"class_name": "UpSampling2D", "config": {"interpolation": "bicubic"}})"));
  CHECK(e.path() == "interpolation");
  e = pooling_argument_error(Config::parse(R"({"class_name": "MaxPooling3D", "config": {"data_format": "channels_first"}})"));
  CHECK(e.path() == "data_format");
}

TEST_CASE("pooling and resizing layers: aliases create the right class; configs round-trip unchanged") {
  const std::vector<std::pair<std::string, std::string>> aliases{
      {"MaxPool1D", "MaxPooling1D"},           {"MaxPool2D", "MaxPooling2D"},
      {"MaxPool3D", "MaxPooling3D"},           {"AvgPool1D", "AveragePooling1D"},
      {"AvgPool2D", "AveragePooling2D"},       {"AvgPool3D", "AveragePooling3D"},
      {"GlobalAvgPool1D", "GlobalAveragePooling1D"}, {"GlobalAvgPool2D", "GlobalAveragePooling2D"},
      {"GlobalAvgPool3D", "GlobalAveragePooling3D"}, {"GlobalMaxPool1D", "GlobalMaxPooling1D"},
      {"GlobalMaxPool2D", "GlobalMaxPooling2D"}, {"GlobalMaxPool3D", "GlobalMaxPooling3D"}};
  for (const auto& [alias, cls] : aliases) {
    CAPTURE(alias);
    LayerPtr l = layers::deserialize({{"class_name", alias}, {"config", Config::object()}});
    REQUIRE(l);
    CHECK(l->class_name() == cls);
  }
  std::vector<LayerPtr> all{
      std::make_shared<layers::MaxPooling1D>(layers::Pooling1DOptions{.pool_size = 3, .padding = "same"}),
      std::make_shared<layers::AveragePooling1D>(layers::Pooling1DOptions{.pool_size = 2, .strides = 1}),
      std::make_shared<layers::MaxPooling2D>(layers::Pooling2DOptions{.pool_size = {3, 2}, .name = "p"}),
      std::make_shared<layers::AveragePooling2D>(layers::Pooling2DOptions{.strides = Size2(1, 2), .padding = "same"}),
      std::make_shared<layers::MaxPooling3D>(layers::Pooling3DOptions{.pool_size = {1, 2, 3}}),
      std::make_shared<layers::AveragePooling3D>(layers::Pooling3DOptions{.strides = layers::Size3(1)}),
      std::make_shared<layers::GlobalAveragePooling1D>(),
      std::make_shared<layers::GlobalMaxPooling2D>(layers::GlobalPoolingOptions{.keepdims = true}),
      std::make_shared<layers::GlobalAveragePooling3D>(layers::GlobalPoolingOptions{.keepdims = true}),
      std::make_shared<layers::ZeroPadding2D>(layers::Pad2({1, 2}, {0, 3})),
      std::make_shared<layers::Cropping2D>(layers::Pad2(1, 2)),
      std::make_shared<layers::UpSampling2D>(layers::UpSampling2DOptions{.size = {2, 3}, .interpolation = "BILINEAR"})};
  for (const auto& l : all) {
    CAPTURE(l->class_name());
    check_round_trip(*l);
    Config c = l->get_config();
    const auto entry = layers::registry().get(l->class_name());
    for (auto& [k, v] : c.items())
      CHECK(std::find(entry.arguments.begin(), entry.arguments.end(), k) != entry.arguments.end());
  }
  // Keras writes the effective strides (pool_size when none were given)
  CHECK(layers::MaxPooling1D(3).get_config()["strides"] == Config::parse("[3]"));
  CHECK(layers::UpSampling2D({.interpolation = "BILINEAR"}).get_config()["interpolation"] == "bilinear");
}
