// test_optimizers.cpp — every optimizer and option against the Keras 3 update formulas
// computed here in double precision, plus state export, configs and error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "temper/error.hpp"
#include "temper/optimizers.hpp"
#include "temper/schedules.hpp"

using namespace temper;
namespace opt = temper::optimizers;
namespace sch = temper::schedules;

namespace {

using Vec = std::vector<double>;

// Two variables (a 2x2 kernel and a bias) and three steps of gradients. Step 2 has large
// entries so that the clipping options actually clip; one entry is exactly zero.
const std::vector<Vec> kInit = {{0.5, -1.0, 2.0, 0.25}, {0.3, -0.7, 1.5}};
const std::vector<Shape> kShapes = {{2, 2}, {3}};
const std::vector<std::vector<Vec>> kGrads = {
    {{0.1, -0.2, 0.3, 0.0}, {0.5, -0.5, 0.05}},
    {{-0.3, 0.4, 2.5, 0.1}, {1.0, 0.2, -0.3}},
    {{0.05, -1.5, 0.2, -0.25}, {-0.1, 0.9, 0.6}},
};

template <class T>
Vec rounded(const Vec& v) {
  Vec out;
  for (double x : v) out.push_back(static_cast<double>(static_cast<T>(x)));
  return out;
}

template <class T>
std::vector<T> as(const Vec& v) {
  std::vector<T> out;
  for (double x : v) out.push_back(static_cast<T>(x));
  return out;
}

template <class T>
VariablePtr make_var(const std::string& name, const std::string& path, const Vec& init,
                     const Shape& shape) {
  auto v = std::make_shared<Variable>(
      Variable{name, path, Tensor::from_vector<T>(as<T>(init), shape), true});
  v->value.set_requires_grad(true);
  return v;
}

template <class T>
std::vector<VariablePtr> make_vars() {
  return {make_var<T>("kernel", "dense/kernel", kInit[0], kShapes[0]),
          make_var<T>("bias", "dense/bias", kInit[1], kShapes[1])};
}

template <class T>
void set_grad(const VariablePtr& v, const Vec& g) {
  v->value.mutable_autograd_meta()->grad =
      std::make_shared<Tensor>(Tensor::from_vector<T>(as<T>(g), v->value.shape()));
}

template <class T>
void check_close(const std::vector<T>& got, const Vec& want, const std::string& what) {
  const double rtol = std::is_same_v<T, float> ? 2e-5 : 1e-11;
  const double atol = std::is_same_v<T, float> ? 2e-6 : 1e-13;
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double g = static_cast<double>(got[i]);
    CHECK_MESSAGE(std::fabs(g - want[i]) <= atol + rtol * std::fabs(want[i]),
                  what << "[" << i << "]: got " << g << ", expected " << want[i]);
  }
}

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

// ---- the Keras formulas, in double ----------------------------------------------------------

/// One algorithm's update of variable `k` at step t (1-based) with learning rate lr; state is
/// kept per variable inside the closure.
struct Reference {
  std::function<void(std::int64_t t)> begin_step = [](std::int64_t) {};
  std::function<void(std::size_t k, Vec& w, const Vec& g, std::int64_t t, double lr)> update;
};

/// Keras BaseOptimizer preprocessing.
struct Pre {
  std::optional<double> weight_decay{}, clipnorm{}, clipvalue{}, global_clipnorm{};
};

using State = std::shared_ptr<std::map<std::size_t, std::vector<Vec>>>;

std::vector<Vec>& slots_of(const State& s, std::size_t k, std::size_t n, std::size_t size,
                           double init = 0.0) {
  auto& v = (*s)[k];
  if (v.empty()) v.assign(n, Vec(size, init));
  return v;
}

Reference ref_sgd(double mu, bool nesterov) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  return {[](std::int64_t) {}, [=](std::size_t k, Vec& w, const Vec& g, std::int64_t, double lr) {
            Vec& m = slots_of(s, k, 1, w.size())[0];
            for (std::size_t i = 0; i < w.size(); ++i) {
              if (mu == 0) {
                w[i] -= lr * g[i];
              } else {
                m[i] = mu * m[i] - lr * g[i];
                if (nesterov) w[i] += mu * m[i] - lr * g[i];
                else w[i] += m[i];
              }
            }
          }};
}

Reference ref_adam(double b1, double b2, double eps, bool amsgrad) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  return {[](std::int64_t) {}, [=](std::size_t k, Vec& w, const Vec& g, std::int64_t t, double lr) {
            auto& st = slots_of(s, k, 3, w.size());
            Vec &m = st[0], &v = st[1], &vh = st[2];
            const double alpha = lr * std::sqrt(1 - std::pow(b2, static_cast<double>(t))) /
                                 (1 - std::pow(b1, static_cast<double>(t)));
            for (std::size_t i = 0; i < w.size(); ++i) {
              m[i] += (g[i] - m[i]) * (1 - b1);
              v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
              double denom_v = v[i];
              if (amsgrad) {
                vh[i] = std::max(vh[i], v[i]);
                denom_v = vh[i];
              }
              w[i] -= alpha * m[i] / (std::sqrt(denom_v) + eps);
            }
          }};
}

Reference ref_rmsprop(double rho, double momentum, double eps, bool centered) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  return {[](std::int64_t) {}, [=](std::size_t k, Vec& w, const Vec& g, std::int64_t, double lr) {
            auto& st = slots_of(s, k, 3, w.size());
            Vec &v = st[0], &mom = st[1], &mg = st[2];
            for (std::size_t i = 0; i < w.size(); ++i) {
              v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
              double denom = v[i] + eps;
              if (centered) {
                mg[i] = rho * mg[i] + (1 - rho) * g[i];
                denom = v[i] - mg[i] * mg[i] + eps;
              }
              const double inc = lr * g[i] / std::sqrt(denom);
              if (momentum > 0) {
                mom[i] = momentum * mom[i] + inc;
                w[i] -= mom[i];
              } else {
                w[i] -= inc;
              }
            }
          }};
}

Reference ref_adagrad(double init, double eps) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  return {[](std::int64_t) {}, [=](std::size_t k, Vec& w, const Vec& g, std::int64_t, double lr) {
            Vec& acc = slots_of(s, k, 1, w.size(), init)[0];
            for (std::size_t i = 0; i < w.size(); ++i) {
              acc[i] += g[i] * g[i];
              w[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
            }
          }};
}

Reference ref_adamax(double b1, double b2, double eps) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  return {[](std::int64_t) {}, [=](std::size_t k, Vec& w, const Vec& g, std::int64_t t, double lr) {
            auto& st = slots_of(s, k, 2, w.size());
            Vec &m = st[0], &u = st[1];
            for (std::size_t i = 0; i < w.size(); ++i) {
              m[i] += (g[i] - m[i]) * (1 - b1);
              u[i] = std::max(b2 * u[i], std::fabs(g[i]));
              w[i] -= lr * m[i] / ((1 - std::pow(b1, static_cast<double>(t))) * (u[i] + eps));
            }
          }};
}

Reference ref_nadam(double b1, double b2, double eps) {
  auto s = std::make_shared<std::map<std::size_t, std::vector<Vec>>>();
  struct Shared {
    double u_product = 1.0, u_t = 0, u_t1 = 0, u_product_t1 = 0;
  };
  auto sh = std::make_shared<Shared>();
  Reference r;
  r.begin_step = [=](std::int64_t t) {
    const double td = static_cast<double>(t);
    sh->u_t = b1 * (1 - 0.5 * std::pow(0.96, td));
    sh->u_t1 = b1 * (1 - 0.5 * std::pow(0.96, td + 1));
    sh->u_product *= sh->u_t;
    sh->u_product_t1 = sh->u_product * sh->u_t1;
  };
  r.update = [=](std::size_t k, Vec& w, const Vec& g, std::int64_t t, double lr) {
    auto& st = slots_of(s, k, 2, w.size());
    Vec &m = st[0], &v = st[1];
    for (std::size_t i = 0; i < w.size(); ++i) {
      m[i] += (g[i] - m[i]) * (1 - b1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
      const double m_hat = sh->u_t1 * m[i] / (1 - sh->u_product_t1) +
                           (1 - sh->u_t) * g[i] / (1 - sh->u_product);
      const double v_hat = v[i] / (1 - std::pow(b2, static_cast<double>(t)));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
  return r;
}

/// Runs three steps of `o` on fresh variables of type T and checks every weight against the
/// reference after each step.
template <class T>
void check_against_reference(opt::Optimizer& o, Reference ref, const Pre& pre,
                             const std::function<double(std::int64_t)>& lr_at) {
  auto vars = make_vars<T>();
  std::vector<Vec> w = {rounded<T>(kInit[0]), rounded<T>(kInit[1])};
  for (std::size_t step = 0; step < kGrads.size(); ++step) {
    for (std::size_t k = 0; k < vars.size(); ++k) set_grad<T>(vars[k], kGrads[step][k]);
    o.apply_gradients(vars);

    std::vector<Vec> g = {rounded<T>(kGrads[step][0]), rounded<T>(kGrads[step][1])};
    if (pre.clipnorm) {
      for (auto& gk : g) {
        double ss = 0;
        for (double x : gk) ss += x * x;
        const double n = std::sqrt(ss);
        for (double& x : gk) x = x * *pre.clipnorm / std::max(n, *pre.clipnorm);
      }
    } else if (pre.global_clipnorm) {
      double ss = 0;
      for (auto& gk : g)
        for (double x : gk) ss += x * x;
      const double n = std::sqrt(ss);
      const double scale = *pre.global_clipnorm * std::min(1 / n, 1 / *pre.global_clipnorm);
      for (auto& gk : g)
        for (double& x : gk) x *= scale;
    } else if (pre.clipvalue) {
      for (auto& gk : g)
        for (double& x : gk) x = std::clamp(x, -*pre.clipvalue, *pre.clipvalue);
    }
    const auto t = static_cast<std::int64_t>(step) + 1;
    const double lr = lr_at(static_cast<std::int64_t>(step));
    if (pre.weight_decay)
      for (auto& wk : w)
        for (double& x : wk) x = x - x * *pre.weight_decay * lr;
    ref.begin_step(t);
    for (std::size_t k = 0; k < vars.size(); ++k) ref.update(k, w[k], g[k], t, lr);
    for (std::size_t k = 0; k < vars.size(); ++k)
      check_close(vars[k]->value.template to_vector<T>(), w[k],
                  o.class_name() + " step " + std::to_string(t) + " " + vars[k]->path);
  }
  CHECK(o.iterations() == 3);
}

std::function<double(std::int64_t)> constant(double lr) {
  return [lr](std::int64_t) { return lr; };
}

}  // namespace

// ---- update formulas ------------------------------------------------------------------------

TEST_CASE_TEMPLATE("SGD matches Keras: plain, momentum, nesterov", T, float, double) {
  SUBCASE("plain") {
    opt::SGD o(0.1);
    check_against_reference<T>(o, ref_sgd(0.0, false), {}, constant(0.1));
    CHECK(o.slots_per_variable() == 0);
  }
  SUBCASE("momentum") {
    opt::SGD o({.learning_rate = 0.1, .momentum = 0.9});
    check_against_reference<T>(o, ref_sgd(0.9, false), {}, constant(0.1));
    CHECK(o.slots_per_variable() == 1);
  }
  SUBCASE("nesterov") {
    opt::SGD o({.learning_rate = 0.1, .momentum = 0.8, .nesterov = true});
    check_against_reference<T>(o, ref_sgd(0.8, true), {}, constant(0.1));
  }
  SUBCASE("default learning rate is 0.01") {
    opt::SGD o;
    check_against_reference<T>(o, ref_sgd(0.0, false), {}, constant(0.01));
  }
}

TEST_CASE_TEMPLATE("Adam matches Keras: default and amsgrad", T, float, double) {
  SUBCASE("defaults") {
    opt::Adam o;
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, false), {}, constant(0.001));
    CHECK(o.slots_per_variable() == 2);
  }
  SUBCASE("custom betas, lr 0.1") {
    opt::Adam o({.learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.99, .epsilon = 1e-3});
    check_against_reference<T>(o, ref_adam(0.8, 0.99, 1e-3, false), {}, constant(0.1));
  }
  SUBCASE("amsgrad") {
    opt::Adam o({.learning_rate = 0.1, .amsgrad = true});
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, true), {}, constant(0.1));
    CHECK(o.slots_per_variable() == 3);
  }
}

TEST_CASE_TEMPLATE("AdamW decays the weights before the Adam step", T, float, double) {
  SUBCASE("default weight_decay 0.004") {
    opt::AdamW o(0.1);
    CHECK(o.base_options().weight_decay == 0.004);
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, false), {.weight_decay = 0.004},
                               constant(0.1));
  }
  SUBCASE("strong decay with amsgrad") {
    opt::AdamW o({.learning_rate = 0.1, .weight_decay = 0.5, .amsgrad = true});
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, true), {.weight_decay = 0.5},
                               constant(0.1));
  }
}

TEST_CASE_TEMPLATE("RMSprop matches Keras: plain, centered, momentum", T, float, double) {
  SUBCASE("defaults") {
    opt::RMSprop o;
    check_against_reference<T>(o, ref_rmsprop(0.9, 0.0, 1e-7, false), {}, constant(0.001));
    CHECK(o.slots_per_variable() == 1);
  }
  SUBCASE("centered") {
    opt::RMSprop o({.learning_rate = 0.05, .centered = true});
    check_against_reference<T>(o, ref_rmsprop(0.9, 0.0, 1e-7, true), {}, constant(0.05));
    CHECK(o.slots_per_variable() == 2);
  }
  SUBCASE("momentum") {
    opt::RMSprop o({.learning_rate = 0.05, .rho = 0.8, .momentum = 0.5});
    check_against_reference<T>(o, ref_rmsprop(0.8, 0.5, 1e-7, false), {}, constant(0.05));
  }
  SUBCASE("centered with momentum") {
    opt::RMSprop o({.learning_rate = 0.05, .momentum = 0.9, .epsilon = 1e-4, .centered = true});
    check_against_reference<T>(o, ref_rmsprop(0.9, 0.9, 1e-4, true), {}, constant(0.05));
    CHECK(o.slots_per_variable() == 3);
  }
}

TEST_CASE_TEMPLATE("Adagrad, Adamax and Nadam match Keras", T, float, double) {
  SUBCASE("Adagrad defaults") {
    opt::Adagrad o;
    check_against_reference<T>(o, ref_adagrad(0.1, 1e-7), {}, constant(0.001));
  }
  SUBCASE("Adagrad custom accumulator") {
    opt::Adagrad o({.learning_rate = 0.5, .initial_accumulator_value = 0.01});
    check_against_reference<T>(o, ref_adagrad(0.01, 1e-7), {}, constant(0.5));
  }
  SUBCASE("Adamax") {
    opt::Adamax o({.learning_rate = 0.1, .beta_1 = 0.85});
    check_against_reference<T>(o, ref_adamax(0.85, 0.999, 1e-7), {}, constant(0.1));
  }
  SUBCASE("Nadam") {
    opt::Nadam o({.learning_rate = 0.1});
    check_against_reference<T>(o, ref_nadam(0.9, 0.999, 1e-7), {}, constant(0.1));
    CHECK(o.u_product() == doctest::Approx(
        0.9 * (1 - 0.5 * 0.96) * 0.9 * (1 - 0.5 * 0.96 * 0.96) *
        0.9 * (1 - 0.5 * std::pow(0.96, 3))));
  }
}

TEST_CASE_TEMPLATE("weight decay and gradient clipping follow Keras", T, float, double) {
  SUBCASE("SGD weight_decay") {
    opt::SGD o({.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 0.1});
    check_against_reference<T>(o, ref_sgd(0.9, false), {.weight_decay = 0.1}, constant(0.1));
  }
  SUBCASE("Adam clipvalue") {
    opt::Adam o({.learning_rate = 0.1, .clipvalue = 0.35});
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, false), {.clipvalue = 0.35},
                               constant(0.1));
  }
  SUBCASE("SGD clipnorm (per variable)") {
    opt::SGD o({.learning_rate = 0.1, .clipnorm = 1.0});
    check_against_reference<T>(o, ref_sgd(0.0, false), {.clipnorm = 1.0}, constant(0.1));
  }
  SUBCASE("Adam clipnorm") {
    opt::Adam o({.learning_rate = 0.1, .clipnorm = 0.5});
    check_against_reference<T>(o, ref_adam(0.9, 0.999, 1e-7, false), {.clipnorm = 0.5},
                               constant(0.1));
  }
  SUBCASE("SGD global_clipnorm (over both variables)") {
    opt::SGD o({.learning_rate = 0.1, .global_clipnorm = 1.5});
    check_against_reference<T>(o, ref_sgd(0.0, false), {.global_clipnorm = 1.5}, constant(0.1));
  }
  SUBCASE("RMSprop global_clipnorm with weight decay") {
    opt::RMSprop o({.learning_rate = 0.01, .weight_decay = 0.2, .global_clipnorm = 1.0});
    check_against_reference<T>(o, ref_rmsprop(0.9, 0.0, 1e-7, false),
                               {.weight_decay = 0.2, .global_clipnorm = 1.0}, constant(0.01));
  }
  SUBCASE("Nadam clipvalue") {
    opt::Nadam o({.learning_rate = 0.1, .clipvalue = 0.2});
    check_against_reference<T>(o, ref_nadam(0.9, 0.999, 1e-7), {.clipvalue = 0.2},
                               constant(0.1));
  }
}

TEST_CASE("clipping never modifies the caller's gradient") {
  opt::SGD o({.learning_rate = 0.1, .clipvalue = 0.1});
  auto vars = make_vars<float>();
  set_grad<float>(vars[0], kGrads[1][0]);
  set_grad<float>(vars[1], kGrads[1][1]);
  o.apply_gradients(vars);
  check_close(vars[0]->value.grad().to_vector<float>(), rounded<float>(kGrads[1][0]), "grad");
}

TEST_CASE("a learning-rate schedule is evaluated at the iteration before the step") {
  sch::ExponentialDecay decay(0.1, 1.0, 0.5);  // 0.1, 0.05, 0.025
  opt::SGD o(decay);
  CHECK(o.learning_rate_setting().is_schedule());
  CHECK(o.learning_rate() == doctest::Approx(0.1));
  check_against_reference<double>(o, ref_sgd(0.0, false), {},
                                  [](std::int64_t i) { return 0.1 * std::pow(0.5, i); });
  CHECK(o.learning_rate() == doctest::Approx(0.1 * 0.125));

  SUBCASE("with weight decay the decay uses the scheduled rate too") {
    opt::AdamW w({.learning_rate = sch::PiecewiseConstantDecay({0, 1}, {0.1, 0.05, 0.01}),
                  .weight_decay = 0.3});
    check_against_reference<double>(w, ref_adam(0.9, 0.999, 1e-7, false), {.weight_decay = 0.3},
                                    [](std::int64_t i) { return i == 0 ? 0.1 : i == 1 ? 0.05 : 0.01; });
  }
}

TEST_CASE("iterations, set_iterations and set_learning_rate") {
  opt::Adam o(0.1);
  CHECK(o.iterations() == 0);
  CHECK_FALSE(o.built());
  auto vars = make_vars<double>();
  set_grad<double>(vars[0], kGrads[0][0]);
  set_grad<double>(vars[1], kGrads[0][1]);
  o.apply_gradients(vars);
  o.apply_gradients(vars);
  CHECK(o.iterations() == 2);
  CHECK(o.built());

  o.set_iterations(10);
  CHECK(o.iterations() == 10);
  CHECK_THROWS_AS(o.set_iterations(-1), ValueError);

  // A schedule is replaced by a constant (what ReduceLROnPlateau does).
  opt::SGD s(sch::CosineDecay(0.1, 100));
  s.set_learning_rate(0.02);
  CHECK_FALSE(s.learning_rate_setting().is_schedule());
  CHECK(s.learning_rate() == 0.02);
  CHECK(s.get_config()["learning_rate"].get<double>() == doctest::Approx(0.02));
  CHECK_THROWS_AS(s.set_learning_rate(-1.0), ValueError);

  // The bias correction follows set_iterations: a step at t=11 from fresh slots.
  opt::Adam fresh(0.1);
  fresh.set_iterations(10);
  auto v = make_vars<double>();
  set_grad<double>(v[0], kGrads[0][0]);
  set_grad<double>(v[1], kGrads[0][1]);
  fresh.apply_gradients(v);
  auto ref = ref_adam(0.9, 0.999, 1e-7, false);
  Vec w0 = kInit[0];
  ref.update(0, w0, kGrads[0][0], 11, 0.1);
  check_close(v[0]->value.to_vector<double>(), w0, "adam t=11");
}

TEST_CASE("variables without a gradient or not trainable") {
  opt::SGD o({.learning_rate = 0.1, .momentum = 0.9});
  auto vars = make_vars<float>();
  set_grad<float>(vars[0], kGrads[0][0]);  // the bias has no gradient
  o.apply_gradients(vars);
  check_close(vars[1]->value.to_vector<float>(), rounded<float>(kInit[1]), "bias untouched");
  // ...but it has its slot, as after Keras's build(trainable_variables).
  CHECK(o.slot(*vars[1], "momentum").defined());
  CHECK(o.tracked_variables().size() == 2);

  auto frozen = make_var<float>("kernel", "frozen/kernel", {1.0, 2.0}, {2});
  frozen->trainable = false;
  set_grad<float>(frozen, {1.0, 1.0});
  o.apply_gradients({frozen});
  check_close(frozen->value.to_vector<float>(), {1.0, 2.0}, "frozen untouched");
  CHECK_FALSE(o.slot(*frozen, "momentum").defined());
  CHECK(o.iterations() == 1);  // nothing trainable: no step

  vars[0]->value.zero_grad();
  const auto msg = message_of<ValueError>([&] { o.apply_gradients(vars); });
  CHECK_MESSAGE(contains(msg, "no gradients provided"), msg);
}

TEST_CASE("a gradient of the wrong shape is a ShapeError naming the variable") {
  opt::Adam o;
  auto v = make_var<float>("kernel", "dense_3/kernel", {1, 2, 3, 4}, {2, 2});
  v->value.mutable_autograd_meta()->grad =
      std::make_shared<Tensor>(Tensor::from_vector<float>({1, 2, 3, 4}, Shape{4}));
  const auto msg = message_of<ShapeError>([&] { o.apply_gradients({v}); });
  CHECK_MESSAGE(contains(msg, "dense_3/kernel"), msg);
  CHECK_MESSAGE(contains(msg, "(4,)"), msg);
  CHECK_MESSAGE(contains(msg, "(2, 2)"), msg);
}

TEST_CASE("explicit apply(grads, vars)") {
  opt::SGD o(0.5);
  auto v = make_var<double>("w", "w", {1.0, 2.0}, {2});
  o.apply({Tensor::from_vector<double>({0.2, -0.4})}, {v});
  check_close(v->value.to_vector<double>(), {0.9, 2.2}, "w");
  CHECK_THROWS_AS(o.apply({}, {v}), ValueError);
}

TEST_CASE("loss_scale_factor, gradient accumulation and EMA") {
  SUBCASE("loss_scale_factor divides the gradients") {
    opt::SGD o({.learning_rate = 0.5, .loss_scale_factor = 4.0});
    auto v = make_var<double>("w", "w", {1.0, 2.0}, {2});
    o.apply({Tensor::from_vector<double>({4.0, -8.0})}, {v});
    check_close(v->value.to_vector<double>(), {0.5, 3.0}, "w");
  }
  SUBCASE("gradient_accumulation_steps=2 updates every second call with the mean") {
    opt::Adam o({.learning_rate = 0.1, .gradient_accumulation_steps = 2});
    auto v = make_var<double>("w", "w", {1.0, 2.0}, {2});
    o.apply({Tensor::from_vector<double>({0.2, -0.4})}, {v});
    check_close(v->value.to_vector<double>(), {1.0, 2.0}, "no update on the first call");
    check_close(o.slot(*v, "gradient_accumulator").to_vector<double>(), {0.2, -0.4}, "acc");
    o.apply({Tensor::from_vector<double>({0.4, 0.0})}, {v});
    Vec w = {1.0, 2.0};
    ref_adam(0.9, 0.999, 1e-7, false).update(0, w, {0.3, -0.2}, 1, 0.1);
    check_close(v->value.to_vector<double>(), w, "update with the mean gradient at t=1");
    check_close(o.slot(*v, "gradient_accumulator").to_vector<double>(), {0.0, 0.0}, "reset");
    CHECK(o.iterations() == 2);
    CHECK(o.slots_per_variable() == 3);
  }
  SUBCASE("use_ema keeps a moving average and finalize copies it") {
    opt::SGD o({.learning_rate = 0.5, .use_ema = true, .ema_momentum = 0.9});
    auto v = make_var<double>("w", "w", {1.0}, {1});
    o.apply({Tensor::from_vector<double>({1.0})}, {v});  // w = 0.5, average = w (first step)
    check_close(o.slot(*v, "average").to_vector<double>(), {0.5}, "avg1");
    o.apply({Tensor::from_vector<double>({1.0})}, {v});  // w = 0.0, average = 0.9*0.5 + 0.1*0
    check_close(v->value.to_vector<double>(), {0.0}, "w2");
    check_close(o.slot(*v, "average").to_vector<double>(), {0.45}, "avg2");
    o.finalize_variable_values({v});
    check_close(v->value.to_vector<double>(), {0.45}, "finalized");
    CHECK(o.slots_per_variable() == 1);
  }
  SUBCASE("ema_overwrite_frequency copies the average into the weights") {
    opt::SGD o({.learning_rate = 0.5, .use_ema = true, .ema_momentum = 0.5,
                .ema_overwrite_frequency = 2});
    auto v = make_var<double>("w", "w", {1.0}, {1});
    o.apply({Tensor::from_vector<double>({1.0})}, {v});  // w 0.5, avg 0.5
    o.apply({Tensor::from_vector<double>({1.0})}, {v});  // w 0.0, avg 0.25 -> w = 0.25
    check_close(v->value.to_vector<double>(), {0.25}, "overwritten");
  }
}

TEST_CASE("exclude_from_weight_decay by variable and by name pattern") {
  opt::AdamW o({.learning_rate = 0.1, .weight_decay = 0.5});
  auto vars = make_vars<double>();
  o.exclude_from_weight_decay({}, {"bias"});
  set_grad<double>(vars[0], {0, 0, 0, 0});
  set_grad<double>(vars[1], {0, 0, 0});
  o.apply_gradients(vars);
  Vec decayed = kInit[0];
  for (double& x : decayed) x -= x * 0.5 * 0.1;
  check_close(vars[0]->value.to_vector<double>(), decayed, "kernel decayed");
  check_close(vars[1]->value.to_vector<double>(), kInit[1], "bias excluded");

  opt::AdamW by_var({.learning_rate = 0.1, .weight_decay = 0.5});
  auto v2 = make_vars<double>();
  by_var.exclude_from_weight_decay({v2[0]});
  set_grad<double>(v2[0], {0, 0, 0, 0});
  set_grad<double>(v2[1], {0, 0, 0});
  by_var.apply_gradients(v2);
  check_close(v2[0]->value.to_vector<double>(), kInit[0], "kernel excluded");
  CHECK_THROWS_AS(o.exclude_from_weight_decay({}, {"("}), ValueError);
}

TEST_CASE("slots are zero-initialised with the variable's shape and dtype") {
  opt::Adagrad a;
  auto vars = make_vars<double>();
  a.build(vars);
  CHECK(a.built());
  const Tensor acc = a.slot(*vars[0], "accumulator");
  REQUIRE(acc.defined());
  CHECK(acc.shape() == Shape{2, 2});
  CHECK(acc.dtype() == DType::Float64);
  check_close(acc.to_vector<double>(), {0.1, 0.1, 0.1, 0.1}, "initial accumulator");
  CHECK_FALSE(a.slot(*vars[0], "momentum").defined());

  opt::Adam adam;
  adam.build(vars);
  check_close(adam.slot(*vars[1], "velocity").to_vector<double>(), {0, 0, 0}, "velocity");
}

// ---- state ----------------------------------------------------------------------------------

TEST_CASE("variables() lists the state in Keras 3 order with Keras names") {
  SUBCASE("Adam interleaves momentum and velocity, velocity_hat last") {
    opt::Adam o({.amsgrad = true});
    auto vars = make_vars<float>();
    o.build(vars);
    std::vector<std::string> names;
    for (const auto& [n, t] : o.variables()) names.push_back(n);
    const std::vector<std::string> want = {
        "iteration", "learning_rate",
        "dense_kernel_momentum", "dense_kernel_velocity",
        "dense_bias_momentum", "dense_bias_velocity",
        "dense_kernel_velocity_hat", "dense_bias_velocity_hat"};
    CHECK(names == want);
    // Keras's summary counts the two scalars as optimizer params.
    CHECK(o.count_params() == 2 + 3 * (4 + 3));
    const auto vs = o.variables();
    CHECK(vs[0].second.dtype() == DType::Int32);
    CHECK(vs[1].second.dtype() == DType::Float32);
    CHECK(vs[1].second.item() == doctest::Approx(0.001));
    CHECK(vs[2].second.shape() == Shape{2, 2});
  }
  SUBCASE("RMSprop groups velocities, then momentums, then average gradients") {
    opt::RMSprop o({.momentum = 0.5, .centered = true});
    o.build(make_vars<float>());
    std::vector<std::string> names;
    for (const auto& [n, t] : o.variables()) names.push_back(n);
    const std::vector<std::string> want = {
        "iteration", "learning_rate",
        "dense_kernel_velocity", "dense_bias_velocity",
        "dense_kernel_momentum", "dense_bias_momentum",
        "dense_kernel_average_gradient", "dense_bias_average_gradient"};
    CHECK(names == want);
  }
  SUBCASE("a schedule has no learning_rate variable; Nadam adds u_product") {
    opt::Nadam o(sch::ExponentialDecay(0.1, 10, 0.9));
    o.build(make_vars<float>());
    std::vector<std::string> names;
    for (const auto& [n, t] : o.variables()) names.push_back(n);
    const std::vector<std::string> want = {
        "iteration", "dense_kernel_momentum", "dense_kernel_velocity",
        "dense_bias_momentum", "dense_bias_velocity", "u_product"};
    CHECK(names == want);
    CHECK(o.count_params() == 1 + 2 * 7 + 1);
  }
  SUBCASE("SGD without momentum has only the scalars") {
    opt::SGD o;
    o.build(make_vars<float>());
    CHECK(o.variables().size() == 2);
    CHECK(o.count_params() == 2);
  }
}

TEST_CASE("set_variables restores the state so that training continues identically") {
  // Train a for one step, copy its state into a fresh b, then step both with the same grads.
  // The learning rate travels as float32 (as in Keras), so use one that float32 represents.
  opt::Nadam a({.learning_rate = 0.125});
  auto va = make_vars<double>();
  auto vb = make_vars<double>();
  for (std::size_t k = 0; k < 2; ++k) set_grad<double>(va[k], kGrads[0][k]);
  a.apply_gradients(va);
  for (std::size_t k = 0; k < 2; ++k) vb[k]->value.assign(va[k]->value);

  opt::Nadam b({.learning_rate = 0.5});
  b.build(vb);
  std::vector<Tensor> state;
  for (const auto& [n, t] : a.variables()) state.push_back(t.clone());
  b.set_variables(state);
  CHECK(b.iterations() == 1);
  CHECK(b.learning_rate() == 0.125);
  CHECK(b.u_product() == doctest::Approx(a.u_product()));

  for (std::size_t k = 0; k < 2; ++k) {
    set_grad<double>(va[k], kGrads[1][k]);
    set_grad<double>(vb[k], kGrads[1][k]);
  }
  a.apply_gradients(va);
  b.apply_gradients(vb);
  for (std::size_t k = 0; k < 2; ++k)
    check_close(vb[k]->value.to_vector<double>(), va[k]->value.to_vector<double>(),
                "continued " + va[k]->path);
}

TEST_CASE("set_variables casts dtypes and reports mismatches by slot name") {
  opt::Adam o;
  auto vars = make_vars<float>();
  o.build(vars);
  std::vector<Tensor> values;
  for (const auto& [n, t] : o.variables()) values.push_back(t.astype(DType::Float64));
  values[0] = Tensor::from_vector<float>({7.0f}, Shape{});  // a float iteration count is fine
  values[2] = Tensor::full({2, 2}, 0.25, DType::Float64);
  o.set_variables(values);
  CHECK(o.iterations() == 7);
  check_close(o.slot(*vars[0], "momentum").to_vector<float>(), {0.25, 0.25, 0.25, 0.25}, "m");
  CHECK(o.slot(*vars[0], "momentum").dtype() == DType::Float32);

  values[3] = Tensor::zeros({4, 1}, DType::Float32);
  const auto msg = message_of<ShapeError>([&] { o.set_variables(values); });
  CHECK_MESSAGE(contains(msg, "dense_kernel_velocity"), msg);
  CHECK_MESSAGE(contains(msg, "(2, 2)"), msg);
  CHECK_MESSAGE(contains(msg, "(4, 1)"), msg);
  CHECK(o.iterations() == 7);  // nothing was written

  values.pop_back();
  const auto count = message_of<ValueError>([&] { o.set_variables(values); });
  CHECK_MESSAGE(contains(count, "expects 6 values"), count);

  opt::Adam unbuilt;
  const auto hint = message_of<ValueError>([&] { unbuilt.set_variables(values); });
  CHECK_MESSAGE(contains(hint, "build"), hint);
}

TEST_CASE("copies are independent optimizers") {
  opt::Adam a(0.1);
  auto vars = make_vars<double>();
  for (std::size_t k = 0; k < 2; ++k) set_grad<double>(vars[k], kGrads[0][k]);
  a.apply_gradients(vars);
  opt::Adam b = a;  // deep copy of the slots
  const auto m_before = a.slot(*vars[0], "momentum").to_vector<double>();
  b.apply_gradients(vars);
  CHECK(a.slot(*vars[0], "momentum").to_vector<double>() == m_before);
  CHECK(b.iterations() == 2);
  CHECK(a.iterations() == 1);

  opt::OptimizerPtr c = a.clone();
  CHECK(c->class_name() == "Adam");
  c->apply_gradients(vars);
  CHECK(a.slot(*vars[0], "momentum").to_vector<double>() == m_before);

  opt::AdamW w;
  CHECK(w.clone()->class_name() == "AdamW");
}

// ---- configs --------------------------------------------------------------------------------

TEST_CASE("get_config has the Keras keys and values") {
  const Config c = opt::Adam().get_config();
  CHECK(c["name"] == "adam");
  CHECK(c["learning_rate"].get<double>() == 0.0010000000474974513);  // float32, as Keras writes
  CHECK(c["beta_1"] == 0.9);
  CHECK(c["beta_2"] == 0.999);
  CHECK(c["epsilon"] == 1e-7);
  CHECK(c["amsgrad"] == false);
  for (const char* k : {"weight_decay", "clipnorm", "global_clipnorm", "clipvalue",
                        "ema_overwrite_frequency", "loss_scale_factor",
                        "gradient_accumulation_steps"}) {
    REQUIRE_MESSAGE(c.contains(k), k);
    CHECK_MESSAGE(c[k].is_null(), k);
  }
  CHECK(c["use_ema"] == false);
  CHECK(c["ema_momentum"] == 0.99);
  CHECK(c.size() == 15);

  CHECK(opt::SGD().get_config()["name"] == "SGD");
  CHECK(opt::SGD().get_config()["momentum"] == 0.0);
  CHECK(opt::SGD().get_config()["nesterov"] == false);
  CHECK(opt::AdamW().get_config()["weight_decay"] == 0.004);
  CHECK(opt::AdamW().get_config()["name"] == "adamw");
  CHECK(opt::RMSprop().get_config()["rho"] == 0.9);
  CHECK(opt::RMSprop().get_config()["centered"] == false);
  CHECK(opt::Adagrad().get_config()["initial_accumulator_value"] == 0.1);
  CHECK(opt::Adamax().get_config()["name"] == "adamax");
  CHECK(opt::Nadam().get_config()["name"] == "nadam");

  const Config s = opt::serialize(opt::RMSprop());
  CHECK(s["module"] == "keras.optimizers");
  CHECK(s["class_name"] == "RMSprop");
  CHECK(s["registered_name"].is_null());
}

TEST_CASE("config round trips for every optimizer") {
  std::vector<opt::OptimizerPtr> all = {
      std::make_shared<opt::SGD>(opt::SGD::Options{.learning_rate = 0.05, .momentum = 0.7,
                                                   .nesterov = true, .clipnorm = 2.0,
                                                   .name = "my_sgd"}),
      std::make_shared<opt::Adam>(opt::Adam::Options{.learning_rate = 3e-4, .beta_1 = 0.8,
                                                     .beta_2 = 0.95, .epsilon = 1e-6,
                                                     .amsgrad = true, .weight_decay = 0.01}),
      std::make_shared<opt::AdamW>(opt::AdamW::Options{.learning_rate = 1e-3,
                                                       .weight_decay = 0.1,
                                                       .global_clipnorm = 1.0}),
      std::make_shared<opt::RMSprop>(opt::RMSprop::Options{.learning_rate = 0.01, .rho = 0.8,
                                                           .momentum = 0.3, .epsilon = 1e-5,
                                                           .centered = true,
                                                           .clipvalue = 0.5}),
      std::make_shared<opt::Adagrad>(opt::Adagrad::Options{.learning_rate = 0.2,
                                                           .initial_accumulator_value = 0.5,
                                                           .epsilon = 1e-6}),
      std::make_shared<opt::Adamax>(opt::Adamax::Options{.learning_rate = 0.002, .beta_1 = 0.7,
                                                         .use_ema = true,
                                                         .ema_momentum = 0.9,
                                                         .ema_overwrite_frequency = 5}),
      std::make_shared<opt::Nadam>(opt::Nadam::Options{
          .learning_rate = sch::CosineDecay(0.01, 1000, 0.1, 0.1, 100),
          .loss_scale_factor = 128.0,
          .gradient_accumulation_steps = 4}),
  };
  for (const auto& o : all) {
    const Config serialized = opt::serialize(*o);
    const Config text = Config::parse(serialized.dump());  // through JSON text, like a file
    const opt::OptimizerPtr back = opt::from_config(text);
    CHECK(back->class_name() == o->class_name());
    CHECK_MESSAGE(back->get_config() == o->get_config(), o->class_name());
    const opt::OptimizerPtr split = opt::from_config(o->class_name(), o->get_config());
    CHECK(split->get_config() == o->get_config());
  }
  CHECK(all[1]->get_config()["learning_rate"].get<double>() ==
        static_cast<double>(static_cast<float>(3e-4)));
  const Config lr = all[6]->get_config()["learning_rate"];
  CHECK(lr["class_name"] == "CosineDecay");
  CHECK(lr["config"]["warmup_steps"] == 100);
  CHECK(all[6]->learning_rate_setting().is_schedule());
}

TEST_CASE("reads Keras 3 and tf.keras optimizer JSON") {
  SUBCASE("Keras 3 compile_config optimizer") {
    const Config c = Config::parse(R"({"module": "keras.optimizers", "class_name": "Adam",
      "config": {"name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": null,
      "clipnorm": null, "global_clipnorm": null, "clipvalue": null, "use_ema": false,
      "ema_momentum": 0.99, "ema_overwrite_frequency": null, "loss_scale_factor": null,
      "gradient_accumulation_steps": null, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
      "amsgrad": false}, "registered_name": null})");
    const auto o = opt::from_config(c);
    REQUIRE(o->class_name() == "Adam");
    const auto& adam = dynamic_cast<const opt::Adam&>(*o);
    CHECK(adam.options().beta_1 == 0.9);
    CHECK(adam.options().epsilon == 1e-7);
    CHECK(o->learning_rate() == doctest::Approx(0.001).epsilon(1e-6));
    CHECK(o->get_config() == c["config"]);
  }
  SUBCASE("a schedule inside the config") {
    const Config c = Config::parse(R"({"class_name": "SGD", "config": {"name": "SGD",
      "learning_rate": {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 100000, "decay_rate": 0.96,
                   "staircase": true, "name": "ExponentialDecay"}, "registered_name": null},
      "momentum": 0.9, "nesterov": false}})");
    const auto o = opt::from_config(c);
    CHECK(o->learning_rate_setting().is_schedule());
    CHECK(o->learning_rate() == doctest::Approx(0.1));
    o->set_iterations(100000);
    CHECK(o->learning_rate() == doctest::Approx(0.096));
  }
  SUBCASE("tf.keras 2.11+ Custom>Adam with legacy keys") {
    const Config c = Config::parse(R"({"class_name": "Custom>Adam", "config": {"name": "Adam",
      "weight_decay": null, "clipnorm": null, "global_clipnorm": null, "clipvalue": null,
      "use_ema": false, "ema_momentum": 0.99, "ema_overwrite_frequency": null,
      "jit_compile": true, "is_legacy_optimizer": false, "learning_rate": 0.0005,
      "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": false}})");
    const auto o = opt::from_config(c);
    CHECK(o->class_name() == "Adam");
    CHECK(o->name() == "Adam");
    CHECK(o->learning_rate() == 0.0005);
  }
  SUBCASE("tf.keras 2.x OptimizerV2 config with decay") {
    const Config c = Config::parse(R"({"class_name": "RMSprop", "config": {"name": "RMSprop",
      "learning_rate": 0.001, "decay": 0.0, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07,
      "centered": false}})");
    CHECK(opt::from_config(c)->class_name() == "RMSprop");
  }
  SUBCASE("a bare name and a partial config use the defaults") {
    CHECK(opt::from_config(Config("adam"))->class_name() == "Adam");
    const auto o = opt::from_config("SGD", Config::parse(R"({"momentum": 0.5})"));
    CHECK(o->learning_rate() == 0.01);
    CHECK(o->get_config()["momentum"] == 0.5);
  }
}

TEST_CASE("get() resolves Keras names case-insensitively with defaults") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"adam", "Adam"},       {"Adam", "Adam"},       {"sgd", "SGD"},
      {"SGD", "SGD"},         {"rmsprop", "RMSprop"}, {"RMSprop", "RMSprop"},
      {"adamw", "AdamW"},     {"AdamW", "AdamW"},     {"adagrad", "Adagrad"},
      {"adamax", "Adamax"},   {"nadam", "Nadam"},     {"Nadam", "Nadam"}};
  for (const auto& [name, cls] : cases) {
    const auto o = opt::get(name);
    CHECK_MESSAGE(o->class_name() == cls, name);
    CHECK(o->iterations() == 0);
  }
  CHECK(opt::get("sgd")->learning_rate() == 0.01);
  CHECK(opt::get("rmsprop")->learning_rate() == 0.001);
  CHECK(opt::get("adamw")->base_options().weight_decay == 0.004);

  const auto msg = message_of<UnknownNameError>([] { opt::get("adma"); });
  CHECK_MESSAGE(contains(msg, "'adma'"), msg);
  CHECK_MESSAGE(contains(msg, "Did you mean 'adam'"), msg);
  CHECK_MESSAGE(contains(msg, "rmsprop"), msg);
  CHECK_MESSAGE(contains(msg, "nadam"), msg);

  const auto cls = message_of<UnknownNameError>(
      [] { opt::from_config(Config::parse(R"({"class_name": "Adamm", "config": {}})")); });
  CHECK_MESSAGE(contains(cls, "Adamm"), cls);
}

// ---- errors ---------------------------------------------------------------------------------

TEST_CASE("invalid hyper-parameters name the argument, the value and the expectation") {
  struct Case {
    std::function<void()> make;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {[] { opt::Adam({.learning_rate = -0.1}); }, {"learning_rate", "-0.1", ">= 0"}},
      {[] { opt::Adam({.beta_1 = 1.0}); }, {"beta_1", "1", "[0, 1)"}},
      {[] { opt::Adam({.beta_2 = -0.5}); }, {"beta_2", "-0.5", "[0, 1)"}},
      {[] { opt::Adam({.epsilon = -1e-7}); }, {"epsilon", "-1e-07", ">= 0"}},
      {[] { opt::Nadam({.beta_1 = 1.5}); }, {"Nadam", "beta_1", "1.5"}},
      {[] { opt::Adamax({.beta_2 = 1.0}); }, {"Adamax", "beta_2"}},
      {[] { opt::SGD({.momentum = 1.5}); }, {"SGD", "momentum", "1.5", "[0, 1]"}},
      {[] { opt::SGD({.momentum = -0.1}); }, {"momentum", "-0.1"}},
      {[] { opt::RMSprop({.momentum = 2.0}); }, {"RMSprop", "momentum", "2"}},
      {[] { opt::RMSprop({.rho = 1.0}); }, {"rho", "1"}},
      {[] { opt::Adagrad({.initial_accumulator_value = -1}); },
       {"initial_accumulator_value", "-1"}},
      {[] { opt::SGD({.clipnorm = 0.0}); }, {"clipnorm", "0", "> 0"}},
      {[] { opt::SGD({.clipvalue = -1.0}); }, {"clipvalue", "-1", "> 0"}},
      {[] { opt::SGD({.global_clipnorm = 0.0}); }, {"global_clipnorm", "> 0"}},
      {[] { opt::SGD({.weight_decay = -0.1}); }, {"weight_decay", "-0.1"}},
      {[] { opt::SGD({.clipnorm = 1.0, .clipvalue = 1.0}); },
       {"only one of", "clipnorm=1", "clipvalue=1", "global_clipnorm=None"}},
      {[] { opt::Adam({.gradient_accumulation_steps = 1}); },
       {"gradient_accumulation_steps", ">= 2", "1"}},
      {[] { opt::Adam({.use_ema = true, .ema_momentum = 1.5}); }, {"ema_momentum", "1.5"}},
      {[] { opt::Adam({.loss_scale_factor = 0.0}); }, {"loss_scale_factor"}},
      {[] { opt::AdamW({.weight_decay = std::nullopt}); },
       {"AdamW", "weight_decay", "None"}},
      {[] { opt::Adam({.learning_rate = 0.1, .beta_1 = 2, .name = "enc_opt"}); },
       {"'enc_opt'"}},
  };
  for (const auto& c : cases) {
    const auto msg = message_of<ValueError>(c.make);
    for (const auto& p : c.parts) CHECK_MESSAGE(contains(msg, p), "'" << p << "' in: " << msg);
  }
}

TEST_CASE("bad configs are ConfigErrors naming the key") {
  const auto unknown = message_of<ConfigError>(
      [] { opt::from_config("Adam", Config::parse(R"({"beta1": 0.9})")); });
  CHECK_MESSAGE(contains(unknown, "'beta1'"), unknown);
  CHECK_MESSAGE(contains(unknown, "Did you mean 'beta_1'"), unknown);

  const auto type = message_of<ConfigError>(
      [] { opt::from_config("SGD", Config::parse(R"({"momentum": "high"})")); });
  CHECK_MESSAGE(contains(type, "momentum"), type);
  CHECK_MESSAGE(contains(type, "number"), type);
  CHECK_MESSAGE(contains(type, "found a string 'high'"), type);  // ArgumentError wording

  const auto lr = message_of<ConfigError>(
      [] { opt::from_config("SGD", Config::parse(R"({"learning_rate": "fast"})")); });
  CHECK_MESSAGE(contains(lr, "learning_rate"), lr);

  // A value outside the argument's range is caught while reading, naming the argument.
  const auto value = message_of<ArgumentError>(
      [] { opt::from_config("SGD", Config::parse(R"({"momentum": 3})")); });
  CHECK_MESSAGE(contains(value, "SGD argument 'momentum': expected a number in [0, 1], found a number 3.0"), value);

  const auto wd = message_of<ValueError>(
      [] { opt::from_config("AdamW", Config::parse(R"({"weight_decay": null})")); });
  CHECK_MESSAGE(contains(wd, "weight_decay"), wd);
  CHECK(opt::from_config("AdamW", Config::object())->base_options().weight_decay == 0.004);

  CHECK_THROWS_AS(opt::from_config(Config::parse(R"({"config": {}})")), ConfigError);
  CHECK_THROWS_AS(opt::from_config(Config::parse(R"({"class_name": "Adam", "extra": 1})")),
                  ConfigError);
}

// ---- Lion, Adadelta, Ftrl, Adafactor (Keras 3 formulas) -------------------------------------
//
// Each runs three steps on the 2x2 kernel of kInit[0] with the gradients kGrads[s][0]. The
// expected weights were computed from Keras 3's update_step formulas (keras/src/optimizers/
// <name>.py) in double precision, written out below step by step.

namespace {

template <class T>
void run_three_steps(opt::Optimizer& o, const Shape& shape, const std::vector<Vec>& want) {
  const VariablePtr v = make_var<T>("kernel", "dense/kernel", kInit[0], shape);
  for (std::size_t s = 0; s < 3; ++s) {
    set_grad<T>(v, kGrads[s][0]);
    o.apply_gradients({v});
    check_close(v->value.to_vector<T>(), want[s], o.class_name() + " step " + std::to_string(s + 1));
  }
}

/// Minimises f(w) = ½‖w - target‖² from w = 0 and returns max |w - target|.
double quadratic_error(opt::Optimizer& o, int steps, const Shape& shape = {2, 2}) {
  const Vec target = {1.0, -2.0, 0.5, 3.0};
  auto v = make_var<double>("kernel", "dense/kernel", {0, 0, 0, 0}, shape);
  for (int s = 0; s < steps; ++s) {
    const Vec w = v->value.to_vector<double>();
    Vec g(4);
    for (std::size_t i = 0; i < 4; ++i) g[i] = w[i] - target[i];
    set_grad<double>(v, g);
    o.apply_gradients({v});
  }
  double err = 0;
  const Vec w = v->value.to_vector<double>();
  for (std::size_t i = 0; i < 4; ++i) err = std::max(err, std::fabs(w[i] - target[i]));
  return err;
}

}  // namespace

TEST_CASE_TEMPLATE("Lion optimizer matches Keras for three steps", T, float, double) {
  // lr 0.1, beta_1 0.9, beta_2 0.99; w -= lr·sign(0.9·m + 0.1·g); m = 0.99·m + 0.01·g.
  // step 1: m = 0 -> sign(g1) = (+, -, +, 0): w = (0.4, -0.9, 1.9, 0.25);
  //         m = 0.01·g1 = (0.001, -0.002, 0.003, 0).
  // step 2: 0.9·m + 0.1·g2 = (-0.0291, 0.0382, 0.2527, 0.01) -> (-, +, +, +):
  //         w = (0.5, -1.0, 1.8, 0.15); m = 0.99·m + 0.01·g2 = (-0.00201, 0.00202, 0.02797, 0.001).
  // step 3: 0.9·m + 0.1·g3 = (0.003191, -0.148182, 0.045173, -0.0241) -> (+, -, +, -):
  //         w = (0.4, -0.9, 1.7, 0.25).
  opt::Lion o({.learning_rate = 0.1});
  run_three_steps<T>(o, {2, 2}, {{0.4, -0.9, 1.9, 0.25}, {0.5, -1.0, 1.8, 0.15}, {0.4, -0.9, 1.7, 0.25}});
  CHECK(o.slot(*o.tracked_variables()[0], "momentum").defined());
  CHECK(o.slots_per_variable() == 1);
}

TEST_CASE_TEMPLATE("Adadelta optimizer matches Keras for three steps", T, float, double) {
  // lr 1, rho 0.95, eps 1e-7; rms(x) = sqrt(x + eps).
  // step 1, first entry (g = 0.1): E[g²] = 0.05·0.01 = 5e-4; Δ = -rms(0)·0.1 / rms(5e-4)
  //   = -sqrt(1e-7)·0.1/sqrt(5.001e-4) = -1.41407216e-3; w = 0.5 + Δ = 0.49858592784;
  //   E[Δ²] = 0.05·Δ² = 9.998e-8. The same for every entry and the next steps gives:
  opt::Adadelta o({.learning_rate = 1.0});
  run_three_steps<T>(o, {2, 2},
                     {{0.4985859278377735, -0.9985858217916402, 1.9985858021508491, 0.25},
                      {0.500487941507246, -1.000383656539246, 1.9965993547244065, 0.24858592783777347},
                      {0.5000478388886056, -0.9978181419673977, 1.996371760335813, 0.25044919878724253}});
  CHECK(o.slots_per_variable() == 2);
  CHECK(o.variables()[2].first == "dense_kernel_accumulated_grad");
  CHECK(o.variables()[3].first == "dense_kernel_accumulated_delta_var");
}

TEST_CASE_TEMPLATE("Ftrl optimizer matches Keras for three steps", T, float, double) {
  // lr 0.1, power -0.5, n0 = 0.1, l1 0.01, l2 0.02 (beta 0, no shrinkage). First entry, step 1:
  //   n' = 0.1 + 0.01 = 0.11; z = 0 + 0.1 - (sqrt(0.11) - sqrt(0.1))/0.1·0.5 = 0.0754675...;
  //   quadratic = sqrt(0.11)/0.1 + 2·0.02 = 3.356625; w = (clip(z, ±0.01) - z)/quadratic
  //   = (0.01 - 0.0754675)/3.356625 = -0.00382123. Entry 4 has g = 0 so z = 0 and w = 0.
  opt::Ftrl o({.learning_rate = 0.1, .l1_regularization_strength = 0.01, .l2_regularization_strength = 0.02});
  run_three_steps<T>(o, {2, 2},
                     {{-0.0038212298685703023, -0.09767667687121517, 0.4735827291062491, 0.0},
                      {0.058233637890844556, -0.17017688454964686, 0.3752239634598631, -0.026812648306297822},
                      {0.047220422031813716, -0.07647794708961975, 0.36737954775676396, 0.02803659824616957}});
  // with l2 shrinkage 0.05 (grad_to_use = g + 2·0.05·w) and beta 0.5 (l2' = 0.02 + 0.5/(2·0.1)):
  opt::Ftrl s({.learning_rate = 0.1, .l1_regularization_strength = 0.01, .l2_regularization_strength = 0.02,
               .l2_shrinkage_regularization_strength = 0.05, .beta = 0.5});
  run_three_steps<T>(s, {2, 2},
                     {{-0.007518159123166477, -0.03067527173301877, 0.2003684237970058, -0.001828760329931586},
                      {0.021996958957620993, -0.06841644881381448, 0.11751922781936495, -0.013773430154309534},
                      {0.016525292721167942, 0.0023561487428397387, 0.11057559569920314, 0.01139457727766606}});
  CHECK(o.slot(*o.tracked_variables()[0], "accumulator").defined());
}

TEST_CASE_TEMPLATE("Adafactor optimizer matches Keras for three steps", T, float, double) {
  // lr 0.5, relative_step: lr_t = min(0.5, 1/sqrt(t)); rho = min(lr_t, 1/sqrt(t));
  // alpha = max(1e-3, rms(w))·rho; G = g² + 1e-30; beta = 1 - t^-0.8 (0 at t = 1).
  // Factored (2x2): step 1, r = mean(G, -1) = (0.025, 0.045), c = mean(G, -2) = (0.05, 0.02),
  //   v = (r / mean(r))[:, None]·c[None, :] = [[0.0357143, 0.0142857], [0.0642857, 0.0257143]];
  //   u = g / sqrt(v) = (0.52915, -1.67332, 1.18322, 0); rms(u) = 1.05830 > 1 so u /= 1.05830;
  //   alpha = rms(w0)·0.5 = 1.1663·0.5 -> w = w0 - alpha·u.
  SUBCASE("factored second moments for a 2-D variable") {
    opt::Adafactor o({.learning_rate = 0.5});
    run_three_steps<T>(o, {2, 2},
                       {{0.21188923570959728, -0.08891376643042193, 1.3557647459972406, 0.25},
                        {0.3010512318666827, -0.7627564927444116, 1.197496952556897, 0.21411668445657644},
                        {0.2843821973463178, -0.03565012851112881, 1.1514939784392524, 0.2977274439103134}});
    const auto vars = o.variables();
    // iteration, learning_rate, then r (2), c (2), velocity (2x2) as Keras creates them
    REQUIRE(vars.size() == 5);
    CHECK(vars[2].second.shape() == Shape{2});
    CHECK(vars[3].second.shape() == Shape{2});
    CHECK(vars[4].second.shape() == Shape{2, 2});
    CHECK(o.count_params() == 2 + 2 + 2 + 4);
  }
  SUBCASE("unfactored for a 1-D variable") {
    // v = beta·v + (1 - beta)·G, so v = G at step 1 and u = sign(g).
    opt::Adafactor o({.learning_rate = 0.5});
    run_three_steps<T>(o, {4},
                       {{-0.07622152858080544, -0.42377847141919456, 1.4237784714191946, 0.25},
                        {0.29776739107017064, -0.7811598278557961, 1.0367557873794022, -0.1390823287840967},
                        {0.21167627267241218, -0.30617575991475043, 0.99348776656206, 0.32284512339971777}});
    const auto vars = o.variables();
    REQUIRE(vars.size() == 5);
    CHECK(vars[2].second.numel() == 1);  // Keras's scalar placeholders for r and c
  }
  SUBCASE("relative_step off keeps the given rate") {
    opt::Adafactor o({.learning_rate = 0.01, .relative_step = false});
    run_three_steps<T>(o, {2, 2},
                       {{0.49423778471419194, -0.9817782753286084, 1.9871152949199449, 0.25},
                        {0.49715265801830927, -1.0038074610665075, 1.9819412231642157, 0.24882690694411475},
                        {0.496632235665906, -0.9811065419425252, 1.9805049686541778, 0.2514373105681505}});
  }
}

TEST_CASE("Lion, Adadelta, Ftrl and Adafactor optimizers minimise a quadratic") {
  opt::Lion lion({.learning_rate = 0.05});
  CHECK(quadratic_error(lion, 300) < 0.06);
  opt::Adadelta adadelta({.learning_rate = 1.0, .rho = 0.9, .epsilon = 1e-3});
  CHECK(quadratic_error(adadelta, 300) < 1e-3);
  opt::Ftrl ftrl({.learning_rate = 0.5});
  CHECK(quadratic_error(ftrl, 300) < 1e-6);
  opt::Adafactor adafactor({.learning_rate = 1.0});
  CHECK(quadratic_error(adafactor, 300, {4}) < 1e-3);
  opt::Adafactor factored({.learning_rate = 1.0});
  CHECK(quadratic_error(factored, 500) < 1e-2);
}

TEST_CASE("new optimizer defaults, configs and argument checks follow Keras") {
  const Config l = opt::Lion().get_config();
  CHECK(l["name"] == "lion");
  CHECK(l["beta_1"] == 0.9);
  CHECK(l["beta_2"] == 0.99);
  CHECK(l.size() == 13);
  const Config d = opt::Adadelta().get_config();
  CHECK(d["rho"] == 0.95);
  CHECK(d["epsilon"] == 1e-7);
  CHECK(d["name"] == "adadelta");
  const Config f = opt::Ftrl().get_config();
  CHECK(f == Config::parse(R"({"name": "ftrl", "learning_rate": 0.0010000000474974513, "weight_decay": null,
      "clipnorm": null, "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
      "ema_overwrite_frequency": null, "loss_scale_factor": null, "gradient_accumulation_steps": null,
      "learning_rate_power": -0.5, "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
      "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0})"));
  const Config a = opt::Adafactor().get_config();
  CHECK(a["beta_2_decay"] == -0.8);
  CHECK(a["epsilon_1"] == 1e-30);
  CHECK(a["epsilon_2"] == 1e-3);
  CHECK(a["clip_threshold"] == 1.0);
  CHECK(a["relative_step"] == true);

  std::vector<opt::OptimizerPtr> all = {
      std::make_shared<opt::Lion>(opt::Lion::Options{.learning_rate = 3e-4, .beta_1 = 0.95, .weight_decay = 0.1}),
      std::make_shared<opt::Adadelta>(opt::Adadelta::Options{.rho = 0.9, .epsilon = 1e-6, .clipnorm = 1.0}),
      std::make_shared<opt::Ftrl>(opt::Ftrl::Options{.learning_rate_power = -0.7, .beta = 0.1, .name = "f"}),
      std::make_shared<opt::Adafactor>(opt::Adafactor::Options{
          .learning_rate = sch::ExponentialDecay(0.1, 10, 0.5), .relative_step = false})};
  for (const auto& o : all) {
    CAPTURE(o->class_name());
    const opt::OptimizerPtr back = opt::from_config(Config::parse(opt::serialize(*o).dump()));
    CHECK(back->class_name() == o->class_name());
    CHECK(back->get_config() == o->get_config());
    CHECK(opt::get(o->class_name())->class_name() == o->class_name());
    CHECK(o->clone()->get_config() == o->get_config());
  }

  const auto beta = [] { opt::Lion({.beta_1 = 0.0}); };
  CHECK_THROWS_AS(beta(), ValueError);
  const auto power = [] { opt::Ftrl({.learning_rate_power = 0.5}); };
  CHECK_THROWS_AS(power(), ValueError);
  const auto l1 = [] { opt::Ftrl({.l1_regularization_strength = -1}); };
  CHECK_THROWS_AS(l1(), ValueError);
  const auto iav = [] { opt::Ftrl({.initial_accumulator_value = -0.1}); };
  CHECK_THROWS_AS(iav(), ValueError);
}

TEST_CASE("optimizer registry: Keras names, aliases and Custom> prefixes") {
  for (const auto& [name, cls] : std::vector<std::pair<std::string, std::string>>{
           {"lion", "Lion"}, {"Lion", "Lion"}, {"adadelta", "Adadelta"}, {"ftrl", "Ftrl"},
           {"Adafactor", "Adafactor"}, {"adafactor", "Adafactor"}, {"ADAM", "Adam"}}) {
    CAPTURE(name);
    CHECK(opt::get(name)->class_name() == cls);
  }
  CHECK(opt::registry().contains("adam"));
  CHECK(opt::registry().contains("Adam"));
  const auto known = opt::names();
  for (const char* n : {"lion", "adadelta", "ftrl", "adafactor"})
    CHECK(std::find(known.begin(), known.end(), n) != known.end());
  const auto custom = opt::from_config(Config::parse(R"({"class_name": "Custom>Ftrl", "config": {
      "name": "Ftrl", "learning_rate": 0.01, "is_legacy_optimizer": false, "jit_compile": false,
      "learning_rate_power": -0.5, "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
      "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0}})"));
  CHECK(custom->class_name() == "Ftrl");
  CHECK(custom->learning_rate() == 0.01);
  // Keras 2.2's "lr"
  CHECK(opt::from_config("SGD", Config::parse(R"({"lr": 0.2})"))->learning_rate() ==
        doctest::Approx(0.2));
}

TEST_CASE("optimizer config errors are ArgumentErrors with paths and suggestions") {
  const auto typo = message_of<ArgumentError>(
      [] { opt::from_config("Adam", Config::parse(R"({"learnig_rate": 0.1})"), ConfigSource::user); });
  CHECK_MESSAGE(contains(typo, "Adam argument 'learnig_rate'"), typo);
  CHECK_MESSAGE(contains(typo, "Did you mean 'learning_rate'?"), typo);

  const auto type = message_of<ArgumentError>(
      [] { opt::from_config("SGD", Config::parse(R"({"momentum": "high"})"), ConfigSource::user); });
  CHECK_MESSAGE(contains(type, "SGD argument 'momentum': expected a number, found a string 'high'"), type);

  const auto schedule = message_of<ArgumentError>([] {
    opt::from_config("Adam", Config::parse(R"({"learning_rate": {"class_name": "ExponentialDecai",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}}})"),
                     ConfigSource::user);
  });
  CHECK_MESSAGE(contains(schedule, "'learning_rate'"), schedule);
  CHECK_MESSAGE(contains(schedule, "Did you mean 'ExponentialDecay'?"), schedule);

  try {
    opt::from_config("Adam", Config::parse(R"({"learning_rate": {"class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircas": true}}})"));
    FAIL("no exception");
  } catch (const ArgumentError& e) {
    CHECK(e.owner() == "Adam");
    CHECK(e.path() == "learning_rate.config.staircas");
    CHECK(e.unknown_key());
  }

  // keys tf.keras writes that Keras 3 dropped: accepted from files, refused in user configs
  const Config legacy = Config::parse(R"({"decay": 0.01, "jit_compile": false})");
  CHECK(opt::from_config("Adam", legacy)->class_name() == "Adam");
  CHECK_THROWS_AS(opt::from_config("Adam", legacy, ConfigSource::user), ArgumentError);
  CHECK(opt::from_config("Adam", Config::parse(R"({"decay": 0.0})"), ConfigSource::user)->class_name() == "Adam");
}
