// test_initializers.cpp — Keras initializer math (fans, variance scaling limits and standard
// deviations), constants, orthogonal matrices, seeding, string aliases, configs and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <temper/error.hpp>
#include <temper/initializers.hpp>
#include <temper/random.hpp>
#include <temper/registry.hpp>
#include <temper/arguments.hpp>
#include "support/helpers.hpp"

using namespace temper;
namespace I = temper::initializers;

using temper::testing::error_message;

namespace {

struct Stats {
  double mean, std, min, max;
};

Stats stats(const Tensor& t) {
  std::vector<double> v;
  if (t.dtype() == DType::Float64) {
    v = t.to_vector<double>();
  } else {
    auto f = t.to_vector<float>();
    v.assign(f.begin(), f.end());
  }
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / static_cast<double>(v.size())), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

// 0.87962566103423978 is the standard deviation of a standard normal truncated to [-2, 2].
constexpr double kTruncStd = 0.87962566103423978;

/// Checks a uniform draw on [-limit, limit].
void check_uniform(const Tensor& t, double limit) {
  const auto s = stats(t);
  CHECK(s.min >= -limit);
  CHECK(s.max <= limit);
  CHECK(s.max > 0.99 * limit);
  CHECK(s.min < -0.99 * limit);
  CHECK(s.mean == doctest::Approx(0.0).scale(limit).epsilon(0.01));
  CHECK(s.std == doctest::Approx(limit / std::sqrt(3.0)).epsilon(0.01));
}

/// Checks a truncated normal whose *resulting* standard deviation is `target` (Keras divides
/// the parameter by 0.8796 so that truncation lands on the intended variance).
void check_truncated(const Tensor& t, double target) {
  const auto s = stats(t);
  const double param = target / kTruncStd;
  CHECK(s.std == doctest::Approx(target).epsilon(0.015));
  CHECK(s.max <= 2 * param * (1 + 1e-6));
  CHECK(s.min >= -2 * param * (1 + 1e-6));
  CHECK(s.max > 1.95 * param);
  CHECK(s.mean == doctest::Approx(0.0).scale(target).epsilon(0.01));
}

}  // namespace

TEST_CASE("initializers: compute_fans follows Keras") {
  CHECK(I::compute_fans({}) == std::pair<double, double>{1, 1});
  CHECK(I::compute_fans({7}) == std::pair<double, double>{7, 7});
  CHECK(I::compute_fans({400, 300}) == std::pair<double, double>{400, 300});
  // conv kernels (kh, kw, in, out): receptive field = kh * kw
  CHECK(I::compute_fans({3, 3, 16, 32}) == std::pair<double, double>{144, 288});
  CHECK(I::compute_fans({5, 8, 4}) == std::pair<double, double>{40, 20});
  CHECK(I::compute_fans({2, 3, 5, 7, 11}) == std::pair<double, double>{7 * 30, 11 * 30});
}

TEST_CASE("initializers: variance scaling family on a (400, 300) kernel") {
  const Shape shape{400, 300};
  const double fan_in = 400, fan_out = 300, fan_avg = 350;
  Generator g(42);
  SUBCASE("GlorotUniform: limit sqrt(6 / (in + out))") {
    Tensor w = I::GlorotUniform()(shape, g);
    CHECK(w.shape() == shape);
    CHECK(w.dtype() == DType::Float32);
    check_uniform(w, std::sqrt(6.0 / (fan_in + fan_out)));
    check_uniform(I::Initializer("glorot_uniform")(shape, g), std::sqrt(6.0 / (fan_in + fan_out)));
    check_uniform(I::Initializer()(shape, g), std::sqrt(6.0 / (fan_in + fan_out)));  // the default
  }
  SUBCASE("GlorotNormal: truncated, std sqrt(2 / (in + out))") {
    check_truncated(I::GlorotNormal()(shape, g), std::sqrt(2.0 / (fan_in + fan_out)));
  }
  SUBCASE("HeUniform / HeNormal: scale 2, fan_in") {
    check_uniform(I::HeUniform()(shape, g), std::sqrt(6.0 / fan_in));
    check_truncated(I::HeNormal()(shape, g), std::sqrt(2.0 / fan_in));
  }
  SUBCASE("LecunUniform / LecunNormal: scale 1, fan_in") {
    check_uniform(I::LecunUniform()(shape, g), std::sqrt(3.0 / fan_in));
    check_truncated(I::LecunNormal()(shape, g), std::sqrt(1.0 / fan_in));
  }
  SUBCASE("VarianceScaling: every mode and distribution") {
    check_truncated(I::VarianceScaling()(shape, g), std::sqrt(1.0 / fan_in));  // Keras defaults
    check_truncated(I::VarianceScaling({.scale = 3.0, .mode = "fan_out"})(shape, g), std::sqrt(3.0 / fan_out));
    check_uniform(I::VarianceScaling({.scale = 2.0, .mode = "fan_avg", .distribution = "uniform"})(shape, g),
                  std::sqrt(3.0 * 2.0 / fan_avg));
    const auto s = stats(I::VarianceScaling({.scale = 0.5, .mode = "fan_in", .distribution = "untruncated_normal"})(shape, g));
    CHECK(s.std == doctest::Approx(std::sqrt(0.5 / fan_in)).epsilon(0.015));
    CHECK(s.max > 3.5 * std::sqrt(0.5 / fan_in));  // not truncated
  }
  SUBCASE("conv kernel uses the receptive field") {
    check_uniform(I::GlorotUniform()({3, 3, 64, 64}, g), std::sqrt(6.0 / (9 * 64 + 9 * 64)));
  }
  SUBCASE("float64 draws") {
    Tensor w = I::HeNormal()(shape, g, DType::Float64);
    CHECK(w.dtype() == DType::Float64);
    check_truncated(w, std::sqrt(2.0 / fan_in));
  }
}

TEST_CASE("initializers: random and constant initializers") {
  Generator g(7);
  const Shape shape{400, 300};
  check_uniform(I::RandomUniform()(shape, g), 0.05);  // Keras default (-0.05, 0.05)
  check_uniform(I::Initializer("uniform")(shape, g), 0.05);
  {
    const auto s = stats(I::RandomUniform({.minval = 1.0, .maxval = 3.0})(shape, g));
    CHECK(s.min >= 1.0);
    CHECK(s.max < 3.0);
    CHECK(s.mean == doctest::Approx(2.0).epsilon(0.01));
  }
  {
    const auto s = stats(I::RandomNormal()(shape, g));  // Keras default (0, 0.05)
    CHECK(s.std == doctest::Approx(0.05).epsilon(0.015));
    CHECK(s.max > 0.15);
    const auto n = stats(I::Initializer("normal")(shape, g));
    CHECK(n.std == doctest::Approx(0.05).epsilon(0.015));
    const auto m = stats(I::RandomNormal({.mean = -1.0, .stddev = 0.2})(shape, g));
    CHECK(m.mean == doctest::Approx(-1.0).epsilon(0.01));
    CHECK(m.std == doctest::Approx(0.2).epsilon(0.015));
  }
  {
    // TruncatedNormal(0, 0.05): values beyond two stddevs are redrawn (no rescaling)
    const auto s = stats(I::TruncatedNormal()(shape, g));
    CHECK(s.max <= 0.1 + 1e-7);
    CHECK(s.min >= -0.1 - 1e-7);
    CHECK(s.std == doctest::Approx(0.05 * kTruncStd).epsilon(0.015));
  }
  auto all_equal = [](const Tensor& t, double v) {
    for (float x : t.to_vector<float>())
      if (x != static_cast<float>(v)) return false;
    return true;
  };
  CHECK(all_equal(I::Zeros()({3, 4}, g), 0.0));
  CHECK(all_equal(I::Ones()({3, 4}, g), 1.0));
  CHECK(all_equal(I::Constant(0.75)({5}, g), 0.75));
  CHECK(all_equal(I::Constant()({5}, g), 0.0));
  CHECK(all_equal(I::Initializer("zeros")({2}, g), 0.0));
  CHECK(all_equal(I::Initializer("zero")({2}, g), 0.0));
  CHECK(all_equal(I::Initializer("ones")({2}, g), 1.0));
  CHECK(all_equal(I::Initializer("one")({2}, g), 1.0));
  CHECK(I::Ones()({2, 2}, g, DType::Float64).to_vector<double>() == std::vector<double>(4, 1.0));
  // a scalar shape works
  CHECK(I::Constant(2.0)({}, g).item() == 2.0);
  CHECK(I::GlorotUniform()({}, g).numel() == 1);
}

TEST_CASE("initializers: orthogonal gives Q^T Q = gain^2 I, tall and wide") {
  Generator g(3);
  auto gram = [](const std::vector<double>& q, std::int64_t rows, std::int64_t cols, bool columns) {
    // columns: Q^T Q (cols x cols); else Q Q^T (rows x rows)
    const std::int64_t n = columns ? cols : rows, k = columns ? rows : cols;
    std::vector<double> out(static_cast<std::size_t>(n * n));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::int64_t p = 0; p < k; ++p)
          s += columns ? q[static_cast<std::size_t>(p * cols + i)] * q[static_cast<std::size_t>(p * cols + j)]
                       : q[static_cast<std::size_t>(i * cols + p)] * q[static_cast<std::size_t>(j * cols + p)];
        out[static_cast<std::size_t>(i * n + j)] = s;
      }
    return out;
  };
  auto check_identity = [](const std::vector<double>& m, std::int64_t n, double diag) {
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j)
        CHECK(m[static_cast<std::size_t>(i * n + j)] == doctest::Approx(i == j ? diag : 0.0).scale(1).epsilon(1e-10));
  };
  // tall (rows >= cols): orthonormal columns
  Tensor tall = I::Orthogonal()({8, 5}, g, DType::Float64);
  check_identity(gram(tall.to_vector<double>(), 8, 5, true), 5, 1.0);
  // wide: orthonormal rows
  Tensor wide = I::Orthogonal({.gain = 2.0})({4, 9}, g, DType::Float64);
  check_identity(gram(wide.to_vector<double>(), 4, 9, false), 4, 4.0);
  // square, and a 3-d kernel flattened to (prod(shape[:-1]), shape[-1])
  Tensor sq = I::Orthogonal()({6, 6}, g, DType::Float64);
  check_identity(gram(sq.to_vector<double>(), 6, 6, true), 6, 1.0);
  check_identity(gram(sq.to_vector<double>(), 6, 6, false), 6, 1.0);
  Tensor t3 = I::Orthogonal({.gain = 0.5})({2, 3, 4}, g, DType::Float64);
  CHECK(t3.shape() == Shape{2, 3, 4});
  check_identity(gram(t3.to_vector<double>(), 6, 4, true), 4, 0.25);
  // float32 (the default) is orthogonal to float32 precision
  Tensor f = I::Initializer("orthogonal")({5, 5}, g);
  CHECK(f.dtype() == DType::Float32);
  auto fv = f.to_vector<float>();
  const auto fm = gram(std::vector<double>(fv.begin(), fv.end()), 5, 5, true);
  for (std::int64_t i = 0; i < 5; ++i) CHECK(fm[static_cast<std::size_t>(i * 5 + i)] == doctest::Approx(1.0).epsilon(1e-5));
  // not just the identity: draws are random
  CHECK(std::abs(tall.to_vector<double>()[0]) != doctest::Approx(1.0));
  CHECK_THROWS_AS(I::Orthogonal()({5}, g), ShapeError);
}

TEST_CASE("initializers: seeding") {
  // an initializer with a seed draws the same values every time, whatever the generator
  Generator g1(1), g2(2);
  for (const I::Initializer& init :
       {I::GlorotUniform({.seed = 5}), I::GlorotNormal({.seed = 5}), I::HeNormal({.seed = 5}),
        I::RandomNormal({.seed = 5}), I::RandomUniform({.seed = 5}), I::TruncatedNormal({.seed = 5}),
        I::Orthogonal({.seed = 5}), I::VarianceScaling({.seed = 5})}) {
    CAPTURE(init.class_name());
    Tensor a = init({20, 10}, g1), b = init({20, 10}, g2);
    CHECK(a.to_vector<float>() == b.to_vector<float>());
  }
  // different seeds differ
  CHECK(I::GlorotUniform({.seed = 5})({20, 10}, g1).to_vector<float>() !=
        I::GlorotUniform({.seed = 6})({20, 10}, g1).to_vector<float>());
  // unseeded: drawn from the generator, reproducible from the generator's seed
  Generator a(11), b(11);
  Tensor x1 = I::HeUniform()({20, 10}, a), y1 = I::HeUniform()({20, 10}, b);
  CHECK(x1.to_vector<float>() == y1.to_vector<float>());
  Tensor x2 = I::HeUniform()({20, 10}, a);  // the stream advances
  CHECK(x1.to_vector<float>() != x2.to_vector<float>());
  Generator c(12);
  CHECK(I::HeUniform()({20, 10}, c).to_vector<float>() != x1.to_vector<float>());
  // the seed survives a config round trip
  I::Initializer r = I::get(I::GlorotUniform({.seed = 9}).get_config());
  CHECK(r({4, 4}, g1).to_vector<float>() == I::GlorotUniform({.seed = 9})({4, 4}, g2).to_vector<float>());
}

TEST_CASE("initializers: string aliases and class names") {
  const std::vector<std::pair<std::string, std::string>> aliases = {
      {"glorot_uniform", "GlorotUniform"}, {"glorot_normal", "GlorotNormal"},
      {"he_uniform", "HeUniform"},         {"he_normal", "HeNormal"},
      {"lecun_uniform", "LecunUniform"},   {"lecun_normal", "LecunNormal"},
      {"variance_scaling", "VarianceScaling"}, {"zeros", "Zeros"}, {"zero", "Zeros"},
      {"ones", "Ones"},                    {"one", "Ones"},
      {"constant", "Constant"},            {"random_uniform", "RandomUniform"},
      {"uniform", "RandomUniform"},        {"random_normal", "RandomNormal"},
      {"normal", "RandomNormal"},          {"truncated_normal", "TruncatedNormal"},
      {"orthogonal", "Orthogonal"}};
  for (const auto& [alias, cls] : aliases) {
    CAPTURE(alias);
    CHECK(I::Initializer(alias).class_name() == cls);
    CHECK(I::get(Config(alias)).class_name() == cls);
    CHECK(I::Initializer(cls).class_name() == cls);
  }
  const auto names = I::names();
  for (const auto& [alias, cls] : aliases) CHECK(std::find(names.begin(), names.end(), alias) != names.end());
}

TEST_CASE("initializers: configs match Keras and round trip through get") {
  Config c = I::GlorotUniform().get_config();
  CHECK(c["class_name"] == "GlorotUniform");
  CHECK(c["module"] == "keras.initializers");
  CHECK(c["config"] == Config{{"seed", nullptr}});
  CHECK(c["registered_name"].is_null());
  CHECK(I::Zeros().get_config()["config"] == Config::object());
  CHECK(I::Constant(0.5).get_config()["config"] == Config{{"value", 0.5}});
  CHECK(I::RandomUniform().get_config()["config"] == Config{{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}});
  CHECK(I::RandomNormal().get_config()["config"] == Config{{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}});
  CHECK(I::TruncatedNormal({.seed = 3}).get_config()["config"] == Config{{"mean", 0.0}, {"stddev", 0.05}, {"seed", 3}});
  CHECK(I::Orthogonal().get_config()["config"] == Config{{"gain", 1.0}, {"seed", nullptr}});
  CHECK(I::VarianceScaling().get_config()["config"] ==
        Config{{"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}, {"seed", nullptr}});
  // a string alias gets the same config as the class
  CHECK(I::Initializer("uniform").get_config() == I::RandomUniform().get_config());
  const std::vector<I::Initializer> all = {
      I::GlorotUniform(), I::GlorotNormal({.seed = 1}), I::HeUniform(), I::HeNormal(), I::LecunUniform(),
      I::LecunNormal(), I::VarianceScaling({.scale = 2.0, .mode = "fan_avg", .distribution = "uniform", .seed = 4}),
      I::Zeros(), I::Ones(), I::Constant(3.5), I::RandomUniform({.minval = -1, .maxval = 2}),
      I::RandomNormal({.mean = 1, .stddev = 2}), I::TruncatedNormal(), I::Orthogonal({.gain = 1.5})};
  for (const auto& init : all) {
    CAPTURE(init.class_name());
    const Config cfg = init.get_config();
    const I::Initializer back = I::get(cfg);
    CHECK(back.class_name() == init.class_name());
    CHECK(back.get_config() == cfg);
    // through JSON text too
    CHECK(I::get(Config::parse(cfg.dump())).get_config() == cfg);
  }
  // Keras's form without module/registered_name, and a partial config keeping defaults
  I::Initializer partial = I::get(Config{{"class_name", "RandomUniform"}, {"config", {{"maxval", 1.0}}}});
  CHECK(partial.config()["minval"] == -0.05);
  CHECK(partial.config()["maxval"] == 1.0);
}

TEST_CASE("initializers: bad names and configs") {
  const std::string msg = error_message([] { I::Initializer("glorot_unifrom"); });
  CHECK(msg.find("Did you mean 'glorot_uniform'") != std::string::npos);
  CHECK_THROWS_AS(I::Initializer("glorot_unifrom"), UnknownNameError);
  CHECK_THROWS_AS(I::get(Config("nope")), UnknownNameError);
  CHECK_THROWS_AS(I::get(Config{{"class_name", "NoSuchInit"}, {"config", Config::object()}}), UnknownNameError);
  CHECK_THROWS_AS(I::get(Config(3)), ConfigError);
  // an argument the class does not take
  const std::string key = error_message([] { I::Initializer("Zeros", Config{{"value", 1.0}}); });
  CHECK(key.find("value") != std::string::npos);
  CHECK_THROWS_AS(I::Initializer("Zeros", Config{{"value", 1.0}}), ConfigError);
  // invalid arguments are refused when the initializer is made, as Keras does
  CHECK_THROWS_AS(I::VarianceScaling({.scale = 0.0}), ValueError);
  CHECK_THROWS_AS(I::VarianceScaling({.mode = "fan_sideways"}), ValueError);
  CHECK_THROWS_AS(I::VarianceScaling({.distribution = "cauchy"}), ValueError);
  // from a config, the argument table names the argument (an ArgumentError, a ConfigError)
  const std::string mode = error_message([] { I::get(Config{{"class_name", "VarianceScaling"}, {"config", {{"mode", "bad"}}}}); });
  CHECK(mode.find("VarianceScaling argument 'mode'") != std::string::npos);
  CHECK(mode.find("'fan_avg'") != std::string::npos);
  CHECK_THROWS_AS(I::get(Config{{"class_name", "VarianceScaling"}, {"config", {{"mode", "bad"}}}}), ArgumentError);
  CHECK_THROWS_AS(I::RandomUniform({.minval = 1, .maxval = 0}), ValueError);
  CHECK_THROWS_AS(I::RandomNormal({.stddev = -1}), ValueError);
  CHECK_THROWS_AS(I::TruncatedNormal({.stddev = -1}), ValueError);
}

TEST_CASE("initializers: Identity and the Keras 3.7 renames through the registry") {
  Generator g(1);
  const Tensor eye = I::Identity({.gain = 2.0})({2, 3}, g, DType::Float64);
  CHECK(eye.to_vector<double>() == std::vector<double>{2, 0, 0, 0, 2, 0});
  CHECK_THROWS_AS(I::Identity()({2, 2, 2}, g), ShapeError);
  // Keras before 3.7 wrote IdentityInitializer / OrthogonalInitializer
  CHECK(I::get(Config{{"class_name", "IdentityInitializer"}, {"config", {{"gain", 1.0}}}}).class_name() == "Identity");
  CHECK(I::get(Config{{"class_name", "OrthogonalInitializer"}, {"config", {{"gain", 1.0}, {"seed", nullptr}}}})
            .class_name() == "Orthogonal");
  CHECK(I::Initializer("identity").class_name() == "Identity");
  CHECK(I::registry().contains("GlorotUniform"));
  CHECK(I::registry().contains("glorot_uniform"));
  const I::Initializer id = I::Identity({.gain = 0.5});
  CHECK(I::get(id.get_config()).get_config() == id.get_config());
}

TEST_CASE("initializers: unknown arguments are ArgumentErrors with a did-you-mean") {
  const std::string msg = error_message(
      [] { I::get(Config{{"class_name", "RandomUniform"}, {"config", {{"maxvalue", 1.0}}}}); });
  CHECK(msg.find("RandomUniform argument 'maxvalue'") != std::string::npos);
  CHECK(msg.find("Did you mean 'maxval'") != std::string::npos);
  CHECK_THROWS_AS(I::get(Config{{"class_name", "RandomUniform"}, {"config", {{"maxvalue", 1.0}}}}), ArgumentError);
  const std::string type = error_message(
      [] { I::get(Config{{"class_name", "Constant"}, {"config", {{"value", "one"}}}}); });
  CHECK(type.find("expected a number, found a string 'one'") != std::string::npos);
}

TEST_CASE("initializers: Keras 3.15 input_axes / output_axes set the fans") {
  // GlorotUniform on (2, 3, 4) with input_axes [0, 1], output_axes [2]: fan_in 6, fan_out 4,
  // scale 1 / 5, limit sqrt(3 / 5).
  const Config cfg = Config::parse(R"({"class_name": "GlorotUniform",
      "config": {"seed": 1, "input_axes": [0, 1], "output_axes": [-1]}})");
  const I::Initializer init = I::get(cfg);
  Generator g(3);
  const auto v = init({2, 3, 4}, g, DType::Float64).to_vector<double>();
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  CHECK(m <= std::sqrt(3.0 / 5.0));
  CHECK(init.get_config()["config"]["input_axes"] == Config::parse("[0, 1]"));
  CHECK(I::get(init.get_config()).get_config() == init.get_config());
  // null axes (what Keras 3.15 writes by default) are the default fans
  CHECK(I::get(Config::parse(R"({"class_name": "HeNormal", "config": {"seed": null, "input_axes": null,
      "output_axes": null}})")).get_config()["config"] == Config{{"seed", nullptr}});
  // "normal" is Keras's old name of truncated_normal
  CHECK(I::get(Config::parse(R"({"class_name": "VarianceScaling", "config": {"distribution": "normal"}})"))
            .config()["distribution"] == "truncated_normal");
}
