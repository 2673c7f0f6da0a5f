// The Keras optimizer classes: argument tables, slot layouts, the backend kernels each update
// uses, and their registration (next to each class) in the optimizer registry.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/optimizers.hpp"

namespace temper::optimizers {

namespace {

template <class O>
O with_learning_rate(LearningRate lr) {
  O o;
  o.learning_rate = std::move(lr);
  return o;
}

/// 0 <= v < 1 (Adam's betas, RMSprop's rho).
Check<double> unit_open() {
  return {"a number in [0, 1)", [](const double& v) { return v >= 0 && v < 1; }};
}
/// 0 <= v <= 1 (momentum).
Check<double> unit_closed() {
  return {"a number in [0, 1]", [](const double& v) { return v >= 0 && v <= 1; }};
}
Check<double> finite_non_negative() {
  return {"a finite number >= 0", [](const double& v) { return std::isfinite(v) && v >= 0; }};
}

}  // namespace

// ---- SGD ----------------------------------------------------------------------------------

std::vector<Optimizer::SlotSpec> SGD::slot_specs() const {
  if (o_.momentum == 0.0) return {};
  return {{"momentum", 0.0, 0}};
}

void SGD::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                      const StepContext& ctx) {
  OptimizerStep s = kernel_step(ctx);
  s.momentum = o_.momentum;
  s.beta1 = o_.momentum;
  s.nesterov = o_.nesterov;
  w.backend().sgd_update(w, g, slots.empty() ? nullptr : &slots[0], s);
}

const Arguments<SGD::Options>& SGD::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("SGD")
      .add("momentum", &O::momentum, unit_closed())
      .add("nesterov", &O::nesterov);
  return args;
}

namespace {
const OptimizerRegistration<SGD> sgd_registered{{"SGD", "sgd"}};
}  // namespace

// ---- Adam ---------------------------------------------------------------------------------

std::vector<Optimizer::SlotSpec> Adam::slot_specs() const {
  std::vector<SlotSpec> s = {{"momentum", 0.0, 0}, {"velocity", 0.0, 0}};
  if (o_.amsgrad) s.push_back({"velocity_hat", 0.0, 1});
  return s;
}

void Adam::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                       const StepContext& ctx) {
  OptimizerStep s = kernel_step(ctx);
  s.beta1 = o_.beta_1;
  s.beta2 = o_.beta_2;
  s.epsilon = o_.epsilon;
  s.amsgrad = o_.amsgrad;
  w.backend().adam_update(w, g, slots[0], slots[1], o_.amsgrad ? &slots[2] : nullptr, s);
}

const Arguments<Adam::Options>& Adam::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Adam")
      .add("beta_1", &O::beta_1, unit_open())
      .add("beta_2", &O::beta_2, unit_open())
      .add("epsilon", &O::epsilon, non_negative_number())
      .add("amsgrad", &O::amsgrad);
  return args;
}

namespace {
const OptimizerRegistration<Adam> adam_registered{{"Adam", "adam"}};
}  // namespace

// ---- AdamW --------------------------------------------------------------------------------

AdamOptions AdamW::to_adam(const Options& o) {
  if (!o.weight_decay)
    throw ValueError("AdamW optimizer '" + (o.name.empty() ? std::string("adamw") : o.name) +
                     "': argument `weight_decay` must be a float. Received: weight_decay=None");
  AdamOptions a;
  copy_base_options(o, a);
  a.beta_1 = o.beta_1;
  a.beta_2 = o.beta_2;
  a.epsilon = o.epsilon;
  a.amsgrad = o.amsgrad;
  return a;
}

AdamW::AdamW(Options options) : Adam(to_adam(options), "AdamW", "adamw") {}

AdamW::AdamW(LearningRate learning_rate)
    : AdamW(with_learning_rate<Options>(std::move(learning_rate))) {}

const Arguments<AdamW::Options>& AdamW::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("AdamW")
      .add("beta_1", &O::beta_1, unit_open())
      .add("beta_2", &O::beta_2, unit_open())
      .add("epsilon", &O::epsilon, non_negative_number())
      .add("amsgrad", &O::amsgrad);
  return args;
}

namespace {
const OptimizerRegistration<AdamW> adamw_registered{{"AdamW", "adamw"},
    // Keras rejects AdamW(weight_decay=None); an explicit null must reach the constructor.
    [](ArgReader& r, AdamWOptions& o) {
      if (r.config().contains("weight_decay") && r.config().at("weight_decay").is_null())
        o.weight_decay.reset();
    }};
}  // namespace

std::shared_ptr<AdamW> AdamW::from_config(const Config& config, ConfigSource source) {
  return std::dynamic_pointer_cast<AdamW>(registry().create("AdamW", config, source));
}

// ---- RMSprop ------------------------------------------------------------------------------

std::vector<Optimizer::SlotSpec> RMSprop::slot_specs() const {
  // Keras creates all velocities, then all momentums, then all average gradients.
  std::vector<SlotSpec> s = {{"velocity", 0.0, 0}};
  if (o_.momentum > 0) s.push_back({"momentum", 0.0, 1});
  if (o_.centered) s.push_back({"average_gradient", 0.0, 2});
  return s;
}

void RMSprop::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                          const StepContext& ctx) {
  OptimizerStep s = kernel_step(ctx);
  s.beta1 = o_.rho;
  s.epsilon = o_.epsilon;
  s.momentum = o_.momentum;
  s.centered = o_.centered;
  Tensor* mom = o_.momentum > 0 ? &slots[1] : nullptr;
  Tensor* mg = o_.centered ? &slots[o_.momentum > 0 ? 2 : 1] : nullptr;
  w.backend().rmsprop_update(w, g, slots[0], mg, mom, s);
}

const Arguments<RMSprop::Options>& RMSprop::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("RMSprop")
      .add("rho", &O::rho, unit_open())
      .add("momentum", &O::momentum, unit_closed())
      .add("epsilon", &O::epsilon, non_negative_number())
      .add("centered", &O::centered);
  return args;
}

namespace {
const OptimizerRegistration<RMSprop> rmsprop_registered{{"RMSprop", "rmsprop"}};
}  // namespace

// ---- Adagrad ------------------------------------------------------------------------------

std::vector<Optimizer::SlotSpec> Adagrad::slot_specs() const {
  return {{"accumulator", o_.initial_accumulator_value, 0}};
}

void Adagrad::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                          const StepContext& ctx) {
  OptimizerStep s = kernel_step(ctx);
  s.epsilon = o_.epsilon;
  w.backend().adagrad_update(w, g, slots[0], s);
}

const Arguments<Adagrad::Options>& Adagrad::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Adagrad")
      .add("initial_accumulator_value", &O::initial_accumulator_value, finite_non_negative())
      .add("epsilon", &O::epsilon, non_negative_number());
  return args;
}

namespace {
const OptimizerRegistration<Adagrad> adagrad_registered{{"Adagrad", "adagrad"}};
}  // namespace

// ---- Adamax -------------------------------------------------------------------------------

std::vector<Optimizer::SlotSpec> Adamax::slot_specs() const {
  return {{"momentum", 0.0, 0}, {"norm", 0.0, 0}};
}

void Adamax::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                         const StepContext& ctx) {
  OptimizerStep s = kernel_step(ctx);
  s.beta1 = o_.beta_1;
  s.beta2 = o_.beta_2;
  s.epsilon = o_.epsilon;
  w.backend().adamax_update(w, g, slots[0], slots[1], s);
}

const Arguments<Adamax::Options>& Adamax::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Adamax")
      .add("beta_1", &O::beta_1, unit_open())
      .add("beta_2", &O::beta_2, unit_open())
      .add("epsilon", &O::epsilon, non_negative_number());
  return args;
}

namespace {
const OptimizerRegistration<Adamax> adamax_registered{{"Adamax", "adamax"}};
}  // namespace

// ---- Nadam --------------------------------------------------------------------------------

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

const Arguments<Nadam::Options>& Nadam::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Nadam")
      .add("beta_1", &O::beta_1, unit_open())
      .add("beta_2", &O::beta_2, unit_open())
      .add("epsilon", &O::epsilon, non_negative_number());
  return args;
}

namespace {
const OptimizerRegistration<Nadam> nadam_registered{{"Nadam", "nadam"}};
}  // namespace

// ---- Lion ---------------------------------------------------------------------------------

const Arguments<Lion::Options>& Lion::arguments() {
  using O = Options;
  static const auto args =
      optimizer_arguments<O>("Lion")
          .add("beta_1", &O::beta_1,
               Check<double>{"a number in (0, 1]", [](const double& v) { return v > 0 && v <= 1; }})
          .add("beta_2", &O::beta_2);
  return args;
}

namespace {
const OptimizerRegistration<Lion> lion_registered{{"Lion", "lion"}};
}  // namespace

std::vector<Optimizer::SlotSpec> Lion::slot_specs() const {
  return {{"momentum", 0.0, 0}, {"scratch", 0.0, 0, {}, false}};
}

void Lion::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, const StepContext& ctx) {
  Backend& b = w.backend();
  Tensor& m = slots[0];
  Tensor& step = slots[1];
  // w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
  b.binary_scalar(BinaryOp::Mul, m, o_.beta_1, step);
  b.axpy(1.0 - o_.beta_1, g, step);
  b.unary(UnaryOp::Sign, step, step);
  b.axpy(-ctx.lr, step, w);
  // m = beta_2 * m + (1 - beta_2) * g
  b.scale(m, o_.beta_2);
  b.axpy(1.0 - o_.beta_2, g, m);
}

// ---- Adadelta -----------------------------------------------------------------------------

const Arguments<Adadelta::Options>& Adadelta::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Adadelta")
                               .add("rho", &O::rho)
                               .add("epsilon", &O::epsilon, non_negative_number());
  return args;
}

namespace {
const OptimizerRegistration<Adadelta> adadelta_registered{{"Adadelta", "adadelta"}};
}  // namespace

std::vector<Optimizer::SlotSpec> Adadelta::slot_specs() const {
  return {{"accumulated_grad", 0.0, 0},
          {"accumulated_delta_var", 0.0, 0},
          {"scratch", 0.0, 0, {}, false},
          {"scratch_2", 0.0, 0, {}, false}};
}

void Adadelta::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                           const StepContext& ctx) {
  Backend& b = w.backend();
  Tensor& acc_g = slots[0];
  Tensor& acc_d = slots[1];
  Tensor& t1 = slots[2];
  Tensor& t2 = slots[3];
  const double rho = o_.rho, eps = o_.epsilon;
  // E[g²] = rho * E[g²] + (1 - rho) * g²
  b.scale(acc_g, rho);
  b.binary(BinaryOp::Mul, g, g, t1);
  b.axpy(1.0 - rho, t1, acc_g);
  // t1 = -delta = sqrt(E[Δ²] + eps) * g / sqrt(E[g²] + eps)
  b.binary_scalar(BinaryOp::Add, acc_d, eps, t1);
  b.unary(UnaryOp::Sqrt, t1, t1);
  b.binary(BinaryOp::Mul, t1, g, t1);
  b.binary_scalar(BinaryOp::Add, acc_g, eps, t2);
  b.unary(UnaryOp::Sqrt, t2, t2);
  b.binary(BinaryOp::Div, t1, t2, t1);
  // E[Δ²] = rho * E[Δ²] + (1 - rho) * Δ²
  b.scale(acc_d, rho);
  b.binary(BinaryOp::Mul, t1, t1, t2);
  b.axpy(1.0 - rho, t2, acc_d);
  // w += lr * delta
  b.axpy(-ctx.lr, t1, w);
}

// ---- Ftrl ---------------------------------------------------------------------------------

const Arguments<Ftrl::Options>& Ftrl::arguments() {
  using O = Options;
  static const auto args =
      optimizer_arguments<O>("Ftrl")
          .add("learning_rate_power", &O::learning_rate_power,
               Check<double>{"a number <= 0", [](const double& v) { return v <= 0; }})
          .add("initial_accumulator_value", &O::initial_accumulator_value, finite_non_negative())
          .add("l1_regularization_strength", &O::l1_regularization_strength, non_negative_number())
          .add("l2_regularization_strength", &O::l2_regularization_strength, non_negative_number())
          .add("l2_shrinkage_regularization_strength", &O::l2_shrinkage_regularization_strength,
               non_negative_number())
          .add("beta", &O::beta);
  return args;
}

namespace {
const OptimizerRegistration<Ftrl> ftrl_registered{{"Ftrl", "ftrl"}};
}  // namespace

std::vector<Optimizer::SlotSpec> Ftrl::slot_specs() const {
  return {{"accumulator", o_.initial_accumulator_value, 0},
          {"linear", 0.0, 0},
          {"scratch", 0.0, 0, {}, false},
          {"scratch_2", 0.0, 0, {}, false},
          {"scratch_3", 0.0, 0, {}, false}};
}

void Ftrl::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, const StepContext& ctx) {
  Backend& b = w.backend();
  Tensor& accum = slots[0];
  Tensor& linear = slots[1];
  Tensor& new_accum = slots[2];
  Tensor& t2 = slots[3];
  Tensor& t3 = slots[4];
  const double lr = ctx.lr;
  const double power = -o_.learning_rate_power;
  const double l1 = o_.l1_regularization_strength;
  const double l2 = o_.l2_regularization_strength + o_.beta / (2.0 * lr);
  // new_accum = accum + g²
  b.binary(BinaryOp::Mul, g, g, new_accum);
  b.binary(BinaryOp::Add, accum, new_accum, new_accum);
  // linear += g + 2·shrinkage·w - (new_accum^-p - accum^-p) / lr · w
  b.unary(UnaryOp::Pow, new_accum, t2, power);
  b.unary(UnaryOp::Pow, accum, t3, power);
  b.binary(BinaryOp::Sub, t2, t3, t3);
  b.binary_scalar(BinaryOp::Div, t3, lr, t3);
  b.binary(BinaryOp::Mul, t3, w, t3);
  b.binary(BinaryOp::Sub, g, t3, t3);
  if (o_.l2_shrinkage_regularization_strength != 0.0)
    b.axpy(2.0 * o_.l2_shrinkage_regularization_strength, w, t3);
  b.binary(BinaryOp::Add, linear, t3, linear);
  // quadratic = new_accum^-p / lr + 2·l2'
  b.binary_scalar(BinaryOp::Div, t2, lr, t2);
  b.binary_scalar(BinaryOp::Add, t2, 2.0 * l2, t2);
  // w = (clip(linear, -l1, l1) - linear) / quadratic
  b.clip(linear, -l1, l1, t3);
  b.binary(BinaryOp::Sub, t3, linear, t3);
  b.binary(BinaryOp::Div, t3, t2, w);
  b.copy(new_accum, accum);
}

// ---- Adafactor ----------------------------------------------------------------------------

const Arguments<Adafactor::Options>& Adafactor::arguments() {
  using O = Options;
  static const auto args = optimizer_arguments<O>("Adafactor")
                               .add("beta_2_decay", &O::beta_2_decay)
                               .add("epsilon_1", &O::epsilon_1)
                               .add("epsilon_2", &O::epsilon_2)
                               .add("clip_threshold", &O::clip_threshold)
                               .add("relative_step", &O::relative_step);
  return args;
}

namespace {
const OptimizerRegistration<Adafactor> adafactor_registered{{"Adafactor", "adafactor"}};

// Shapes of Adafactor's per-variable tensors for a variable of shape (..., m, n).
Shape drop_axis(const Shape& s, std::size_t from_end) {
  if (s.size() < 2) return {};
  Shape out = s;
  out.erase(out.end() - static_cast<std::ptrdiff_t>(from_end));
  return out;
}
Shape with_ones(const Shape& s, bool last, bool second_last) {
  if (s.size() < 2) return {};
  Shape out = s;
  if (last) out[out.size() - 1] = 1;
  if (second_last) out[out.size() - 2] = 1;
  return out;
}
}  // namespace

std::vector<Optimizer::SlotSpec> Adafactor::slot_specs() const {
  return {
      {"r", 0.0, 0, [](const Shape& s) { return drop_axis(s, 1); }},
      {"c", 0.0, 0, [](const Shape& s) { return drop_axis(s, 2); }},
      {"velocity", 0.0, 0},
      {"scratch", 0.0, 0, {}, false},
      {"scratch_r", 0.0, 0, [](const Shape& s) { return with_ones(s, true, false); }, false},
      {"scratch_c", 0.0, 0, [](const Shape& s) { return with_ones(s, false, true); }, false},
      {"scratch_mean_r", 0.0, 0, [](const Shape& s) { return with_ones(s, true, true); }, false},
  };
}

void Adafactor::update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                            const StepContext& ctx) {
  Backend& b = w.backend();
  Tensor& r = slots[0];
  Tensor& c = slots[1];
  Tensor& v = slots[2];
  Tensor& s = slots[3];
  const double t = static_cast<double>(ctx.t);
  const double inv_sqrt_t = 1.0 / std::sqrt(t);
  double lr = ctx.lr;
  if (!base_options().learning_rate.is_schedule() && o_.relative_step) lr = std::min(lr, inv_sqrt_t);
  const double rho_t = std::min(lr, inv_sqrt_t);
  const double n = static_cast<double>(std::max<std::int64_t>(w.numel(), 1));
  const double alpha_t = std::max(o_.epsilon_2, std::sqrt(b.sum_squares(w) / n)) * rho_t;
  // s = g² + epsilon_1
  b.binary(BinaryOp::Mul, g, g, s);
  b.binary_scalar(BinaryOp::Add, s, o_.epsilon_1, s);
  const double beta = 1.0 - std::pow(t, o_.beta_2_decay);
  const int rank = static_cast<int>(w.shape().size());
  if (rank >= 2) {
    Tensor& rt = slots[4];
    Tensor& ct = slots[5];
    Tensor& mean_r = slots[6];
    const std::array<int, 1> last{rank - 1}, second_last{rank - 2};
    // r = beta·r + (1-beta)·mean(s, -1); c = beta·c + (1-beta)·mean(s, -2)
    b.reduce(ReduceOp::Mean, s, last, rt);
    b.scale(r, beta);
    b.axpy(1.0 - beta, rt, r);
    b.reduce(ReduceOp::Mean, s, second_last, ct);
    b.scale(c, beta);
    b.axpy(1.0 - beta, ct, c);
    // v = (r / mean(r, -1))[..., None] · c[..., None, :]
    const std::array<int, 1> r_last{rank - 2};
    b.reduce(ReduceOp::Mean, r, r_last, mean_r);
    b.copy(r, rt);
    b.binary(BinaryOp::Div, rt, mean_r, rt);
    b.copy(c, ct);
    b.binary(BinaryOp::Mul, rt, ct, v);
  } else {
    b.scale(v, beta);
    b.axpy(1.0 - beta, s, v);
  }
  // u = g / sqrt(v); w -= alpha · u / max(1, rms(u) / clip_threshold)
  b.unary(UnaryOp::Sqrt, v, s);
  b.binary(BinaryOp::Div, g, s, s);
  const double rms_u = std::sqrt(b.sum_squares(s) / n);
  b.binary_scalar(BinaryOp::Div, s, std::max(1.0, rms_u / o_.clip_threshold), s);
  b.axpy(-alpha_t, s, w);
}

// ---- registry -----------------------------------------------------------------------------

Registry<Optimizer>& registry() {
  static Registry<Optimizer> r("optimizer");
  return r;
}

namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The registered name for a spelling: exact (class name or alias) first, then ignoring case;
// "" if none.
std::string canonical_class(const std::string& name) {
  if (auto e = registry().find(name)) return e->name;
  const std::string l = lower(name);
  for (const auto& n : registry().names(true))
    if (lower(n) == l) return registry().get(n).name;
  return "";
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& n : registry().names(true))
    if (n == lower(n)) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

OptimizerPtr get(const std::string& name) {
  const std::string cls = canonical_class(name);
  if (cls.empty()) throw UnknownNameError(unknown_name_message("optimizer", name, names()));
  return registry().create(cls, Config::object());
}

OptimizerPtr from_config(const std::string& class_name, const Config& config, ConfigSource source) {
  std::string cls = class_name;
  if (cls.rfind("Custom>", 0) == 0) cls = cls.substr(7);  // tf.keras 2.11-2.15 spelling
  const std::string canonical = canonical_class(cls);
  if (canonical.empty())
    throw UnknownNameError(unknown_name_message("optimizer", class_name, names()));
  return registry().create(canonical, config, source);
}

OptimizerPtr from_config(const Config& serialized, ConfigSource source) {
  if (serialized.is_string()) return get(serialized.get<std::string>());
  if (!serialized.is_object() || !serialized.contains("class_name") ||
      !serialized.at("class_name").is_string())
    throw ConfigError("a serialized optimizer must be a name or an object with a string "
                      "\"class_name\" and a \"config\" object, got " + describe_json(serialized));
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
  return from_config(serialized.at("class_name").get<std::string>(), cfg, source);
}

Config serialize(const Optimizer& optimizer) {
  return {{"module", "keras.optimizers"},
          {"class_name", optimizer.class_name()},
          {"config", optimizer.get_config()},
          {"registered_name", nullptr}};
}

}  // namespace temper::optimizers
