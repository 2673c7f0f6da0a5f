// Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and
// Lambda: values, gradients, shapes, configs and errors.
#include <doctest/doctest.h>

#include <cmath>

#include <temper/temper.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::check_gradients;
using temper::testing::contains;
using temper::testing::error_message;
using temper::testing::random_tensor;
using temper::testing::values;

namespace {

// Checks a two-input merge layer element by element against `ref`, then its gradients.
template <class L>
void check_elementwise(L layer, double (*ref)(double, double)) {
  Tensor a = random_tensor({3, 4}, 1), b = random_tensor({3, 4}, 2);
  Tensor y = layer(std::vector<Tensor>{a, b});
  CHECK(y.shape() == Shape{3, 4});
  auto av = values(a), bv = values(b), yv = values(y);
  for (std::size_t i = 0; i < yv.size(); ++i) CHECK(yv[i] == doctest::Approx(ref(av[i], bv[i])));
  check_gradients([&](const std::vector<Tensor>& v) { return layer(v); }, {a, b});
}

}  // namespace

TEST_CASE("element-wise merge layers compute Keras's values and gradients") {
  check_elementwise(layers::Add(), [](double x, double y) { return x + y; });
  check_elementwise(layers::Subtract(), [](double x, double y) { return x - y; });
  check_elementwise(layers::Multiply(), [](double x, double y) { return x * y; });
  check_elementwise(layers::Average(), [](double x, double y) { return (x + y) / 2; });
  check_elementwise(layers::Maximum(), [](double x, double y) { return std::max(x, y); });
  check_elementwise(layers::Minimum(), [](double x, double y) { return std::min(x, y); });
}

TEST_CASE("merges of three inputs, broadcasting and the input-count rules") {
  layers::Add add;
  Tensor a = random_tensor({2, 3}, 1), b = random_tensor({2, 3}, 2), c = random_tensor({2, 1}, 3);
  auto y = values(add(std::vector<Tensor>{a, b, c}));
  auto av = values(a), bv = values(b), cv = values(c);
  CHECK(y[4] == doctest::Approx(av[4] + bv[4] + cv[1]));
  layers::Average avg;
  CHECK(values(avg(std::vector<Tensor>{a, b, a}))[0] == doctest::Approx((2 * av[0] + bv[0]) / 3));
  check_gradients([&](const std::vector<Tensor>& v) { return avg(v); }, {a, b, random_tensor({2, 3}, 9)});
  // Subtract takes exactly two; one input is never enough
  auto x = Input({3});
  CHECK(contains(error_message([&] { layers::Subtract()({x, x, x}); }), "exactly 2"));
  CHECK(contains(error_message([&] { layers::Add()({x}); }), "at least 2"));
  CHECK(contains(error_message([&] { layers::Add()(std::vector<SymbolicTensor>{x, Input({4})}); }), "(None, 4)"));
  CHECK(layers::Add()({x, Input({1})}).shape() == Shape{-1, 3});
}

TEST_CASE("Concatenate joins along its axis and checks the other extents") {
  layers::Concatenate cat;  // axis -1
  Tensor a = random_tensor({2, 3}, 1), b = random_tensor({2, 2}, 2);
  Tensor y = cat(std::vector<Tensor>{a, b});
  CHECK(y.shape() == Shape{2, 5});
  CHECK(values(y)[3] == doctest::Approx(values(b)[0]));
  check_gradients([&](const std::vector<Tensor>& v) { return cat(v); }, {a, b});
  auto p = Input({2, 5}), q = Input({3, 5});
  CHECK(layers::Concatenate(1)({p, q}).shape() == Shape{-1, 5, 5});
  auto msg = error_message([&] { layers::Concatenate(2)({p, q}); });
  CHECK(contains(msg, "(None, 2, 5)"));
  CHECK(contains(msg, "(None, 3, 5)"));
  CHECK(contains(error_message([&] { layers::Concatenate(0)({p, p}); }), "batch axis"));
}

TEST_CASE("Dot takes per-sample dot products, optionally normalised") {
  SUBCASE("rank 2: (B, n) . (B, n) -> (B, 1)") {
    layers::Dot dot(1);
    Tensor a = random_tensor({3, 4}, 1), b = random_tensor({3, 4}, 2);
    Tensor y = dot(std::vector<Tensor>{a, b});
    CHECK(y.shape() == Shape{3, 1});
    auto av = values(a), bv = values(b);
    double d0 = 0;
    for (int j = 0; j < 4; ++j) d0 += av[static_cast<std::size_t>(j)] * bv[static_cast<std::size_t>(j)];
    CHECK(values(y)[0] == doctest::Approx(d0));
    check_gradients([&](const std::vector<Tensor>& v) { return dot(v); }, {a, b});
    layers::Dot cosine(1, true);
    double na = 0, nb = 0;
    for (int j = 0; j < 4; ++j) {
      na += av[static_cast<std::size_t>(j)] * av[static_cast<std::size_t>(j)];
      nb += bv[static_cast<std::size_t>(j)] * bv[static_cast<std::size_t>(j)];
    }
    CHECK(values(cosine(std::vector<Tensor>{a, b}))[0] == doctest::Approx(d0 / std::sqrt(na * nb)));
    check_gradients([&](const std::vector<Tensor>& v) { return cosine(v); }, {a, b});
  }
  SUBCASE("rank 3 with every axis pair") {
    Tensor a = random_tensor({2, 3, 4}, 1);
    for (auto [xa, ya, bshape, out] : std::vector<std::tuple<int, int, Shape, Shape>>{
             {2, 1, {2, 4, 5}, {2, 3, 5}}, {2, 2, {2, 5, 4}, {2, 3, 5}},
             {1, 1, {2, 3, 5}, {2, 4, 5}}, {1, 2, {2, 5, 3}, {2, 4, 5}}}) {
      layers::Dot dot(layers::DotOptions{.axes = {xa, ya}});
      Tensor b = random_tensor(bshape, 2);
      CHECK(dot(std::vector<Tensor>{a, b}).shape() == out);
      check_gradients([&](const std::vector<Tensor>& v) { return dot(v); }, {a, b});
    }
  }
  CHECK(contains(error_message([&] { layers::Dot(1)({Input({3}), Input({4})}); }), "differ"));
}

TEST_CASE("merge layers round-trip their configs through the registry") {
  for (const std::string cls : {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}) {
    auto l = layers::deserialize({{"class_name", cls}, {"config", {{"name", "m"}, {"trainable", true}}}});
    CHECK(l->class_name() == cls);
    CHECK(l->get_config()["name"] == "m");
  }
  layers::Concatenate c(layers::ConcatenateOptions{.axis = 1, .name = "cat"});
  auto c2 = layers::deserialize(layers::serialize(c));
  CHECK(c2->get_config() == c.get_config());
  CHECK(c.get_config()["axis"] == 1);
  layers::Dot d(layers::DotOptions{.axes = {2, 1}, .normalize = true, .name = "dot"});
  auto d2 = layers::deserialize(layers::serialize(d));
  CHECK(d2->get_config() == d.get_config());
  CHECK(d.get_config()["axes"] == Config::array({2, 1}));
}

TEST_CASE("Lambda wraps a function, its config round-trips when the function is registered") {
  layers::Lambda twice([](const Tensor& t) { return ops::multiply(t, 2.0); },
                       layers::LambdaOptions{.function_name = "twice", .name = "twice"});
  Tensor x = random_tensor({2, 3}, 1);
  CHECK(values(twice(x))[1] == doctest::Approx(2 * values(x)[1]));
  check_gradients([&](const std::vector<Tensor>& v) { return twice(v[0]); }, {x});
  // the output shape is found by running the function on a small batch
  auto in = Input({5});
  auto y = layers::Lambda([](const Tensor& t) { return ops::sum(t, {1}, true); })(in);
  CHECK(y.shape() == Shape{-1, 1});
  // configs: a registered function name loads; an unknown one says how to register it
  auto cfg = layers::serialize(twice);
  CHECK(contains(error_message([&] { layers::deserialize(cfg); }), "register_lambda_function"));
  layers::register_lambda_function("twice", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  auto back = layers::deserialize(cfg);
  CHECK(values((*back)(x))[1] == doctest::Approx(2 * values(x)[1]));
  // several inputs
  auto diff = make_layer<layers::Lambda>([](const std::vector<Tensor>& v) { return ops::subtract(v[0], v[1]); });
  CHECK(diff({Input({3}), Input({3})}).shape() == Shape{-1, 3});
}

TEST_CASE("merge layer configs: Keras keys only, Dot's axes required, errors name the argument") {
  // Keras configs as Keras 3 writes them
  auto dot = layers::deserialize(Config::parse(
      R"({"class_name": "Dot", "config": {"name": "dot", "trainable": true, "dtype": "float32", "axes": [1, 1],
          "normalize": false}})"));
  CHECK(dynamic_cast<layers::Dot&>(*dot).options().axes == std::vector<int>{1, 1});
  auto cat = layers::deserialize(Config::parse(
      R"({"class_name": "Concatenate", "config": {"name": "c", "trainable": true, "dtype": "float32", "axis": 1}})"));
  CHECK(dynamic_cast<layers::Concatenate&>(*cat).options().axis == 1);
  // Keras's Dot(axes, normalize=False): axes has no default
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "Dot", "config": {"normalize": true}})"));
                 }),
                 "Dot argument 'axes': missing required argument"));
  CHECK_THROWS_AS(layers::Dot(layers::DotOptions{.axes = {1, 2, 1}}), ValueError);
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "Concatenate", "config": {"axis": 1.5}})"));
                 }),
                 "Concatenate argument 'axis': expected an integer, found a number 1.5"));
  // the element-wise merges take only the base keys
  const std::string msg = error_message([] {
    (void)layers::deserialize(Config::parse(R"({"class_name": "Add", "config": {"name": "a", "axis": 1}})"));
  });
  CHECK(contains(msg, "Add argument 'axis': unknown argument 'axis' of Add."));
  CHECK_THROWS_AS((void)layers::deserialize(Config::parse(R"({"class_name": "Add", "config": {"axis": 1}})")),
                  ArgumentError);
  // trainable=false survives the registry
  auto frozen = layers::deserialize(Config::parse(R"({"class_name": "Multiply", "config": {"trainable": false}})"));
  CHECK_FALSE(frozen->trainable());
}
