// The Keras BaseOptimizer machinery shared by every algorithm: slots, clipping, weight decay,
// gradient accumulation, EMA, state export and config.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>

#include "temper/error.hpp"
#include "temper/optimizers.hpp"

namespace temper::optimizers {

namespace {
/// Shortest text that reads back as the same double ("0.001", "1e-07").
std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// Variable types that carry a Keras `constraint` (once Variable has one) are constrained
/// without a set_constraint call.
template <class V> constexpr bool kHasConstraint = requires(const V& v) { v.constraint; };
template <class V> const constraints::Constraint* variable_constraint(const V& v) {
  if constexpr (requires { v.constraint; }) {
    return &v.constraint;
  } else {
    (void)v;
    return nullptr;
  }
}
}  // namespace

// ---- LearningRate -------------------------------------------------------------------------

LearningRate::LearningRate(double value) : value_(value) {}

LearningRate::LearningRate(schedules::SchedulePtr schedule) : schedule_(std::move(schedule)) {
  if (!schedule_) throw ValueError("learning_rate: the schedule pointer is null");
}

double LearningRate::at(std::int64_t step) const {
  return schedule_ ? (*schedule_)(step) : value_;
}

Config LearningRate::to_config() const {
  if (schedule_) return schedules::serialize(*schedule_);
  // Keras keeps a constant rate in a float32 variable and writes that variable's value.
  return static_cast<double>(static_cast<float>(value_));
}

LearningRate LearningRate::from_config(const Config& config) {
  if (config.is_number()) return LearningRate(config.get<double>());
  if (config.is_object()) return LearningRate(schedules::from_config(config));
  throw ConfigError(std::string("learning_rate: expected ") + ArgTraits<LearningRate>::expected() +
                    ", found " + describe_json(config));
}

// ---- base arguments ---------------------------------------------------------------------------

Check<LearningRate> learning_rate_check() {
  return {"a finite number >= 0 or a LearningRateSchedule", [](const LearningRate& lr) {
            return lr.is_schedule() || (std::isfinite(lr.value()) && lr.value() >= 0);
          }};
}
Check<std::optional<double>> optional_positive() {
  return {"a number > 0 or null", [](const std::optional<double>& v) { return !v || (std::isfinite(*v) && *v > 0); }};
}
Check<std::optional<double>> optional_non_negative() {
  return {"a number >= 0 or null", [](const std::optional<double>& v) { return !v || (std::isfinite(*v) && *v >= 0); }};
}
Check<std::optional<std::int64_t>> optional_at_least(std::int64_t lo) {
  return {"an integer >= " + std::to_string(lo) + " or null",
          [lo](const std::optional<std::int64_t>& v) { return !v || *v >= lo; }};
}

namespace {
const Arguments<OptimizerOptions>& base_arguments() {
  static const auto args = optimizer_arguments<OptimizerOptions>("Optimizer");
  return args;
}
}  // namespace

void Optimizer::rethrow_named(const ValueError& e, const std::string& owner) const {
  // "Adam: beta_1 must be ..." -> "Adam optimizer 'enc_opt': beta_1 must be ..."
  std::string msg = e.what();
  const std::string prefix = owner + ": ";
  if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
  throw ValueError(describe() + ": argument " + msg);
}

// ---- construction and copies --------------------------------------------------------------

Optimizer::Optimizer(Options options, std::string keras_class, const std::string& default_name)
    : opts_(std::move(options)), class_for_errors_(std::move(keras_class)) {
  if (opts_.name.empty()) opts_.name = default_name;
  validate_base();
}

Optimizer::~Optimizer() = default;

Optimizer::Optimizer(const Optimizer& other)
    : opts_(other.opts_),
      iterations_(other.iterations_),
      built_(other.built_),
      entries_(other.entries_),
      index_(other.index_),
      wd_exclude_vars_(other.wd_exclude_vars_),
      wd_exclude_names_(other.wd_exclude_names_),
      class_for_errors_(other.class_for_errors_) {
  deep_copy_slots();
}

Optimizer& Optimizer::operator=(const Optimizer& other) {
  if (this == &other) return *this;
  opts_ = other.opts_;
  iterations_ = other.iterations_;
  built_ = other.built_;
  entries_ = other.entries_;
  index_ = other.index_;
  work_.clear();
  wd_exclude_vars_ = other.wd_exclude_vars_;
  wd_exclude_names_ = other.wd_exclude_names_;
  class_for_errors_ = other.class_for_errors_;
  deep_copy_slots();
  return *this;
}

Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

void Optimizer::deep_copy_slots() {
  // Tensor copies share memory; a copied optimizer must not step the original's slots.
  for (Entry& e : entries_) {
    for (Tensor& s : e.slots) s = s.clone();
    if (e.average.defined()) e.average = e.average.clone();
    if (e.accumulator.defined()) e.accumulator = e.accumulator.clone();
    e.scratch = Tensor();
  }
}

std::string Optimizer::describe() const {
  return class_for_errors_ + " optimizer '" + opts_.name + "'";
}

void Optimizer::validate_base() const {
  const std::string who = describe();
  const LearningRate& lr = opts_.learning_rate;
  if (!lr.is_schedule() && (!std::isfinite(lr.value()) || lr.value() < 0))
    throw ValueError(who + ": argument `learning_rate` must be a finite number >= 0 or a "
                     "LearningRateSchedule. Received: learning_rate=" + fmt(lr.value()));
  validate_arguments(base_arguments(), opts_);
  // Cross-field rules (Keras BaseOptimizer.__init__).
  const int clip_args = (opts_.clipnorm ? 1 : 0) + (opts_.clipvalue ? 1 : 0) +
                        (opts_.global_clipnorm ? 1 : 0);
  if (clip_args > 1) {
    auto text = [](const std::optional<double>& v) { return v ? fmt(*v) : std::string("None"); };
    throw ValueError(who + ": only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                     "set. Received: clipnorm=" + text(opts_.clipnorm) + ", clipvalue=" +
                     text(opts_.clipvalue) + ", global_clipnorm=" +
                     text(opts_.global_clipnorm));
  }
  if (opts_.use_ema) {
    if (!(opts_.ema_momentum >= 0 && opts_.ema_momentum <= 1))
      throw ValueError(who + ": `ema_momentum` must be in the range [0, 1]. Received: "
                       "ema_momentum=" + fmt(opts_.ema_momentum));
    if (opts_.ema_overwrite_frequency && *opts_.ema_overwrite_frequency < 1)
      throw ValueError(who + ": `ema_overwrite_frequency` must be an integer >= 1 or unset. "
                       "Received: ema_overwrite_frequency=" +
                       std::to_string(*opts_.ema_overwrite_frequency));
  }
}

// ---- iterations and learning rate ---------------------------------------------------------

void Optimizer::set_iterations(std::int64_t iterations) {
  if (iterations < 0)
    throw ValueError(describe() + ": iterations must be >= 0, got " + std::to_string(iterations));
  iterations_ = iterations;
}

double Optimizer::learning_rate() const { return opts_.learning_rate.at(iterations_); }

void Optimizer::set_learning_rate(double learning_rate) {
  set_learning_rate(LearningRate(learning_rate));
}

void Optimizer::set_learning_rate(LearningRate learning_rate) {
  if (!learning_rate.is_schedule() &&
      (!std::isfinite(learning_rate.value()) || learning_rate.value() < 0))
    throw ValueError(describe() + ": the learning rate must be a finite number >= 0. "
                     "Received: learning_rate=" + fmt(learning_rate.value()));
  opts_.learning_rate = std::move(learning_rate);
}

// ---- slots ----------------------------------------------------------------------------------

std::string Optimizer::slot_var_name(const Entry& e, const std::string& slot) const {
  // Keras: reference_variable.path.replace("/", "_") + "_" + name.
  std::string base = e.var->path.empty() ? e.var->name : e.var->path;
  std::replace(base.begin(), base.end(), '/', '_');
  return base + "_" + slot;
}

std::size_t Optimizer::ensure_entry(const VariablePtr& var) {
  if (auto it = index_.find(var.get()); it != index_.end()) return it->second;
  const Tensor& w = var->value;
  if (!w.defined())
    throw ValueError(describe() + ": variable '" + var->path + "' has no value");
  if (!is_floating(w.dtype()))
    throw ValueError(describe() + ": variable '" + var->path + "' is " +
                     dtype_name(w.dtype()) + "; only float32/float64 variables can be trained");
  Entry e;
  e.var = var;
  Backend* b = &w.backend();
  for (const SlotSpec& spec : slot_specs())
    e.slots.push_back(Tensor::full(spec.shape ? spec.shape(w.shape()) : w.shape(), spec.initial_value,
                                   w.dtype(), b));
  if (opts_.use_ema) e.average = Tensor::zeros(w.shape(), w.dtype(), b);
  if (opts_.gradient_accumulation_steps) e.accumulator = Tensor::zeros(w.shape(), w.dtype(), b);
  entries_.push_back(std::move(e));
  index_.emplace(var.get(), entries_.size() - 1);
  return entries_.size() - 1;
}

void Optimizer::build(const std::vector<VariablePtr>& vars) {
  for (const auto& v : vars)
    if (v && v->trainable) ensure_entry(v);
  built_ = true;
}

Tensor Optimizer::slot(const Variable& var, const std::string& slot_name) const {
  auto it = index_.find(&var);
  if (it == index_.end()) return Tensor();
  const Entry& e = entries_[it->second];
  if (slot_name == "average") return e.average;
  if (slot_name == "gradient_accumulator") return e.accumulator;
  const auto specs = slot_specs();
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (specs[i].name == slot_name) return e.slots[i];
  return Tensor();
}

std::vector<VariablePtr> Optimizer::tracked_variables() const {
  std::vector<VariablePtr> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.var);
  return out;
}

int Optimizer::slots_per_variable() const {
  int saved = 0;
  for (const SlotSpec& s : slot_specs()) saved += s.saved ? 1 : 0;
  return saved + (opts_.use_ema ? 1 : 0) + (opts_.gradient_accumulation_steps ? 1 : 0);
}

std::int64_t Optimizer::count_params() const {
  std::int64_t n = 1 + (opts_.learning_rate.is_schedule() ? 0 : 1) +
                   static_cast<std::int64_t>(extra_variable_count());
  for (auto& [name, t] : const_cast<Optimizer*>(this)->slot_refs()) n += t->numel();
  return n;
}

// ---- constraints ----------------------------------------------------------------------------

void Optimizer::set_constraint(const VariablePtr& var, constraints::Constraint constraint) {
  if (!var) throw ValueError(describe() + ": set_constraint got a null variable");
  if (constraint.active()) constraints_[var.get()] = std::move(constraint);
  else constraints_.erase(var.get());
}

constraints::Constraint Optimizer::constraint_of(const Variable& var) const {
  if (auto it = constraints_.find(&var); it != constraints_.end()) return it->second;
  if (const constraints::Constraint* c = variable_constraint(var)) return *c;
  return {};
}

void Optimizer::apply_constraints() {
  if (constraints_.empty() && !kHasConstraint<Variable>) return;
  for (const Work& wk : work_) {
    const Entry& e = entries_[wk.entry];
    const constraints::Constraint c = constraint_of(*e.var);
    if (c.active()) c.apply(e.var->value);
  }
}

// ---- weight decay ---------------------------------------------------------------------------

void Optimizer::exclude_from_weight_decay(const std::vector<VariablePtr>& var_list,
                                          const std::vector<std::string>& var_names) {
  for (const auto& pattern : var_names) {
    try {
      std::regex re(pattern);
    } catch (const std::regex_error& err) {
      throw ValueError(describe() + ": exclude_from_weight_decay: '" + pattern +
                       "' is not a valid regular expression (" + err.what() + ")");
    }
  }
  wd_exclude_vars_.clear();
  for (const auto& v : var_list)
    if (v) wd_exclude_vars_.insert(v.get());
  wd_exclude_names_ = var_names;
  for (Entry& e : entries_) e.use_weight_decay = -1;
}

bool Optimizer::uses_weight_decay(Entry& e) {
  if (e.use_weight_decay < 0) {
    bool use = !wd_exclude_vars_.count(e.var.get());
    for (const auto& pattern : wd_exclude_names_)
      if (use && std::regex_search(e.var->name, std::regex(pattern))) use = false;
    e.use_weight_decay = use ? 1 : 0;
  }
  return e.use_weight_decay == 1;
}

// ---- the step -------------------------------------------------------------------------------

void Optimizer::apply_gradients(const std::vector<VariablePtr>& vars) {
  work_.clear();
  bool any_trainable = false;
  for (const auto& v : vars) {
    if (!v || !v->trainable) continue;
    any_trainable = true;
    const std::size_t i = ensure_entry(v);
    Tensor g = v->value.grad();
    if (g.defined()) work_.push_back({i, std::move(g)});
  }
  built_ = true;
  if (!any_trainable) return;
  run_step();
}

void Optimizer::apply(const std::vector<Tensor>& grads, const std::vector<VariablePtr>& vars) {
  if (grads.size() != vars.size())
    throw ValueError(describe() + ": apply() got " + std::to_string(grads.size()) +
                     " gradients for " + std::to_string(vars.size()) + " variables");
  work_.clear();
  bool any_trainable = false;
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const auto& v = vars[k];
    if (!v || !v->trainable) continue;
    any_trainable = true;
    const std::size_t i = ensure_entry(v);
    if (grads[k].defined()) work_.push_back({i, grads[k]});
  }
  built_ = true;
  if (!any_trainable) return;
  run_step();
}

Tensor& Optimizer::writable(Entry& e, const Tensor& g) {
  // The accumulator is ours to modify; anything else (the caller's gradient) is copied once
  // into a per-variable scratch tensor that later steps reuse.
  if (e.accumulator.defined() && g.buffer() == e.accumulator.buffer()) return e.accumulator;
  if (!e.scratch.defined()) {
    const Tensor& w = e.var->value;
    e.scratch = Tensor::empty(w.shape(), w.dtype(), &w.backend());
  }
  return e.scratch;
}

void Optimizer::clip_gradients() {
  if (opts_.clipnorm) {
    const double c = *opts_.clipnorm;
    for (Work& wk : work_) {
      Entry& e = entries_[wk.entry];
      Backend& b = wk.grad.backend();
      const double norm = std::sqrt(b.sum_squares(wk.grad));
      // Keras: g * clipnorm / max(norm, clipnorm).
      if (norm > c || std::isnan(norm)) {
        Tensor& out = writable(e, wk.grad);
        b.binary_scalar(BinaryOp::Mul, wk.grad, c / norm, out);
        wk.grad = out;
      }
    }
  } else if (opts_.global_clipnorm) {
    const double c = *opts_.global_clipnorm;
    double total = 0.0;
    for (const Work& wk : work_) total += wk.grad.backend().sum_squares(wk.grad);
    const double norm = std::sqrt(total);
    // Keras: scale = c * min(1/norm, 1/c), turned into NaN when the norm is not finite.
    const double scale = !std::isfinite(norm) ? std::numeric_limits<double>::quiet_NaN()
                         : norm > c           ? c / norm
                                              : 1.0;
    if (scale != 1.0) {
      for (Work& wk : work_) {
        Tensor& out = writable(entries_[wk.entry], wk.grad);
        wk.grad.backend().binary_scalar(BinaryOp::Mul, wk.grad, scale, out);
        wk.grad = out;
      }
    }
  } else if (opts_.clipvalue) {
    const double v = *opts_.clipvalue;
    for (Work& wk : work_) {
      Tensor& out = writable(entries_[wk.entry], wk.grad);
      wk.grad.backend().clip(wk.grad, -v, v, out);
      wk.grad = out;
    }
  }
}

void Optimizer::run_step() {
  if (work_.empty()) {
    std::string names;
    for (const Entry& e : entries_) names += (names.empty() ? "" : ", ") + e.var->path;
    throw ValueError(describe() + ": no gradients provided for any variable (variables: " +
                     names + "). Did the loss depend on the weights, and was backward() "
                     "called before apply_gradients()?");
  }
  const bool accumulate = opts_.gradient_accumulation_steps.has_value();
  const std::int64_t acc_steps = accumulate ? *opts_.gradient_accumulation_steps : 1;
  // Keras's `iterations` property counts updates, not calls, when accumulating.
  const std::int64_t keras_iterations = iterations_ / acc_steps;
  StepContext ctx;
  ctx.lr = opts_.learning_rate.at(iterations_);
  ctx.t = keras_iterations + 1;

  for (Work& wk : work_) {
    Entry& e = entries_[wk.entry];
    const Tensor& w = e.var->value;
    if (wk.grad.shape() != w.shape())
      throw ShapeError(describe() + ": the gradient of variable '" + e.var->path +
                       "' has shape " + shape_to_string(wk.grad.shape()) +
                       " but the variable has shape " + shape_to_string(w.shape()));
    if (&wk.grad.backend() != &w.backend())
      throw ValueError(describe() + ": the gradient of variable '" + e.var->path + "' is on the " +
                       wk.grad.backend().name() + " backend but the variable is on " +
                       w.backend().name());
    if (wk.grad.dtype() != w.dtype()) {
      Tensor& out = writable(e, wk.grad);
      w.backend().cast(wk.grad, out);
      wk.grad = out;
    }
    if (opts_.loss_scale_factor) {
      Tensor& out = writable(e, wk.grad);
      w.backend().binary_scalar(BinaryOp::Div, wk.grad, *opts_.loss_scale_factor, out);
      wk.grad = out;
    }
  }

  bool update = true;
  if (accumulate) {
    update = (iterations_ + 1) % acc_steps == 0;
    for (Work& wk : work_) {
      Entry& e = entries_[wk.entry];
      Backend& b = e.accumulator.backend();
      b.axpy(1.0, wk.grad, e.accumulator);
      if (update) {
        b.binary_scalar(BinaryOp::Div, e.accumulator, static_cast<double>(acc_steps),
                        e.accumulator);
        wk.grad = e.accumulator;
      }
    }
  }

  if (update) {
    clip_gradients();
    if (opts_.weight_decay) {
      const double factor = 1.0 - *opts_.weight_decay * ctx.lr;
      for (Work& wk : work_) {
        Entry& e = entries_[wk.entry];
        if (uses_weight_decay(e)) e.var->value.backend().scale(e.var->value, factor);
      }
    }
    before_update_steps(ctx);
    for (Work& wk : work_) {
      Entry& e = entries_[wk.entry];
      update_step(e.var->value, wk.grad, e.slots, ctx);
    }
    if (accumulate)
      for (Entry& e : entries_) e.accumulator.backend().fill(e.accumulator, 0.0);
  }

  if (opts_.use_ema) {
    const double m = keras_iterations != 0 ? opts_.ema_momentum : 0.0;
    for (Entry& e : entries_) {
      Backend& b = e.average.backend();
      b.scale(e.average, m);
      b.axpy(1.0 - m, e.var->value, e.average);
    }
    if (opts_.ema_overwrite_frequency && (keras_iterations + 1) % *opts_.ema_overwrite_frequency == 0)
      for (Entry& e : entries_) e.var->value.assign(e.average);
  }
  // Keras BaseOptimizer.apply: `variable.assign(variable.constraint(variable))` after the update.
  apply_constraints();

  ++iterations_;
  work_.clear();  // drop our references to the gradients so that zero_grad frees them
}

void Optimizer::finalize_variable_values(const std::vector<VariablePtr>& vars) {
  if (!opts_.use_ema) return;
  for (const auto& v : vars) {
    if (!v) continue;
    auto it = index_.find(v.get());
    if (it != index_.end()) v->value.assign(entries_[it->second].average);
  }
}

// ---- state ----------------------------------------------------------------------------------

std::vector<std::pair<std::string, Tensor*>> Optimizer::slot_refs() {
  std::vector<std::pair<std::string, Tensor*>> out;
  // Keras BaseOptimizer.build creates these per variable before the subclass's slots.
  for (Entry& e : entries_) {
    if (opts_.use_ema) out.emplace_back(slot_var_name(e, "average"), &e.average);
    if (opts_.gradient_accumulation_steps)
      out.emplace_back(slot_var_name(e, "gradient_accumulator"), &e.accumulator);
  }
  const auto specs = slot_specs();
  int groups = 0;
  for (const auto& s : specs) groups = std::max(groups, s.group + 1);
  for (int g = 0; g < groups; ++g)
    for (Entry& e : entries_)
      for (std::size_t k = 0; k < specs.size(); ++k)
        if (specs[k].saved && specs[k].group == g) out.emplace_back(slot_var_name(e, specs[k].name), &e.slots[k]);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Optimizer::variables() const {
  std::vector<std::pair<std::string, Tensor>> out;
  const auto it = static_cast<std::int32_t>(
      std::min<std::int64_t>(iterations_, std::numeric_limits<std::int32_t>::max()));
  out.emplace_back("iteration",
                   Tensor::from_vector(std::vector<std::int32_t>{it}, Shape{}));
  if (!opts_.learning_rate.is_schedule())
    out.emplace_back("learning_rate",
                     Tensor::from_vector(
                         std::vector<float>{static_cast<float>(opts_.learning_rate.value())},
                         Shape{}));
  for (auto& [name, t] : const_cast<Optimizer*>(this)->slot_refs()) out.emplace_back(name, *t);
  const DType dtype = entries_.empty() ? DType::Float32 : entries_.front().var->value.dtype();
  for (auto& x : extra_variables(dtype)) out.push_back(std::move(x));
  return out;
}

void Optimizer::set_variables(const std::vector<Tensor>& values) {
  const bool has_lr = !opts_.learning_rate.is_schedule();
  const std::size_t head = has_lr ? 2 : 1;
  auto refs = slot_refs();
  const std::size_t expected = head + refs.size() + extra_variable_count();
  if (values.size() != expected) {
    std::string msg = describe() + ": set_variables expects " + std::to_string(expected) +
                      " values (iteration" + (has_lr ? ", learning_rate" : "") + ", " +
                      std::to_string(refs.size()) + " slots for " +
                      std::to_string(entries_.size()) + " variables";
    if (extra_variable_count()) msg += ", " + std::to_string(extra_variable_count()) + " more";
    msg += "), got " + std::to_string(values.size());
    if (entries_.empty()) msg += ". Call build(variables) first so that the slots exist";
    throw ValueError(msg);
  }
  auto check_scalar = [&](std::size_t i, const char* what) {
    if (!values[i].defined() || values[i].numel() != 1)
      throw ShapeError(describe() + ": optimizer variable '" + what + "' is a scalar but the "
                       "value to load has shape " +
                       (values[i].defined() ? shape_to_string(values[i].shape()) : "undefined"));
  };
  check_scalar(0, "iteration");
  if (has_lr) check_scalar(1, "learning_rate");
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const Tensor& v = values[head + i];
    const Tensor& slot_t = *refs[i].second;
    if (!v.defined() || v.shape() != slot_t.shape())
      throw ShapeError(describe() + ": optimizer variable '" + refs[i].first + "' has shape " +
                       shape_to_string(slot_t.shape()) + " but the value to load has shape " +
                       (v.defined() ? shape_to_string(v.shape()) : "undefined"));
  }
  // Everything checked: now write.
  const double it = values[0].item();
  if (!(it >= 0))
    throw ValueError(describe() + ": the saved iteration count is negative (" + fmt(it) + ")");
  iterations_ = static_cast<std::int64_t>(std::llround(it));
  if (has_lr) {
    // The saved rate is float32; keep our double when it is the same rate, so that restoring
    // an optimizer's own state does not perturb float64 training.
    const double saved = values[1].item();
    const bool is_ours = !opts_.learning_rate.is_schedule() &&
                         static_cast<float>(opts_.learning_rate.value()) ==
                             static_cast<float>(saved);
    if (!is_ours) set_learning_rate(saved);
  }
  for (std::size_t i = 0; i < refs.size(); ++i) {
    Tensor src = values[head + i];
    Tensor& dst = *refs[i].second;
    if (src.dtype() != dst.dtype()) src = src.astype(dst.dtype());
    if (&src.backend() != &dst.backend()) src = src.to(dst.backend());
    dst.assign(src);
  }
  set_extra_variables(values, head + refs.size());
  built_ = true;
}

std::vector<std::pair<std::string, Tensor>> Optimizer::extra_variables(DType) const { return {}; }

void Optimizer::set_extra_variables(const std::vector<Tensor>&, std::size_t) {}

// ---- config ---------------------------------------------------------------------------------

Config Optimizer::get_config() const { return base_arguments().write(opts_); }

// ---- LearningRate as an argument ----------------------------------------------------------------

}  // namespace temper::optimizers

namespace temper {

const char* ArgTraits<optimizers::LearningRate>::expected() {
  return "a number or a serialized LearningRateSchedule ({\"class_name\": ..., \"config\": {...}})";
}

optimizers::LearningRate ArgTraits<optimizers::LearningRate>::read(const Config& v) {
  if (v.is_number()) return optimizers::LearningRate(v.get<double>());
  if (!v.is_object()) throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  try {
    return optimizers::LearningRate(schedules::from_config(v));
  } catch (const ArgumentError& e) {
    throw e.nested_in(e.owner(), "config");
  }
}

Config ArgTraits<optimizers::LearningRate>::write(const optimizers::LearningRate& v) { return v.to_config(); }

}  // namespace temper

namespace temper::optimizers {

}  // namespace temper::optimizers
