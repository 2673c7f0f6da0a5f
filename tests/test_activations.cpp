// test_activations.cpp — activations by name (Keras: keras.activations.get), their Keras
// values, configs, custom callables and unknown names.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <temper/activations.hpp>
#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/layers.hpp>
#include <temper/model.hpp>
#include <temper/ops.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
namespace A = temper::activations;

using temper::testing::error_message;

namespace {

Tensor f64(const std::vector<double>& v) { return Tensor::from_vector(v); }

std::vector<double> act(const A::Activation& a, const std::vector<double>& xs) {
  return a(f64(xs)).to_vector<double>();
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("activations: every built-in name resolves and computes its function") {
  const std::vector<double> xs = {-4.0, -1.5, -0.5, 0.25, 1.0, 2.5, 7.0};
  const double sa = 1.6732632423543772848170429916717, ss = 1.0507009873554804934193349852946;
  struct Ref {
    std::string name;
    std::function<double(double)> f;
  };
  const std::vector<Ref> refs = {
      {"linear", [](double x) { return x; }},
      {"relu", [](double x) { return std::max(x, 0.0); }},
      {"relu6", [](double x) { return std::min(std::max(x, 0.0), 6.0); }},
      {"leaky_relu", [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"sigmoid", sigmoid},
      {"tanh", [](double x) { return std::tanh(x); }},
      {"gelu", [](double x) { return 0.5 * x * (1 + std::erf(x / std::numbers::sqrt2)); }},
      {"elu", [](double x) { return x > 0 ? x : std::expm1(x); }},
      {"selu", [=](double x) { return ss * (x > 0 ? x : sa * std::expm1(x)); }},
      {"softplus", [](double x) { return std::log1p(std::exp(x)); }},
      {"softsign", [](double x) { return x / (1 + std::abs(x)); }},
      {"silu", [](double x) { return x * sigmoid(x); }},
      {"swish", [](double x) { return x * sigmoid(x); }},
      {"hard_sigmoid", [](double x) { return std::min(std::max(x + 3, 0.0), 6.0) / 6; }},
      {"exponential", [](double x) { return std::exp(x); }},
  };
  for (const auto& r : refs) {
    CAPTURE(r.name);
    A::Activation a = A::get(r.name);
    // Keras serialises an alias by the function's own name: "swish" is silu
    const std::string canonical = r.name == "swish" ? "silu" : r.name;
    CHECK(a.name() == canonical);
    CHECK(a.get_config() == Config(canonical));
    const auto y = act(a, xs);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      CAPTURE(xs[i]);
      CHECK(y[i] == doctest::Approx(r.f(xs[i])).epsilon(1e-12));
    }
  }
  // softmax and log_softmax work over the last axis
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 1, 1, 1}, {2, 3});
  const auto sm = A::get("softmax")(x).to_vector<double>();
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  CHECK(sm[0] == doctest::Approx(std::exp(1.0) / z));
  CHECK(sm[2] == doctest::Approx(std::exp(3.0) / z));
  CHECK(sm[4] == doctest::Approx(1.0 / 3));
  const auto lsm = A::get("log_softmax")(x).to_vector<double>();
  CHECK(lsm[1] == doctest::Approx(2.0 - std::log(z)));
  // names() lists every name that resolves, and nothing else
  std::vector<std::string> expected;
  for (const auto& r : refs) expected.push_back(r.name);
  expected.push_back("softmax");
  expected.push_back("log_softmax");
  const auto names = A::names();
  CHECK(names.size() == expected.size());
  for (const auto& n : expected) {
    CAPTURE(n);
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
  }
  for (const auto& n : names) CHECK_NOTHROW(A::Activation{n});
}

TEST_CASE("activations: Keras values at a few points") {
  // selu(1) = scale, selu(-1) = scale * alpha * (e^-1 - 1)
  CHECK(act("selu", {1.0})[0] == doctest::Approx(1.0507009873554805).epsilon(1e-12));
  CHECK(act("selu", {-1.0})[0] == doctest::Approx(-1.1113307378125628).epsilon(1e-12));
  // gelu exact (Keras activations.gelu default approximate=False) vs the tanh approximation
  CHECK(act("gelu", {1.0})[0] == doctest::Approx(0.8413447460685429).epsilon(1e-12));
  CHECK(ops::gelu(f64({1.0}), true).item() == doctest::Approx(0.8411919906082768).epsilon(1e-12));
  CHECK(act("gelu", {-2.0})[0] == doctest::Approx(-0.04550026389635842).epsilon(1e-10));
  // Keras 3 hard_sigmoid = relu6(x + 3) / 6 (Keras 2 used 0.2 x + 0.5)
  const auto hs = act("hard_sigmoid", {-3.5, -3.0, 0.0, 1.0, 3.0, 4.0});
  CHECK(hs[0] == 0.0);
  CHECK(hs[1] == 0.0);
  CHECK(hs[2] == doctest::Approx(0.5));
  CHECK(hs[3] == doctest::Approx(4.0 / 6.0));
  CHECK(hs[4] == doctest::Approx(1.0));
  CHECK(hs[5] == doctest::Approx(1.0));
  // leaky_relu as a function defaults to negative_slope 0.2 (the LeakyReLU layer uses 0.3)
  CHECK(act("leaky_relu", {-2.0})[0] == doctest::Approx(-0.4));
  CHECK(ops::leaky_relu(f64({-2.0})).item() == doctest::Approx(-0.4));
  // elu alpha 1, relu6 caps at 6, softplus(0) = log 2, silu(1) = sigmoid(1)
  CHECK(act("elu", {-1.0})[0] == doctest::Approx(std::exp(-1.0) - 1));
  CHECK(act("relu6", {7.5})[0] == 6.0);
  CHECK(act("softplus", {0.0})[0] == doctest::Approx(std::log(2.0)));
  CHECK(act("silu", {1.0})[0] == doctest::Approx(0.7310585786300049));
  CHECK(act("exponential", {1.0})[0] == doctest::Approx(std::exp(1.0)));
}

TEST_CASE("activations: linear defaults, null and config objects") {
  A::Activation def;
  CHECK(def.name() == "linear");
  CHECK(def.is_linear());
  Tensor x = f64({-1.0, 2.0});
  CHECK(def(x).buffer() == x.buffer());  // identity returns its input
  CHECK(A::get(Config(nullptr)).is_linear());
  CHECK(A::get(Config("None")).is_linear());
  CHECK(A::Activation("").is_linear());
  CHECK_FALSE(A::Activation("relu").is_linear());
  // Keras 3 may serialise a built-in as {"module": "keras.activations", "class_name": "function",
  // "config": "relu", "registered_name": "function"}
  Config serialized = {{"module", "keras.activations"}, {"class_name", "function"},
                       {"config", "relu"}, {"registered_name", "function"}};
  CHECK(A::get(serialized).name() == "relu");
  CHECK(A::get(Config{{"class_name", "tanh"}}).name() == "tanh");
  // round trip through get_config
  for (const auto& n : A::names())
    CHECK(A::get(A::Activation(n).get_config()).name() == A::Activation(n).name());
  CHECK_THROWS_AS(A::get(Config(3)), ConfigError);
  CHECK_THROWS_AS(A::get(Config::array()), ConfigError);
}

TEST_CASE("activations: unknown names suggest the closest") {
  const std::string msg = error_message([] { A::get("rleu"); });
  CHECK(msg.find("Did you mean 'relu'") != std::string::npos);
  CHECK(msg.find("rleu") != std::string::npos);
  CHECK_THROWS_AS(A::get("rleu"), UnknownNameError);
  CHECK_THROWS_AS(A::Activation("rleu"), UnknownNameError);
  // the error also lists the known names
  CHECK(msg.find("sigmoid") != std::string::npos);
  CHECK(error_message([] { A::get("sigmod"); }).find("Did you mean 'sigmoid'") != std::string::npos);
  CHECK(error_message([] { A::get("softmx"); }).find("Did you mean 'softmax'") != std::string::npos);
  CHECK(error_message([] { A::get("Relu"); }).find("Did you mean 'relu'") != std::string::npos);
  CHECK(error_message([] { A::get("gelu_tanh_approximation_x"); }).find("Did you mean") == std::string::npos);
  // UnknownNameError is a ConfigError (catchable as a config problem)
  CHECK_THROWS_AS(A::get("nope"), ConfigError);
}

TEST_CASE("activations: custom callables") {
  A::Activation twice("twice", [](const Tensor& t) { return t * 2.0; });
  CHECK(twice.name() == "twice");
  CHECK_FALSE(twice.is_linear());
  CHECK(twice.get_config() == Config("twice"));
  CHECK(act(twice, {1.5, -2.0}) == std::vector<double>{3.0, -4.0});
  // a custom activation is differentiable when built from ops
  A::Activation cube("cube", [](const Tensor& t) { return ops::power(t, 3.0); });
  temper::testing::check_gradients([&](const std::vector<Tensor>& v) { return cube(v[0]); },
                                   {temper::testing::random_tensor({5}, 9)});
  CHECK_THROWS_AS(A::Activation("empty", std::function<Tensor(const Tensor&)>()), ValueError);
}

TEST_CASE("activations: by-name activations are differentiable") {
  for (const std::string name : {"relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax",
                                  "elu", "selu", "softplus", "softsign", "silu", "swish",
                                  "hard_sigmoid", "exponential", "leaky_relu", "relu6", "linear"}) {
    CAPTURE(name);
    A::Activation a(name);
    // values kept away from the kinks at 0, +-3 and 6
    Tensor x = Tensor::from_vector(std::vector<double>{-3.7, -2.2, -0.6, 0.4, 1.3, 2.1, 4.4, 6.8}, {2, 4});
    temper::testing::check_gradients([&](const std::vector<Tensor>& v) { return a(v[0]); }, {x});
  }
}

namespace {

// 37 values: NaN inside a full SIMD vector and in the ragged tail of every kernel set, the
// rest spread over every piece of the piecewise activations (below -3, (-3, 0), (0, 6), > 6).
constexpr std::size_t kNanLen = 37;
bool is_nan_slot(std::size_t i) { return i == 1 || i == 6 || i == 17 || i == 35; }
std::vector<double> nan_input() {
  std::vector<double> v(kNanLen);
  for (std::size_t i = 0; i < kNanLen; ++i)
    v[i] = is_nan_slot(i) ? std::numeric_limits<double>::quiet_NaN() : -9.0 + 0.5 * static_cast<double>(i);
  return v;
}

struct NamedFn {
  std::string name;
  std::function<Tensor(const Tensor&)> fn;
};

std::vector<NamedFn> every_activation() {
  std::vector<NamedFn> out;
  for (const std::string& n : A::names()) {
    A::Activation a(n);
    out.push_back({n, [a](const Tensor& t) { return a(t); }});
  }
  out.push_back({"gelu(approximate)", [](const Tensor& t) { return ops::gelu(t, true); }});
  out.push_back({"leaky_relu(0.3)", [](const Tensor& t) { return ops::leaky_relu(t, 0.3); }});
  out.push_back({"elu(0.5)", [](const Tensor& t) { return ops::elu(t, 0.5); }});
  out.push_back({"clip(-1, 2)", [](const Tensor& t) { return ops::clip(t, -1.0, 2.0); }});
  out.push_back({"abs", [](const Tensor& t) { return ops::abs(t); }});
  out.push_back({"sign", [](const Tensor& t) { return ops::sign(t); }});
  return out;
}

bool is_row_wise(const std::string& name) { return name == "softmax" || name == "log_softmax"; }

}  // namespace

TEST_CASE("activations: NaN propagates through every activation, forward and gradient") {
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (const NamedFn& f : every_activation()) {
      const std::string dtype = dtype_name(dt);
      CAPTURE(f.name);
      CAPTURE(dtype);
      Tensor x = f64(nan_input()).astype(dt);
      x.set_requires_grad(true);
      Tensor y = f.fn(x);
      const std::vector<double> yv = temper::testing::values(y);
      REQUIRE(yv.size() == kNanLen);
      for (std::size_t i = 0; i < kNanLen; ++i) {
        CAPTURE(i);
        // softmax mixes the whole row, so one NaN makes every output NaN (as in TensorFlow).
        if (is_nan_slot(i) || is_row_wise(f.name))
          CHECK(std::isnan(yv[i]));
        else if (f.name != "exponential")  // e^x may overflow float32; still a number
          CHECK(std::isfinite(yv[i]));
      }
      if (f.name == "sign") continue;  // its gradient is zero by definition
      const bool constant_slope = f.name == "linear";  // d/dx is 1 even at NaN
      // A NaN x has an undefined derivative; every other entry of dx stays a number.
      std::vector<double> seed(kNanLen, 1.0);
      y.backward(Tensor::from_vector(seed).astype(dt));
      const std::vector<double> gx = temper::testing::values(x.grad());
      for (std::size_t i = 0; i < kNanLen; ++i) {
        CAPTURE(i);
        if ((is_nan_slot(i) && !constant_slope) || is_row_wise(f.name))
          CHECK(std::isnan(gx[i]));
        else if (f.name != "exponential")
          CHECK(std::isfinite(gx[i]));
      }
      // A NaN upstream gradient stays NaN even where the activation is flat (x < -3).
      Tensor x2 = Tensor::from_vector(std::vector<double>{-8.0, -5.0, 7.5, 9.0}).astype(dt);
      x2.set_requires_grad(true);
      Tensor y2 = f.fn(x2);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      y2.backward(Tensor::from_vector(std::vector<double>{nan, nan, nan, nan}).astype(dt));
      for (double g : temper::testing::values(x2.grad())) CHECK(std::isnan(g));
    }
  }
}

TEST_CASE("activations: a model with ReLU fed a NaN input predicts NaN") {
  Sequential m({layers::Input({3}), layers::Dense(16, "relu"), layers::Dense(2)}, {.seed = 5});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector(std::vector<float>{1.0f, nan, -2.0f, 0.5f, -1.0f, 2.0f}, {2, 3});
  const std::vector<float> y = m.predict(x, {.verbose = 0}).to_vector<float>();
  REQUIRE(y.size() == 4);
  CHECK(std::isnan(y[0]));  // the sample holding the NaN
  CHECK(std::isnan(y[1]));
  CHECK(std::isfinite(y[2]));  // the other sample is untouched
  CHECK(std::isfinite(y[3]));
}
