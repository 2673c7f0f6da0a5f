// test_schedules.cpp — learning-rate schedules against the Keras 3 formulas, configs and
// argument errors.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "temper/error.hpp"
#include "temper/optimizers.hpp"
#include "temper/schedules.hpp"

using namespace temper;
namespace sch = temper::schedules;

namespace {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG EXCEPTION TYPE: ") + e.what();
  }
  return "NO EXCEPTION";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

double cosine(double fraction) { return 0.5 * (1 + std::cos(std::numbers::pi * fraction)); }

}  // namespace

TEST_CASE("ExponentialDecay: continuous and staircase") {
  sch::ExponentialDecay smooth(0.1, 10, 0.5);
  for (std::int64_t step : {0, 1, 5, 10, 15, 100})
    CHECK(smooth(step) == doctest::Approx(0.1 * std::pow(0.5, step / 10.0)));

  sch::ExponentialDecay stairs({.initial_learning_rate = 0.1, .decay_steps = 10,
                                .decay_rate = 0.5, .staircase = true});
  CHECK(stairs(0) == doctest::Approx(0.1));
  CHECK(stairs(9) == doctest::Approx(0.1));
  CHECK(stairs(10) == doctest::Approx(0.05));
  CHECK(stairs(19) == doctest::Approx(0.05));
  CHECK(stairs(25) == doctest::Approx(0.025));
  CHECK(stairs.class_name() == "ExponentialDecay");
}

TEST_CASE("PiecewiseConstantDecay: step <= boundary[i] gives values[i]") {
  sch::PiecewiseConstantDecay p({10, 20}, {1.0, 0.5, 0.1});
  CHECK(p(0) == 1.0);
  CHECK(p(10) == 1.0);
  CHECK(p(11) == 0.5);
  CHECK(p(20) == 0.5);
  CHECK(p(21) == 0.1);
  CHECK(p(1000000) == 0.1);

  sch::PiecewiseConstantDecay single({.boundaries = {5}, .values = {0.3, 0.2}});
  CHECK(single(5) == 0.3);
  CHECK(single(6) == 0.2);
}

TEST_CASE("CosineDecay without warmup") {
  sch::CosineDecay c(0.1, 100);
  CHECK(c(0) == doctest::Approx(0.1));
  CHECK(c(50) == doctest::Approx(0.05));
  CHECK(c(25) == doctest::Approx(0.1 * cosine(0.25)));
  CHECK(c(100) == doctest::Approx(0.0));
  CHECK(c(500) == doctest::Approx(0.0));  // clamped at decay_steps

  sch::CosineDecay floor_at_alpha({.initial_learning_rate = 0.1, .decay_steps = 100,
                                   .alpha = 0.1});
  CHECK(floor_at_alpha(100) == doctest::Approx(0.01));
  CHECK(floor_at_alpha(30) == doctest::Approx(0.1 * (0.9 * cosine(0.3) + 0.1)));
}

TEST_CASE("CosineDecay with linear warmup") {
  sch::CosineDecay w({.initial_learning_rate = 0.0, .decay_steps = 100, .alpha = 0.2,
                      .warmup_target = 0.1, .warmup_steps = 10});
  CHECK(w(0) == doctest::Approx(0.0));
  CHECK(w(5) == doctest::Approx(0.05));
  CHECK(w(9) == doctest::Approx(0.09));
  CHECK(w(10) == doctest::Approx(0.1));  // end of warmup: decay starts from the target
  CHECK(w(60) == doctest::Approx(0.1 * (0.8 * cosine(0.5) + 0.2)));
  CHECK(w(110) == doctest::Approx(0.02));
  CHECK(w(10000) == doctest::Approx(0.02));

  sch::CosineDecay positional(0.01, 50, 0.0, 0.05, 5);
  CHECK(positional(0) == doctest::Approx(0.01));
  CHECK(positional(1) == doctest::Approx(0.01 + 0.04 / 5));
  CHECK(positional(30) == doctest::Approx(0.05 * cosine(25.0 / 50)));
}

TEST_CASE("PolynomialDecay, InverseTimeDecay and CosineDecayRestarts") {
  sch::PolynomialDecay linear(0.1, 10, 0.01);
  CHECK(linear(0) == doctest::Approx(0.1));
  CHECK(linear(5) == doctest::Approx(0.055));
  CHECK(linear(10) == doctest::Approx(0.01));
  CHECK(linear(20) == doctest::Approx(0.01));

  sch::PolynomialDecay sq({.initial_learning_rate = 1.0, .decay_steps = 10,
                           .end_learning_rate = 0.0, .power = 2.0, .cycle = true});
  CHECK(sq(0) == doctest::Approx(1.0));
  CHECK(sq(5) == doctest::Approx(0.25));
  CHECK(sq(15) == doctest::Approx(0.0625));  // decay_steps stretched to 20

  sch::InverseTimeDecay inv(0.1, 10, 0.5);
  CHECK(inv(10) == doctest::Approx(0.1 / 1.5));
  CHECK(inv(5) == doctest::Approx(0.1 / 1.25));
  sch::InverseTimeDecay inv_stairs(0.1, 10, 0.5, true);
  CHECK(inv_stairs(5) == doctest::Approx(0.1));
  CHECK(inv_stairs(25) == doctest::Approx(0.1 / 2.0));

  sch::CosineDecayRestarts sgdr(1.0, 10);  // periods 10, 20, 40...
  CHECK(sgdr(0) == doctest::Approx(1.0));
  CHECK(sgdr(5) == doctest::Approx(0.5));
  CHECK(sgdr(10) == doctest::Approx(1.0));  // restart
  CHECK(sgdr(20) == doctest::Approx(0.5));  // half way through the 20-step period
  sch::CosineDecayRestarts fixed({.initial_learning_rate = 1.0, .first_decay_steps = 10,
                                  .t_mul = 1.0, .m_mul = 0.5});
  CHECK(fixed(10) == doctest::Approx(0.5));
  CHECK(fixed(25) == doctest::Approx(0.25 * 0.5));
}

TEST_CASE("schedule configs have the Keras keys and round-trip") {
  std::vector<sch::SchedulePtr> all = {
      std::make_shared<sch::ExponentialDecay>(0.1, 1000, 0.96, true),
      std::make_shared<sch::PiecewiseConstantDecay>(std::vector<std::int64_t>{100, 200},
                                                    std::vector<double>{0.1, 0.01, 0.001}),
      std::make_shared<sch::CosineDecay>(0.0, 1000, 0.1, 0.01, 100),
      std::make_shared<sch::CosineDecay>(0.01, 500),
      std::make_shared<sch::PolynomialDecay>(0.1, 1000, 0.001, 0.5, true),
      std::make_shared<sch::InverseTimeDecay>(0.1, 1.0, 0.5),
      std::make_shared<sch::CosineDecayRestarts>(0.1, 100, 2.0, 0.9, 0.01),
  };
  for (const auto& s : all) {
    const Config serialized = sch::serialize(*s);
    CHECK(serialized["module"] == "keras.optimizers.schedules");
    CHECK(serialized["class_name"] == s->class_name());
    const auto back = sch::from_config(Config::parse(serialized.dump()));
    CHECK(back->class_name() == s->class_name());
    CHECK(back->get_config() == s->get_config());
    for (std::int64_t step : {0, 1, 50, 150, 1000, 5000})
      CHECK((*back)(step) == doctest::Approx((*s)(step)));
    CHECK(sch::from_config(s->class_name(), s->get_config())->get_config() == s->get_config());
  }

  const Config e = all[0]->get_config();
  CHECK(e == Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 1000,
      "decay_rate": 0.96, "staircase": true, "name": "ExponentialDecay"})"));
  const Config p = all[1]->get_config();
  CHECK(p == Config::parse(R"({"boundaries": [100, 200], "values": [0.1, 0.01, 0.001],
      "name": "PiecewiseConstant"})"));
  const Config c = all[3]->get_config();
  CHECK(c == Config::parse(R"({"initial_learning_rate": 0.01, "decay_steps": 500, "alpha": 0.0,
      "name": "CosineDecay", "warmup_target": null, "warmup_steps": 0})"));
  CHECK(all[6]->get_config()["name"] == "SGDRDecay");
}

TEST_CASE("reads a Keras-serialized schedule") {
  const auto s = sch::from_config(Config::parse(R"({"module": "keras.optimizers.schedules",
      "class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.1,
      "decay_steps": 10000, "end_learning_rate": 0.01, "power": 0.5, "cycle": false,
      "name": null}, "registered_name": null})"));
  CHECK(s->class_name() == "PolynomialDecay");
  CHECK((*s)(10000) == doctest::Approx(0.01));
  CHECK(s->get_config()["name"] == "PolynomialDecay");  // null -> the default name
}

TEST_CASE("bad schedule arguments are ValueErrors naming the value") {
  const auto steps = message_of<ValueError>([] { sch::ExponentialDecay(0.1, 0, 0.5); });
  CHECK_MESSAGE(contains(steps, "decay_steps"), steps);
  CHECK_MESSAGE(contains(steps, "decay_steps=0"), steps);
  CHECK_MESSAGE(contains(steps, "> 0"), steps);

  CHECK_THROWS_AS(sch::CosineDecay(0.1, -5), ValueError);
  CHECK_THROWS_AS(sch::PolynomialDecay(0.1, 0), ValueError);
  CHECK_THROWS_AS(sch::InverseTimeDecay(0.1, 0, 0.5), ValueError);
  CHECK_THROWS_AS(sch::CosineDecayRestarts(0.1, 0), ValueError);
  CHECK_THROWS_AS(sch::CosineDecay({.initial_learning_rate = 0.1, .decay_steps = 10,
                                    .warmup_target = 0.2, .warmup_steps = -1}),
                  ValueError);

  const auto sizes = message_of<ValueError>(
      [] { sch::PiecewiseConstantDecay({10, 20}, {1.0, 0.5}); });
  CHECK_MESSAGE(contains(sizes, "boundaries=[10, 20]"), sizes);
  CHECK_MESSAGE(contains(sizes, "values=[1, 0.5]"), sizes);
  CHECK_MESSAGE(contains(sizes, "1 less"), sizes);

  const auto order = message_of<ValueError>(
      [] { sch::PiecewiseConstantDecay({20, 10}, {1.0, 0.5, 0.1}); });
  CHECK_MESSAGE(contains(order, "strictly increasing"), order);
  CHECK_MESSAGE(contains(order, "[20, 10]"), order);
  CHECK_THROWS_AS(sch::PiecewiseConstantDecay({5, 5}, {1.0, 0.5, 0.1}), ValueError);
}

TEST_CASE("bad schedule configs") {
  const auto cls = message_of<UnknownNameError>(
      [] { sch::from_config("ExponentalDecay", Config::object()); });
  CHECK_MESSAGE(contains(cls, "ExponentalDecay"), cls);
  CHECK_MESSAGE(contains(cls, "Did you mean 'ExponentialDecay'"), cls);

  const auto key = message_of<ConfigError>([] {
    sch::from_config("ExponentialDecay",
                     Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 10,
                                       "decay_rate": 0.9, "stairs": true})"));
  });
  CHECK_MESSAGE(contains(key, "'stairs'"), key);
  CHECK_MESSAGE(contains(key, "Did you mean 'staircase'"), key);

  const auto missing = message_of<ConfigError>(
      [] { sch::from_config("CosineDecay", Config::parse(R"({"initial_learning_rate": 0.1})")); });
  CHECK_MESSAGE(contains(missing, "decay_steps"), missing);

  CHECK_THROWS_AS(sch::from_config(Config::parse(R"({"config": {}})")), ConfigError);
}

TEST_CASE("LearningRate converts from numbers and schedules") {
  optimizers::LearningRate constant = 0.01;
  CHECK_FALSE(constant.is_schedule());
  CHECK(constant.at(1000) == 0.01);
  CHECK(constant.to_config().get<double>() == static_cast<double>(0.01f));

  optimizers::LearningRate from_value = sch::ExponentialDecay(0.1, 10, 0.5);
  CHECK(from_value.is_schedule());
  CHECK(from_value.at(10) == doctest::Approx(0.05));
  CHECK(from_value.to_config()["class_name"] == "ExponentialDecay");

  auto shared = std::make_shared<sch::CosineDecay>(0.1, 10);
  optimizers::LearningRate from_ptr = shared;
  CHECK(from_ptr.schedule().get() == shared.get());
  sch::SchedulePtr base = shared;
  optimizers::LearningRate from_base = base;
  CHECK(from_base.at(10) == doctest::Approx(0.0));
  CHECK_THROWS_AS(optimizers::LearningRate(sch::SchedulePtr()), ValueError);

  const auto back = optimizers::LearningRate::from_config(from_value.to_config());
  CHECK(back.at(20) == doctest::Approx(0.025));
  CHECK(optimizers::LearningRate::from_config(Config(0.5)).value() == 0.5);
  CHECK_THROWS_AS(optimizers::LearningRate::from_config(Config("x")), ConfigError);

  // An optimizer shares the schedule and evaluates it at its iteration count.
  optimizers::SGD sgd(shared);
  sgd.set_iterations(5);
  CHECK(sgd.learning_rate() == doctest::Approx((*shared)(5)));
}

TEST_CASE("schedule registry and argument errors") {
  CHECK(sch::registry().contains("CosineDecayRestarts"));
  CHECK(sch::names().size() == 6);
  try {
    sch::from_config("PolynomialDecay", Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 10,
        "powr": 2})"), ConfigSource::user);
    FAIL("no exception");
  } catch (const ArgumentError& e) {
    CHECK(e.owner() == "PolynomialDecay");
    CHECK(e.path() == "powr");
    CHECK(std::string(e.what()).find("Did you mean 'power'") != std::string::npos);
  }
  const auto type = message_of<ArgumentError>([] {
    sch::from_config("ExponentialDecay", Config::parse(R"({"initial_learning_rate": 0.1, "decay_steps": "ten",
        "decay_rate": 0.5})"));
  });
  CHECK_MESSAGE(contains(type, "ExponentialDecay argument 'decay_steps': expected a number, found a string 'ten'"),
                type);
}
