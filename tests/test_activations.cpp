// test_activations.cpp — activations by name (Keras: keras.activations.get), their Keras
// values, configs, custom callables and unknown names.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <temper/activations.hpp>
#include <temper/autograd.hpp>
#include <temper/error.hpp>
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
