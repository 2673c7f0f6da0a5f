// test_noise.cpp — SpatialDropout1D/2D/3D, GaussianNoise and GaussianDropout: identity at
// inference, the right statistics in training (whole channels dropped, noise mean and
// spread), seeded reproducibility, gradients, Keras configs and the errors users hit.
#include <doctest/doctest.h>

#include <cmath>
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

namespace {

void check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double var_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("SpatialDropout2D drops whole channels in training and is the identity at inference") {
  layers::SpatialDropout2D sd(0.5);
  CHECK(sd.class_name() == "SpatialDropout2D");
  const std::int64_t N = 16, H = 3, W = 4, C = 32;
  Tensor x = Tensor::ones({N, H, W, C});
  Tensor yi = sd(x, false);
  CHECK(yi.buffer() == x.buffer());
  auto y = values(sd(x, true));
  int dropped = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c) {
      const double first = y[static_cast<std::size_t>(n * H * W * C + c)];
      CHECK((first == 0.0 || first == 2.0));  // kept channels are scaled by 1 / (1 - rate)
      dropped += first == 0.0 ? 1 : 0;
      bool same = true;  // every position of a feature map shares the draw
      for (std::int64_t p = 0; p < H * W; ++p) same = same && y[static_cast<std::size_t>((n * H * W + p) * C + c)] == first;
      CHECK(same);
    }
  CHECK(dropped > 512 * 0.4);
  CHECK(dropped < 512 * 0.6);
  // channels_first: the draw is shared along the last two axes
  layers::SpatialDropout2D cf({.rate = 0.5, .data_format = "channels_first"});
  auto z = values(cf(Tensor::ones({2, 8, 3, 3}), true));
  for (std::size_t m = 0; m < 16; ++m)
    for (std::size_t p = 1; p < 9; ++p) CHECK(z[m * 9 + p] == z[m * 9]);
}

TEST_CASE("SpatialDropout: seeds, gradients, config and errors") {
  layers::SpatialDropout1D a({.rate = 0.3, .seed = 42}), b({.rate = 0.3, .seed = 42});
  Tensor x = random_tensor({4, 5, 6}, 1).astype(DType::Float32);
  CHECK(values(a(x, true)) == values(b(x, true)));
  // gradient: the same mask scales the gradient (reset the stream so f is deterministic)
  layers::SpatialDropout1D g({.rate = 0.4});
  Tensor x64 = random_tensor({3, 4, 5}, 2);
  (void)g(x64, false);
  check_gradients(
      [&](const Inputs& v) {
        g.generator().set_counter(0);
        return g(v[0], true);
      },
      {x64});
  Config c = a.get_config();
  CHECK(c["rate"] == 0.3);
  CHECK(c["seed"] == 42);
  CHECK(c["dtype"] == "float32");
  CHECK_FALSE(c.contains("data_format"));  // Keras's SpatialDropout1D has none
  check_round_trip(a);
  layers::SpatialDropout2D d2(0.2);
  CHECK(d2.get_config()["data_format"] == "channels_last");
  CHECK(d2.get_config()["seed"].is_null());
  check_round_trip(d2);
  check_round_trip(layers::SpatialDropout3D(0.1));

  CHECK(contains(error_message([] { layers::SpatialDropout2D s(1.5); }), "1.5"));
  std::string msg = error_message([] { layers::SpatialDropout2D s(0.5); (void)s(Tensor::ones({2, 3, 4})); });
  CHECK(contains(msg, "rank 4"));
  CHECK(contains(msg, "(None, 3, 4)"));
  CHECK(contains(error_message([] { layers::SpatialDropout2D s({.rate = 0.1, .data_format = "nhwc"}); }), "nhwc"));
}

TEST_CASE("GaussianNoise adds N(0, stddev) noise in training only") {
  layers::GaussianNoise gn(0.5);
  Tensor x = Tensor::full({200, 100}, 3.0);
  CHECK(gn(x, false).buffer() == x.buffer());
  auto y = values(gn(x, true));
  CHECK(std::abs(mean_of(y) - 3.0) < 0.01);
  CHECK(std::abs(std::sqrt(var_of(y)) - 0.5) < 0.01);
  // gradient is the identity
  Tensor x64 = random_tensor({3, 4}, 3);
  check_gradients(
      [&](const Inputs& v) {
        gn.generator().set_counter(0);
        return gn(v[0], true);
      },
      {x64});
  layers::GaussianNoise s1({.stddev = 0.1, .seed = 7}), s2({.stddev = 0.1, .seed = 7});
  CHECK(values(s1(x, true)) == values(s2(x, true)));
  Config c = s1.get_config();
  CHECK(c["stddev"] == 0.1);
  CHECK(c["seed"] == 7);
  CHECK(c["trainable"] == true);
  check_round_trip(s1);
  CHECK(contains(error_message([] { layers::GaussianNoise g(-0.5); }), "-0.5"));
  CHECK(contains(error_message([] { layers::GaussianNoise g(2.0); }), "2.0"));
}

TEST_CASE("GaussianDropout multiplies by N(1, rate / (1 - rate)) noise in training only") {
  layers::GaussianDropout gd(0.2);
  Tensor x = Tensor::full({200, 100}, 2.0);
  CHECK(gd(x, false).buffer() == x.buffer());
  auto y = values(gd(x, true));
  CHECK(std::abs(mean_of(y) - 2.0) < 0.02);
  CHECK(std::abs(std::sqrt(var_of(y)) - 2.0 * std::sqrt(0.2 / 0.8)) < 0.02);
  Tensor x64 = random_tensor({3, 4}, 4);
  check_gradients(
      [&](const Inputs& v) {
        gd.generator().set_counter(0);
        return gd(v[0], true);
      },
      {x64});
  layers::GaussianDropout s1({.rate = 0.3, .seed = 9});
  Config c = s1.get_config();
  CHECK(c["rate"] == 0.3);
  CHECK(c["seed"] == 9);
  check_round_trip(s1);
  CHECK(contains(error_message([] { layers::GaussianDropout g(1.0); }), "1.0"));
  // float64 inputs keep their dtype
  CHECK(gd(random_tensor({2, 2}, 5), true).dtype() == DType::Float64);
}

TEST_CASE("noise layer configs: seeds, Keras spellings and errors that name the argument") {
  // seed: null or a non-negative integer
  auto g = layers::deserialize(Config::parse(R"({"class_name": "GaussianNoise", "config": {"stddev": 0.1, "seed": 7}})"));
  CHECK(g->get_config()["seed"] == 7);
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(
                       Config::parse(R"({"class_name": "GaussianDropout", "config": {"rate": 0.1, "seed": "7"}})"));
                 }),
                 "GaussianDropout argument 'seed': expected a non-negative integer, found a string '7'"));
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "GaussianNoise", "config": {"seed": 1}})"));
                 }),
                 "GaussianNoise argument 'stddev': missing required argument"));
  // Keras 3 SpatialDropout1D: rate, seed, name, dtype (no data_format, no trainable)
  auto s1 = layers::deserialize(Config::parse(
      R"({"class_name": "SpatialDropout1D", "config": {"rate": 0.2, "seed": null, "name": "sd", "dtype": "float32"}})"));
  CHECK(s1->get_config() == Config::parse(R"({"rate": 0.2, "seed": null, "name": "sd", "dtype": "float32"})"));
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(
                       R"({"class_name": "SpatialDropout1D", "config": {"rate": 0.2, "data_format": "channels_last"}})"));
                 }),
                 "SpatialDropout1D argument 'data_format': unknown argument"));
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(
                       R"({"class_name": "SpatialDropout3D", "config": {"rate": 0.2, "data_format": "nhwc"}})"));
                 }),
                 "SpatialDropout3D argument 'data_format': expected one of 'channels_last', 'channels_first'"));
  // tf.keras 2 wrote Dropout's noise_shape (null) for the spatial dropouts
  auto s2 = layers::deserialize(Config::parse(
      R"({"class_name": "SpatialDropout2D", "config": {"rate": 0.2, "noise_shape": null, "seed": 3, "trainable": true}})"));
  CHECK(s2->get_config()["seed"] == 3);
}
