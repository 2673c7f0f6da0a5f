// The Keras optimizer classes: argument checks, slot layouts, the fused kernel each one
// calls, config keys, and the name/config registry.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>

#include "config_reader.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/optimizers.hpp"

namespace temper::optimizers {

using detail::ConfigReader;
using detail::fmt;

namespace {

template <class O>
O with_learning_rate(LearningRate lr) {
  O o;
  o.learning_rate = std::move(lr);
  return o;
}

void check_beta(const std::string& who, const char* arg, double v) {
  if (!(v >= 0 && v < 1))
    throw ValueError(who + ": argument `" + arg + "` must be in [0, 1). Received: " + arg + "=" +
                     fmt(v));
}

void check_unit_closed(const std::string& who, const char* arg, double v) {
  if (!(v >= 0 && v <= 1))
    throw ValueError(who + ": argument `" + arg + "` must be a float between [0, 1]. "
                     "Received: " + arg + "=" + fmt(v));
}

void check_nonnegative(const std::string& who, const char* arg, double v) {
  if (!(v >= 0) || !std::isfinite(v))
    throw ValueError(who + ": argument `" + arg + "` must be a finite number >= 0. Received: " +
                     arg + "=" + fmt(v));
}

/// The base-class arguments every Keras optimizer config carries. A key that is absent keeps
/// the option struct's default (AdamW's weight_decay is 0.004 unless the config says null).
template <class O>
void read_base(const Config& c, ConfigReader& r, O& o) {
  if (const Config* lr = r.raw("learning_rate")) {
    o.learning_rate = LearningRate::from_config(*lr);
  } else if (const Config* legacy = r.raw("lr")) {  // Keras 2.2-era spelling
    o.learning_rate = LearningRate::from_config(*legacy);
  }
  auto optional = [&](const char* key, std::optional<double>& field) {
    if (c.contains(key)) field = r.optional_number(key);
    else r.ignore(key);
  };
  optional("weight_decay", o.weight_decay);
  optional("clipnorm", o.clipnorm);
  optional("clipvalue", o.clipvalue);
  optional("global_clipnorm", o.global_clipnorm);
  optional("loss_scale_factor", o.loss_scale_factor);
  o.use_ema = r.boolean("use_ema", o.use_ema);
  o.ema_momentum = r.number("ema_momentum", o.ema_momentum);
  o.ema_overwrite_frequency = r.optional_integer("ema_overwrite_frequency");
  o.gradient_accumulation_steps = r.optional_integer("gradient_accumulation_steps");
  o.name = r.string("name", o.name);
  // tf.keras 2.x keys that Keras 3 drops (it warns about a non-null decay and ignores it).
  if (const Config* decay = r.raw("decay")) {
    if (!decay->is_number() || decay->get<double>() != 0.0)
      spdlog::warn("optimizer config: argument `decay` is no longer supported and is ignored "
                   "(got {})", decay->dump());
  }
  r.ignore("jit_compile");
  r.ignore("is_legacy_optimizer");
}

Config with_keys(Config base, std::initializer_list<std::pair<const char*, Config>> extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

}  // namespace

// ---- SGD ----------------------------------------------------------------------------------

SGD::SGD(Options options)
    : Optimizer(base_of(options), "SGD", "SGD"), o_(std::move(options)) {
  o_.name = name();
  check_unit_closed(describe(), "momentum", o_.momentum);
}

SGD::SGD(LearningRate learning_rate) : SGD(with_learning_rate<Options>(std::move(learning_rate))) {}

std::vector<Optimizer::SlotSpec> SGD::slot_specs() const {
  if (o_.momentum == 0.0) return {};
  return {{"momentum", 0.0, 0}};
}

void SGD::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                      const StepContext& ctx) {
  OptimizerStep s;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.momentum = o_.momentum;
  s.beta1 = o_.momentum;
  s.nesterov = o_.nesterov;
  w.backend().sgd_update(w, g, slots.empty() ? nullptr : &slots[0], s);
}

Config SGD::get_config() const {
  return with_keys(Optimizer::get_config(), {{"momentum", o_.momentum}, {"nesterov", o_.nesterov}});
}

std::shared_ptr<SGD> SGD::from_config(const Config& config) {
  ConfigReader r(config, "SGD config");
  Options o;
  read_base(config, r, o);
  o.momentum = r.number("momentum", o.momentum);
  o.nesterov = r.boolean("nesterov", o.nesterov);
  r.finish();
  return std::make_shared<SGD>(o);
}

// ---- Adam ---------------------------------------------------------------------------------

Adam::Adam(Options options) : Adam(std::move(options), "Adam", "adam") {}

Adam::Adam(LearningRate learning_rate)
    : Adam(with_learning_rate<Options>(std::move(learning_rate))) {}

Adam::Adam(Options options, std::string keras_class, const std::string& default_name)
    : Optimizer(base_of(options), std::move(keras_class), default_name), o_(std::move(options)) {
  o_.name = name();
  check_beta(describe(), "beta_1", o_.beta_1);
  check_beta(describe(), "beta_2", o_.beta_2);
  check_nonnegative(describe(), "epsilon", o_.epsilon);
}

std::vector<Optimizer::SlotSpec> Adam::slot_specs() const {
  std::vector<SlotSpec> s = {{"momentum", 0.0, 0}, {"velocity", 0.0, 0}};
  if (o_.amsgrad) s.push_back({"velocity_hat", 0.0, 1});
  return s;
}

void Adam::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                       const StepContext& ctx) {
  OptimizerStep s;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.beta1 = o_.beta_1;
  s.beta2 = o_.beta_2;
  s.epsilon = o_.epsilon;
  s.amsgrad = o_.amsgrad;
  w.backend().adam_update(w, g, slots[0], slots[1], o_.amsgrad ? &slots[2] : nullptr, s);
}

Config Adam::get_config() const {
  return with_keys(Optimizer::get_config(), {{"beta_1", o_.beta_1},
                                             {"beta_2", o_.beta_2},
                                             {"epsilon", o_.epsilon},
                                             {"amsgrad", o_.amsgrad}});
}

std::shared_ptr<Adam> Adam::from_config(const Config& config) {
  ConfigReader r(config, "Adam config");
  Options o;
  read_base(config, r, o);
  o.beta_1 = r.number("beta_1", o.beta_1);
  o.beta_2 = r.number("beta_2", o.beta_2);
  o.epsilon = r.number("epsilon", o.epsilon);
  o.amsgrad = r.boolean("amsgrad", o.amsgrad);
  r.finish();
  return std::make_shared<Adam>(o);
}

// ---- AdamW --------------------------------------------------------------------------------

AdamOptions AdamW::to_adam(const Options& o) {
  if (!o.weight_decay)
    throw ValueError("AdamW optimizer '" + (o.name.empty() ? std::string("adamw") : o.name) +
                     "': argument `weight_decay` must be a float. Received: weight_decay=None");
  AdamOptions a;
  a.learning_rate = o.learning_rate;
  a.beta_1 = o.beta_1;
  a.beta_2 = o.beta_2;
  a.epsilon = o.epsilon;
  a.amsgrad = o.amsgrad;
  a.weight_decay = o.weight_decay;
  a.clipnorm = o.clipnorm;
  a.clipvalue = o.clipvalue;
  a.global_clipnorm = o.global_clipnorm;
  a.use_ema = o.use_ema;
  a.ema_momentum = o.ema_momentum;
  a.ema_overwrite_frequency = o.ema_overwrite_frequency;
  a.loss_scale_factor = o.loss_scale_factor;
  a.gradient_accumulation_steps = o.gradient_accumulation_steps;
  a.name = o.name;
  return a;
}

AdamW::AdamW(Options options) : Adam(to_adam(options), "AdamW", "adamw") {}

AdamW::AdamW(LearningRate learning_rate)
    : AdamW(with_learning_rate<Options>(std::move(learning_rate))) {}

std::shared_ptr<AdamW> AdamW::from_config(const Config& config) {
  ConfigReader r(config, "AdamW config");
  Options o;
  read_base(config, r, o);
  o.beta_1 = r.number("beta_1", o.beta_1);
  o.beta_2 = r.number("beta_2", o.beta_2);
  o.epsilon = r.number("epsilon", o.epsilon);
  o.amsgrad = r.boolean("amsgrad", o.amsgrad);
  r.finish();
  return std::make_shared<AdamW>(o);
}

// ---- RMSprop ------------------------------------------------------------------------------

RMSprop::RMSprop(Options options)
    : Optimizer(base_of(options), "RMSprop", "rmsprop"), o_(std::move(options)) {
  o_.name = name();
  check_beta(describe(), "rho", o_.rho);
  check_unit_closed(describe(), "momentum", o_.momentum);
  check_nonnegative(describe(), "epsilon", o_.epsilon);
}

RMSprop::RMSprop(LearningRate learning_rate)
    : RMSprop(with_learning_rate<Options>(std::move(learning_rate))) {}

std::vector<Optimizer::SlotSpec> RMSprop::slot_specs() const {
  // Keras creates all velocities, then all momentums, then all average gradients.
  std::vector<SlotSpec> s = {{"velocity", 0.0, 0}};
  if (o_.momentum > 0) s.push_back({"momentum", 0.0, 1});
  if (o_.centered) s.push_back({"average_gradient", 0.0, 2});
  return s;
}

void RMSprop::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                          const StepContext& ctx) {
  OptimizerStep s;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.beta1 = o_.rho;
  s.epsilon = o_.epsilon;
  s.momentum = o_.momentum;
  s.centered = o_.centered;
  Tensor* mom = o_.momentum > 0 ? &slots[1] : nullptr;
  Tensor* mg = o_.centered ? &slots[o_.momentum > 0 ? 2 : 1] : nullptr;
  w.backend().rmsprop_update(w, g, slots[0], mg, mom, s);
}

Config RMSprop::get_config() const {
  return with_keys(Optimizer::get_config(), {{"rho", o_.rho},
                                             {"momentum", o_.momentum},
                                             {"epsilon", o_.epsilon},
                                             {"centered", o_.centered}});
}

std::shared_ptr<RMSprop> RMSprop::from_config(const Config& config) {
  ConfigReader r(config, "RMSprop config");
  Options o;
  read_base(config, r, o);
  o.rho = r.number("rho", o.rho);
  o.momentum = r.number("momentum", o.momentum);
  o.epsilon = r.number("epsilon", o.epsilon);
  o.centered = r.boolean("centered", o.centered);
  r.finish();
  return std::make_shared<RMSprop>(o);
}

// ---- Adagrad ------------------------------------------------------------------------------

Adagrad::Adagrad(Options options)
    : Optimizer(base_of(options), "Adagrad", "adagrad"), o_(std::move(options)) {
  o_.name = name();
  check_nonnegative(describe(), "initial_accumulator_value", o_.initial_accumulator_value);
  check_nonnegative(describe(), "epsilon", o_.epsilon);
}

Adagrad::Adagrad(LearningRate learning_rate)
    : Adagrad(with_learning_rate<Options>(std::move(learning_rate))) {}

std::vector<Optimizer::SlotSpec> Adagrad::slot_specs() const {
  return {{"accumulator", o_.initial_accumulator_value, 0}};
}

void Adagrad::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                          const StepContext& ctx) {
  OptimizerStep s;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.epsilon = o_.epsilon;
  w.backend().adagrad_update(w, g, slots[0], s);
}

Config Adagrad::get_config() const {
  return with_keys(Optimizer::get_config(),
                   {{"initial_accumulator_value", o_.initial_accumulator_value},
                    {"epsilon", o_.epsilon}});
}

std::shared_ptr<Adagrad> Adagrad::from_config(const Config& config) {
  ConfigReader r(config, "Adagrad config");
  Options o;
  read_base(config, r, o);
  o.initial_accumulator_value = r.number("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = r.number("epsilon", o.epsilon);
  r.finish();
  return std::make_shared<Adagrad>(o);
}

// ---- Adamax -------------------------------------------------------------------------------

Adamax::Adamax(Options options)
    : Optimizer(base_of(options), "Adamax", "adamax"), o_(std::move(options)) {
  o_.name = name();
  check_beta(describe(), "beta_1", o_.beta_1);
  check_beta(describe(), "beta_2", o_.beta_2);
  check_nonnegative(describe(), "epsilon", o_.epsilon);
}

Adamax::Adamax(LearningRate learning_rate)
    : Adamax(with_learning_rate<Options>(std::move(learning_rate))) {}

std::vector<Optimizer::SlotSpec> Adamax::slot_specs() const {
  return {{"momentum", 0.0, 0}, {"norm", 0.0, 0}};
}

void Adamax::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                         const StepContext& ctx) {
  OptimizerStep s;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.beta1 = o_.beta_1;
  s.beta2 = o_.beta_2;
  s.epsilon = o_.epsilon;
  w.backend().adamax_update(w, g, slots[0], slots[1], s);
}

Config Adamax::get_config() const {
  return with_keys(Optimizer::get_config(),
                   {{"beta_1", o_.beta_1}, {"beta_2", o_.beta_2}, {"epsilon", o_.epsilon}});
}

std::shared_ptr<Adamax> Adamax::from_config(const Config& config) {
  ConfigReader r(config, "Adamax config");
  Options o;
  read_base(config, r, o);
  o.beta_1 = r.number("beta_1", o.beta_1);
  o.beta_2 = r.number("beta_2", o.beta_2);
  o.epsilon = r.number("epsilon", o.epsilon);
  r.finish();
  return std::make_shared<Adamax>(o);
}

// ---- Nadam --------------------------------------------------------------------------------

Nadam::Nadam(Options options)
    : Optimizer(base_of(options), "Nadam", "nadam"), o_(std::move(options)) {
  o_.name = name();
  check_beta(describe(), "beta_1", o_.beta_1);
  check_beta(describe(), "beta_2", o_.beta_2);
  check_nonnegative(describe(), "epsilon", o_.epsilon);
}

Nadam::Nadam(LearningRate learning_rate)
    : Nadam(with_learning_rate<Options>(std::move(learning_rate))) {}

std::vector<Optimizer::SlotSpec> Nadam::slot_specs() const {
  return {{"momentum", 0.0, 0}, {"velocity", 0.0, 0}};
}

void Nadam::before_update_steps(const StepContext& ctx) {
  // Keras 3 Nadam._backend_update_step: the product advances once per update, before the
  // per-variable updates read it.
  const double t = static_cast<double>(ctx.t);
  const double u_t = o_.beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
  const double u_t1 = o_.beta_1 * (1.0 - 0.5 * std::pow(0.96, t + 1.0));
  u_product_ *= u_t;
  step_.nadam_u_t = u_t;
  step_.nadam_u_t1 = u_t1;
  step_.nadam_u_product = u_product_;
  step_.nadam_u_product_t1 = u_product_ * u_t1;
}

void Nadam::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                        const StepContext& ctx) {
  OptimizerStep s = step_;
  s.lr = ctx.lr;
  s.t = ctx.t;
  s.beta1 = o_.beta_1;
  s.beta2 = o_.beta_2;
  s.epsilon = o_.epsilon;
  w.backend().nadam_update(w, g, slots[0], slots[1], s);
}

std::vector<std::pair<std::string, Tensor>> Nadam::extra_variables(DType dtype) const {
  return {{"u_product", Tensor::scalar(u_product_, dtype)}};
}

void Nadam::set_extra_variables(const std::vector<Tensor>& values, std::size_t first) {
  const Tensor& v = values.at(first);
  if (!v.defined() || v.numel() != 1)
    throw ShapeError(describe() + ": optimizer variable 'u_product' is a scalar but the value to "
                     "load has shape " + (v.defined() ? shape_to_string(v.shape()) : "undefined"));
  u_product_ = v.item();
}

Config Nadam::get_config() const {
  return with_keys(Optimizer::get_config(),
                   {{"beta_1", o_.beta_1}, {"beta_2", o_.beta_2}, {"epsilon", o_.epsilon}});
}

std::shared_ptr<Nadam> Nadam::from_config(const Config& config) {
  ConfigReader r(config, "Nadam config");
  Options o;
  read_base(config, r, o);
  o.beta_1 = r.number("beta_1", o.beta_1);
  o.beta_2 = r.number("beta_2", o.beta_2);
  o.epsilon = r.number("epsilon", o.epsilon);
  r.finish();
  return std::make_shared<Nadam>(o);
}

// ---- registry -----------------------------------------------------------------------------

namespace {

using Factory = OptimizerPtr (*)(const Config&);

// Keras class name -> config factory.
const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> f = {
      {"SGD", [](const Config& c) -> OptimizerPtr { return SGD::from_config(c); }},
      {"Adam", [](const Config& c) -> OptimizerPtr { return Adam::from_config(c); }},
      {"AdamW", [](const Config& c) -> OptimizerPtr { return AdamW::from_config(c); }},
      {"RMSprop", [](const Config& c) -> OptimizerPtr { return RMSprop::from_config(c); }},
      {"Adagrad", [](const Config& c) -> OptimizerPtr { return Adagrad::from_config(c); }},
      {"Adamax", [](const Config& c) -> OptimizerPtr { return Adamax::from_config(c); }},
      {"Nadam", [](const Config& c) -> OptimizerPtr { return Nadam::from_config(c); }},
  };
  return f;
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The Keras class name for a case-insensitive spelling, or "" if none.
std::string canonical_class(const std::string& name) {
  const std::string l = lower(name);
  for (const auto& [cls, f] : factories())
    if (lower(cls) == l) return cls;
  return "";
}

}  // namespace

std::vector<std::string> names() {
  return {"adagrad", "adam", "adamax", "adamw", "nadam", "rmsprop", "sgd"};
}

OptimizerPtr get(const std::string& name) {
  const std::string cls = canonical_class(name);
  if (cls.empty()) throw UnknownNameError(unknown_name_message("optimizer", name, names()));
  return factories().at(cls)(Config::object());
}

OptimizerPtr from_config(const std::string& class_name, const Config& config) {
  std::string cls = class_name;
  if (cls.rfind("Custom>", 0) == 0) cls = cls.substr(7);  // tf.keras 2.11-2.15 spelling
  const std::string canonical = canonical_class(cls);
  if (canonical.empty())
    throw UnknownNameError(unknown_name_message("optimizer", class_name, names()));
  return factories().at(canonical)(config);
}

OptimizerPtr from_config(const Config& serialized) {
  if (serialized.is_string()) return get(serialized.get<std::string>());
  if (!serialized.is_object() || !serialized.contains("class_name") ||
      !serialized.at("class_name").is_string())
    throw ConfigError("a serialized optimizer must be a name or an object with a string "
                      "\"class_name\" and a \"config\" object, got " + serialized.dump());
  for (auto it = serialized.begin(); it != serialized.end(); ++it) {
    const std::string& k = it.key();
    if (k != "class_name" && k != "config" && k != "module" && k != "registered_name")
      throw ConfigError("serialized optimizer: unknown key '" + k +
                        "' (expected class_name, config, module, registered_name)");
  }
  const Config empty = Config::object();
  const Config& cfg = serialized.contains("config") && !serialized.at("config").is_null()
                          ? serialized.at("config")
                          : empty;
  return from_config(serialized.at("class_name").get<std::string>(), cfg);
}

Config serialize(const Optimizer& optimizer) {
  return {{"module", "keras.optimizers"},
          {"class_name", optimizer.class_name()},
          {"config", optimizer.get_config()},
          {"registered_name", nullptr}};
}

}  // namespace temper::optimizers
