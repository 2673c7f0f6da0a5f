// test_regularizers.cpp — keras.regularizers through the registry: names, defaults, configs,
// penalties and argument errors.
#include <doctest/doctest.h>

#include <string>

#include "temper/error.hpp"
#include "temper/registry.hpp"
#include "temper/regularizers.hpp"

using namespace temper;
namespace R = temper::regularizers;

namespace {
template <class E, class F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG EXCEPTION TYPE: ") + e.what();
  }
  return "NO EXCEPTION";
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("regularizer names and aliases use Keras defaults") {
  CHECK(R::Regularizer("l1").l1() == 0.01);
  CHECK(R::Regularizer("L1").l2() == 0.0);
  CHECK(R::Regularizer("l2").l2() == 0.01);
  CHECK(R::Regularizer("L2").l2() == 0.01);
  CHECK(R::Regularizer("l1_l2").l1() == 0.01);  // tf.keras's l1_l2() string
  CHECK(R::Regularizer("l1_l2").l2() == 0.01);
  CHECK(R::Regularizer("L1L2").l1() == 0.0);    // the class's defaults
  CHECK_FALSE(R::Regularizer("").active());
  CHECK(R::registry().contains("L2"));
  const auto msg = message_of<UnknownNameError>([] { R::Regularizer("l3"); });
  CHECK_MESSAGE(contains(msg, "'l3'"), msg);
  CHECK_MESSAGE(contains(msg, "Did you mean"), msg);
}

TEST_CASE("regularizer configs round trip and keep defaults for absent keys") {
  CHECK(R::get(Config::parse(R"({"class_name": "L2", "config": {}})")).l2() == 0.01);
  CHECK(R::get(Config::parse(R"({"class_name": "L1", "config": {"l1": 0.5}})")).l1() == 0.5);
  const auto both = R::get(Config::parse(
      R"({"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}, "registered_name": null})"));
  CHECK(both.l1() == 0.1);
  CHECK(both.l2() == 0.2);
  for (const R::Regularizer& r : {R::L1(0.3), R::L2(0.02), R::L1L2(0.1, 0.4)}) {
    const Config c = r.get_config();
    const R::Regularizer back = R::get(Config::parse(c.dump()));
    CHECK(back.get_config() == c);
  }
  CHECK(R::get(Config(nullptr)).active() == false);
  // the penalty: l1 * sum|w| + l2 * sum w²
  const Tensor w = Tensor::from_vector<double>({1, -2}, {2});
  CHECK(R::L1L2(0.1, 0.2)(w).item() == doctest::Approx(0.1 * 3 + 0.2 * 5));
}

TEST_CASE("regularizer argument errors name the argument") {
  const auto key = message_of<ArgumentError>(
      [] { R::get(Config::parse(R"({"class_name": "L2", "config": {"l3": 0.1}})")); });
  CHECK_MESSAGE(contains(key, "L2 argument 'l3'"), key);
  CHECK_MESSAGE(contains(key, "Did you mean 'l2'"), key);
  const auto type = message_of<ArgumentError>(
      [] { R::get(Config::parse(R"({"class_name": "L1", "config": {"l1": "big"}})")); });
  CHECK_MESSAGE(contains(type, "expected a number, found a string 'big'"), type);
  const auto neg = message_of<ArgumentError>(
      [] { R::get(Config::parse(R"({"class_name": "L1", "config": {"l1": -1}})")); });
  CHECK_MESSAGE(contains(neg, ">= 0"), neg);
  CHECK_THROWS_AS(R::get(Config::parse(R"({"class_name": "L4", "config": {}})")), UnknownNameError);
}
