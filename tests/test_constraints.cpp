// test_constraints.cpp — keras.constraints: values against Keras's formulas, configs, the
// registry, ArgTraits, and the optimizer applying a variable's constraint after each update.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/constraints.hpp"
#include "temper/error.hpp"
#include "temper/optimizers.hpp"
#include "temper/registry.hpp"

using namespace temper;
namespace C = temper::constraints;

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

void check_values(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK_MESSAGE(got[i] == doctest::Approx(want[i]).epsilon(1e-9), i);
}

// (2, 2) kernel [[3, 1], [4, -2]]: column norms (axis 0) 5 and sqrt(5); row norms (axis 1)
// sqrt(10) and sqrt(20).
Tensor kernel() { return Tensor::from_vector<double>({3, 1, 4, -2}, {2, 2}); }
constexpr double kEps = 1e-7;

}  // namespace

TEST_CASE("constraint MaxNorm rescales slices whose norm exceeds max_value") {
  // axis 0: column 0 has norm 5 > 2 -> scaled by 2 / (5 + eps); column 1 has norm sqrt(5) > 2 ->
  // scaled by 2 / (sqrt(5) + eps).
  const double s0 = 2.0 / (5.0 + kEps), s1 = 2.0 / (std::sqrt(5.0) + kEps);
  check_values(C::MaxNorm()(kernel()).to_vector<double>(), {3 * s0, 1 * s1, 4 * s0, -2 * s1});
  // max_value 3 along axis 1: row norms sqrt(10) and sqrt(20) both exceed 3.
  const double r0 = 3.0 / (std::sqrt(10.0) + kEps), r1 = 3.0 / (std::sqrt(20.0) + kEps);
  check_values(C::MaxNorm({.max_value = 3.0, .axis = 1})(kernel()).to_vector<double>(),
               {3 * r0, 1 * r0, 4 * r1, -2 * r1});
  // a norm below max_value is (almost) unchanged: factor norm / (norm + eps)
  const double k = 5.0 / (5.0 + kEps);
  check_values(C::MaxNorm({.max_value = 10.0, .axis = {0, 1}})(Tensor::from_vector<double>({3, 4}, {1, 2}))
                   .to_vector<double>(),
               {3 * k, 4 * k});
  // negative axis
  check_values(C::MaxNorm({.max_value = 3.0, .axis = -1})(kernel()).to_vector<double>(),
               {3 * r0, 1 * r0, 4 * r1, -2 * r1});
  CHECK_THROWS_AS(C::MaxNorm({.axis = 2})(kernel()), ShapeError);
}

TEST_CASE("constraint MinMaxNorm, NonNeg and UnitNorm follow Keras") {
  // MinMaxNorm(min 0, max 1, rate 1): desired = clip(norm, 0, 1) = 1 for both columns.
  const double n0 = 5.0, n1 = std::sqrt(5.0);
  check_values(C::MinMaxNorm()(kernel()).to_vector<double>(),
               {3 / (n0 + kEps), 1 / (n1 + kEps), 4 / (n0 + kEps), -2 / (n1 + kEps)});
  // rate 0.5, min 3, max 4: desired = 0.5 * clip(norm, 3, 4) + 0.5 * norm.
  const double d0 = 0.5 * 4 + 0.5 * n0, d1 = 0.5 * 3 + 0.5 * n1;
  check_values(C::MinMaxNorm({.min_value = 3, .max_value = 4, .rate = 0.5})(kernel()).to_vector<double>(),
               {3 * d0 / (n0 + kEps), 1 * d1 / (n1 + kEps), 4 * d0 / (n0 + kEps), -2 * d1 / (n1 + kEps)});
  check_values(C::NonNeg()(kernel()).to_vector<double>(), {3, 1, 4, 0});
  check_values(C::UnitNorm()(kernel()).to_vector<double>(),
               {3 / (n0 + kEps), 1 / (n1 + kEps), 4 / (n0 + kEps), -2 / (n1 + kEps)});
  // no constraint: the weight itself
  check_values(C::Constraint()(kernel()).to_vector<double>(), {3, 1, 4, -2});
  CHECK_THROWS_AS(C::MinMaxNorm({.min_value = 2, .max_value = 1}), ValueError);
  CHECK_THROWS_AS(C::MinMaxNorm({.rate = 2}), ValueError);
}

TEST_CASE("constraint configs, aliases and round trips") {
  CHECK(C::MaxNorm().get_config() == Config::parse(R"({"module": "keras.constraints", "class_name": "MaxNorm",
      "config": {"max_value": 2.0, "axis": 0}, "registered_name": null})"));
  CHECK(C::MinMaxNorm().get_config()["config"] ==
        Config::parse(R"({"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0})"));
  CHECK(C::NonNeg().get_config()["config"] == Config::object());
  CHECK(C::UnitNorm({.axis = {0, 1, 2}}).get_config()["config"] == Config::parse(R"({"axis": [0, 1, 2]})"));
  CHECK(C::Constraint().get_config().is_null());
  CHECK(C::get(Config(nullptr)).active() == false);

  for (const auto& [alias, cls] : std::vector<std::pair<std::string, std::string>>{
           {"max_norm", "MaxNorm"}, {"MaxNorm", "MaxNorm"}, {"min_max_norm", "MinMaxNorm"},
           {"non_neg", "NonNeg"}, {"NonNeg", "NonNeg"}, {"unit_norm", "UnitNorm"}}) {
    CAPTURE(alias);
    CHECK(C::Constraint(alias).class_name() == cls);
    CHECK(C::get(Config(alias)).class_name() == cls);
  }
  for (const C::Constraint& c : {C::MaxNorm({.max_value = 3, .axis = {0, 1}}), C::MinMaxNorm({.rate = 0.5}),
                                 C::NonNeg(), C::UnitNorm({.axis = -1})}) {
    CAPTURE(c.class_name());
    const Config cfg = c.get_config();
    CHECK(C::get(Config::parse(cfg.dump())).get_config() == cfg);
  }
  // tf.keras's legacy form without module/registered_name
  CHECK(C::get(Config::parse(R"({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": [0]}})"))
            .get_config()["config"] == Config::parse(R"({"max_value": 4.0, "axis": [0]})"));
}

TEST_CASE("constraint errors: unknown names and arguments suggest the closest") {
  const auto name = message_of<UnknownNameError>([] { C::Constraint("max_nrom"); });
  CHECK_MESSAGE(contains(name, "Did you mean 'max_norm'"), name);
  const auto key = message_of<ArgumentError>(
      [] { C::get(Config::parse(R"({"class_name": "MaxNorm", "config": {"max_valeu": 3}})")); });
  CHECK_MESSAGE(contains(key, "MaxNorm argument 'max_valeu'"), key);
  CHECK_MESSAGE(contains(key, "Did you mean 'max_value'"), key);
  const auto type = message_of<ArgumentError>(
      [] { C::get(Config::parse(R"({"class_name": "UnitNorm", "config": {"axis": "x"}})")); });
  CHECK_MESSAGE(contains(type, "axis"), type);
  CHECK_MESSAGE(contains(type, "found a string 'x'"), type);
  CHECK_THROWS_AS(C::get(Config(3)), ConfigError);
}

TEST_CASE("constraint as a layer argument through ArgTraits") {
  struct Opts {
    C::Constraint kernel_constraint{};
  };
  const auto args = Arguments<Opts>("Toy").add("kernel_constraint", &Opts::kernel_constraint);
  Config cfg = Config::parse(R"({"kernel_constraint": {"class_name": "NonNeg", "config": {}}})");
  ArgReader r(cfg, "Toy");
  const Opts o = args.read_all(r);
  CHECK(o.kernel_constraint.class_name() == "NonNeg");
  CHECK(args.write(o)["kernel_constraint"]["class_name"] == "NonNeg");
  CHECK(args.write(Opts{})["kernel_constraint"].is_null());
  Config bad = Config::parse(R"({"kernel_constraint": {"class_name": "MaxNorm", "config": {"axs": 0}}})");
  ArgReader rb(bad, "Toy");
  const auto msg = message_of<ArgumentError>([&] { (void)args.read_all(rb); });
  CHECK_MESSAGE(contains(msg, "kernel_constraint.config.axs"), msg);
}

TEST_CASE("constraint is applied by the optimizer after each update") {
  auto v = std::make_shared<Variable>(Variable{"kernel", "dense/kernel", kernel(), true});
  v->value.set_requires_grad(true);
  optimizers::SGD sgd(0.5);
  sgd.set_constraint(v, C::NonNeg());
  CHECK(sgd.constraint_of(*v).class_name() == "NonNeg");
  // w - 0.5 * g = [3-1, 1-1, 4-0.5, -2-0] = [2, 0, 3.5, -2] -> NonNeg -> [2, 0, 3.5, 0]
  sgd.apply({Tensor::from_vector<double>({2, 2, 1, 0}, {2, 2})}, {v});
  check_values(v->value.to_vector<double>(), {2, 0, 3.5, 0});
  // MaxNorm(1) along axis 0 after an update with a zero gradient: column norms 3.5 and 0.
  sgd.set_constraint(v, C::MaxNorm({.max_value = 1.0}));
  sgd.apply({Tensor::zeros({2, 2}, DType::Float64)}, {v});
  const double s = 1.0 / (std::sqrt(2.0 * 2.0 + 3.5 * 3.5) + kEps);
  check_values(v->value.to_vector<double>(), {2 * s, 0, 3.5 * s, 0});
  // removing it
  sgd.set_constraint(v, C::Constraint());
  CHECK_FALSE(sgd.constraint_of(*v).active());
}
