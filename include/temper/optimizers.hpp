// optimizers.hpp — gradient-descent optimizers (Keras: keras.optimizers).
//
// Every optimizer follows Keras 3's `BaseOptimizer.apply` step by step: skip variables
// without a gradient, unscale by loss_scale_factor, accumulate (gradient_accumulation_steps),
// clip (clipnorm per variable, or global_clipnorm, or clipvalue), decoupled weight decay
// `w -= w * weight_decay * lr`, the algorithm's update, EMA of the weights, iterations += 1.
// The update itself is one fused backend kernel per variable (Backend::adam_update, ...), so
// a step allocates no tensor memory unless clipping or loss scaling needs a scratch copy of a
// gradient, and that copy is kept per variable and reused.
//
// Names, defaults, epsilons and config keys are Keras 3's. Like Keras, the learning rate at
// a step is the schedule evaluated at the iteration count *before* the step (0 first), and
// bias corrections use t = iterations + 1.
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/constraints.hpp"
#include "temper/registry.hpp"
#include "temper/schedules.hpp"
#include "temper/tensor.hpp"
#include "temper/variable.hpp"

namespace temper::optimizers {

/// A learning rate: a constant or a schedule (Keras accepts a float or a LearningRateSchedule
/// for `learning_rate`). Converts implicitly from a number, from any schedule value and from a
/// shared schedule pointer, so option structs can say `.learning_rate = 1e-3` or
/// `.learning_rate = schedules::CosineDecay(1e-3, 1000)`.
class LearningRate {
 public:
  LearningRate(double value);  // NOLINT(google-explicit-constructor)
  LearningRate(schedules::SchedulePtr schedule);  // NOLINT(google-explicit-constructor)
  template <class S>
    requires std::derived_from<std::remove_cvref_t<S>, schedules::LearningRateSchedule>
  LearningRate(S&& schedule)  // NOLINT(google-explicit-constructor)
      : LearningRate(schedules::SchedulePtr(
            std::make_shared<std::remove_cvref_t<S>>(std::forward<S>(schedule)))) {}
  template <class S>
    requires(std::derived_from<S, schedules::LearningRateSchedule> &&
             !std::same_as<S, schedules::LearningRateSchedule>)
  LearningRate(std::shared_ptr<S> schedule)  // NOLINT(google-explicit-constructor)
      : LearningRate(schedules::SchedulePtr(std::move(schedule))) {}

  /// The rate at optimizer iteration `step`.
  double at(std::int64_t step) const;
  bool is_schedule() const noexcept { return static_cast<bool>(schedule_); }
  /// The schedule (null for a constant).
  const schedules::SchedulePtr& schedule() const noexcept { return schedule_; }
  /// The constant (only meaningful when !is_schedule()).
  double value() const noexcept { return value_; }
  /// Keras config form: a constant is written as the float32 value Keras stores it in (so
  /// 0.001 becomes 0.0010000000474974513), a schedule as its serialised dict.
  Config to_config() const;
  /// Reads either form. A number must be finite and >= 0.
  static LearningRate from_config(const Config& config);

 private:
  double value_ = 0.001;
  schedules::SchedulePtr schedule_;
};

}  // namespace temper::optimizers

namespace temper {
/// `learning_rate`: a number, or a serialized schedule {"class_name", "config"}; errors inside
/// the schedule's config are reported as "learning_rate.config.<key>".
template <> struct ArgTraits<optimizers::LearningRate> {
  static const char* expected();
  static optimizers::LearningRate read(const Config& value);
  static Config write(const optimizers::LearningRate& value);
};
}  // namespace temper

namespace temper::optimizers {

/// Arguments every Keras optimizer accepts (Keras: BaseOptimizer.__init__), in Keras's order
/// so that designated initializers read like the Python call. At most one of clipnorm,
/// clipvalue and global_clipnorm may be set.
///
/// Every subclass's Options struct holds these same fields under the same names, declared by
/// TEMPER_OPTIMIZER_COMMON_OPTIONS (learning_rate, weight_decay and name are spelled out per
/// class because their defaults and, for AdamW, their positions differ). They cannot come from
/// a base struct: C++20 designated initializers (`Adam::Options{.learning_rate = 1e-3,
/// .beta_1 = 0.8, .clipnorm = 1.0}`) cannot name members of a base class. The argument table
/// is likewise declared once: optimizer_arguments<O>() below, which each class's table extends.
///
///   clipnorm         per-variable L2-norm clip
///   clipvalue        element-wise clip to [-v, v]
///   global_clipnorm  clip by the norm over all gradients
///   use_ema          keep an exponential moving average of the weights (ema_momentum),
///                    copied into the weights every ema_overwrite_frequency steps
///   loss_scale_factor            gradients are divided by it
///   gradient_accumulation_steps  update every N calls (>= 2)
#define TEMPER_OPTIMIZER_COMMON_OPTIONS                          \
  std::optional<double> clipnorm{}, clipvalue{}, global_clipnorm{}; \
  bool use_ema = false;                                          \
  double ema_momentum = 0.99;                                    \
  std::optional<std::int64_t> ema_overwrite_frequency{};         \
  std::optional<double> loss_scale_factor{};                     \
  std::optional<std::int64_t> gradient_accumulation_steps{}

struct OptimizerOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay{};  ///< decoupled: w -= w * weight_decay * lr
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name{};  ///< empty: the class's Keras default ("adam", ...)
};

/// Checks of the base arguments (shared by every optimizer table).
Check<LearningRate> learning_rate_check();
Check<std::optional<double>> optional_positive();
Check<std::optional<double>> optional_non_negative();
Check<std::optional<std::int64_t>> optional_at_least(std::int64_t lo);

/// The base-class arguments (Keras BaseOptimizer.__init__ and get_config), declared once for
/// every optimizer: a class's table is `optimizer_arguments<Options>("Adam").add("beta_1", ...)`.
/// Keys written by older Keras versions that Keras 3 drops are accepted from Keras files:
/// "lr" (Keras 2.2's learning_rate), "decay", "jit_compile", "is_legacy_optimizer" (tf.keras).
template <class O> Arguments<O> optimizer_arguments(std::string owner) {
  return Arguments<O>(std::move(owner))
      .add("name", &O::name)
      .add("learning_rate", &O::learning_rate, learning_rate_check())
      .add("weight_decay", &O::weight_decay, optional_non_negative())
      .add("clipnorm", &O::clipnorm, optional_positive())
      .add("global_clipnorm", &O::global_clipnorm, optional_positive())
      .add("clipvalue", &O::clipvalue, optional_positive())
      .add("use_ema", &O::use_ema)
      .add("ema_momentum", &O::ema_momentum)
      .add("ema_overwrite_frequency", &O::ema_overwrite_frequency)
      .add("loss_scale_factor", &O::loss_scale_factor, optional_positive())
      .add("gradient_accumulation_steps", &O::gradient_accumulation_steps, optional_at_least(2))
      .renamed("lr", "learning_rate")
      .unsupported("decay", 0.0, Effect::training_only, false)
      .unsupported("jit_compile", true, Effect::training_only, false)
      .unsupported("is_legacy_optimizer", false, Effect::training_only, false);
}

/// Copies the base-class fields between two option structs (any two of the Options types).
template <class From, class To> void copy_base_options(const From& from, To& to) {
  to.learning_rate = from.learning_rate;
  to.weight_decay = from.weight_decay;
  to.clipnorm = from.clipnorm;
  to.clipvalue = from.clipvalue;
  to.global_clipnorm = from.global_clipnorm;
  to.use_ema = from.use_ema;
  to.ema_momentum = from.ema_momentum;
  to.ema_overwrite_frequency = from.ema_overwrite_frequency;
  to.loss_scale_factor = from.loss_scale_factor;
  to.gradient_accumulation_steps = from.gradient_accumulation_steps;
  to.name = from.name;
}

class Optimizer;
using OptimizerPtr = std::shared_ptr<Optimizer>;

/// Keras: keras.optimizers.Optimizer (BaseOptimizer). Owns per-variable slot tensors
/// ("momentum", "velocity", ...) created lazily, zero-filled with the variable's shape, dtype
/// and backend, the first time a variable is seen by build() or apply_gradients(); variables
/// are identified by their Variable object. Copying an optimizer deep-copies its slots, so a
/// copy is an independent optimizer that continues from the same state.
class Optimizer {
 public:
  using Options = OptimizerOptions;

  virtual ~Optimizer();

  /// Keras apply_gradients: one step on `vars` using each variable's accumulated gradient
  /// (`var->value.grad()`). Non-trainable variables are skipped; trainable ones without a
  /// gradient get their slots but no update (Keras warns; a step where no variable has a
  /// gradient throws ValueError like Keras). A gradient whose shape differs from its
  /// variable's throws ShapeError naming the variable.
  void apply_gradients(const std::vector<VariablePtr>& vars);
  /// Keras apply(grads, variables): same, with the gradients given explicitly (an undefined
  /// Tensor means "no gradient").
  void apply(const std::vector<Tensor>& grads, const std::vector<VariablePtr>& vars);
  /// Keras build(variables): creates the slots of the trainable variables now, in this order
  /// (which is the order variables() reports them in). Idempotent per variable.
  void build(const std::vector<VariablePtr>& vars);
  /// True after build() or the first step (Keras `optimizer.built`).
  bool built() const noexcept { return built_; }

  /// Number of apply calls so far (Keras `optimizer._iterations`; with gradient accumulation
  /// Keras's `iterations` property is this divided by the number of accumulation steps).
  std::int64_t iterations() const noexcept { return iterations_; }
  void set_iterations(std::int64_t iterations);

  /// The learning rate that the next step will use (schedule evaluated at iterations()).
  double learning_rate() const;
  /// Sets a constant rate, replacing a schedule if there was one (ReduceLROnPlateau). Unlike
  /// Keras, replacing a schedule is allowed: a C++ caller asked for it explicitly.
  void set_learning_rate(double learning_rate);
  void set_learning_rate(LearningRate learning_rate);
  /// The learning rate as configured (constant or schedule).
  const LearningRate& learning_rate_setting() const noexcept { return opts_.learning_rate; }

  const std::string& name() const noexcept { return opts_.name; }
  /// The base arguments this optimizer was built with (learning_rate reflects later sets).
  const Options& base_options() const noexcept { return opts_; }

  /// Keras class name, e.g. "Adam".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): name, learning_rate, weight_decay, clipnorm, global_clipnorm,
  /// clipvalue, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
  /// gradient_accumulation_steps, then the subclass's own keys.
  virtual Config get_config() const;
  /// A deep copy (slots included) as a shared pointer of the dynamic type.
  virtual OptimizerPtr clone() const = 0;

  /// The optimizer's state in Keras 3 `optimizer.variables` order, which is the order of the
  /// "optimizer/vars/<i>" datasets in a .weights.h5 file: "iteration" (int32 scalar),
  /// "learning_rate" (float32 scalar; absent when the rate is a schedule), then the slots named
  /// like Keras's `<variable path with / -> _>_<slot>` ("dense_kernel_momentum"): for each
  /// Keras slot group, for each variable in build order, the group's slots (Adam interleaves
  /// momentum and velocity per variable, then all velocity_hat for amsgrad; RMSprop lists all
  /// velocities, then momentums, then average gradients), then any optimizer-level extra
  /// (Nadam's "u_product"). Slot tensors are the live slots, not copies.
  std::vector<std::pair<std::string, Tensor>> variables() const;
  /// Restores what variables() returned, in the same order. The optimizer must already know
  /// the variables (build()). A count mismatch throws ValueError; a shape mismatch throws
  /// ShapeError naming the slot and both shapes. Values are cast to the slot dtype and moved
  /// to the slot's backend as needed.
  void set_variables(const std::vector<Tensor>& values);
  /// Slots per model variable (Adam 2, 3 with amsgrad; SGD 1 with momentum, else 0; ...),
  /// plus one for EMA and one for gradient accumulation when enabled.
  int slots_per_variable() const;
  /// Elements in variables() — what Keras's summary reports as "Optimizer params" (it counts
  /// the iteration and learning-rate scalars too).
  std::int64_t count_params() const;

  /// Keras exclude_from_weight_decay: these variables, and variables whose name matches any
  /// of `var_names` (regular expressions searched in Variable::name), get no weight decay.
  void exclude_from_weight_decay(const std::vector<VariablePtr>& var_list = {},
                                 const std::vector<std::string>& var_names = {});
  /// Keras finalize_variable_values: with use_ema, copies the moving averages into `vars`
  /// (fit() calls it after the last epoch). No-op otherwise.
  void finalize_variable_values(const std::vector<VariablePtr>& vars);

  /// The slot `slot_name` ("momentum", "velocity", "average", "gradient_accumulator", ...) of
  /// `var`, or an undefined Tensor if there is none. For tests and inspection.
  Tensor slot(const Variable& var, const std::string& slot_name) const;
  /// The variables the optimizer holds slots for, in build order.
  std::vector<VariablePtr> tracked_variables() const;

  /// Keras `variable.constraint`: after each update (and EMA), `var` is replaced by
  /// `constraint(var)`, as Keras's BaseOptimizer.apply does. An inactive constraint removes it.
  /// A Variable type with a `constraint` member (constraints::Constraint) is picked up
  /// automatically; one set here takes precedence.
  void set_constraint(const VariablePtr& var, constraints::Constraint constraint);
  /// The constraint applied to `var` after each update (inactive when none).
  constraints::Constraint constraint_of(const Variable& var) const;

 protected:
  /// One kind of per-variable slot. `group` reproduces Keras's creation order: slots of the
  /// same group are interleaved per variable; groups follow each other.
  struct SlotSpec {
    std::string name{};
    double initial_value = 0.0;
    int group = 0;
    /// The slot's shape from the variable's (Adafactor's factored r and c); empty: the same.
    std::function<Shape(const Shape&)> shape{};
    /// False for scratch space the update reuses every step: not part of variables(), not
    /// counted, not copied between optimizers.
    bool saved = true;
  };
  /// Per-step values shared by every variable's update.
  struct StepContext {
    double lr = 0.0;        ///< learning rate for this step
    std::int64_t t = 1;     ///< Keras `iterations + 1` (bias-correction step)
  };

  /// `keras_class` names the optimizer in error messages (class_name() is not callable from
  /// a base constructor); `default_name` replaces an empty options.name.
  Optimizer(Options options, std::string keras_class, const std::string& default_name);
  Optimizer(const Optimizer& other);
  Optimizer& operator=(const Optimizer& other);
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;

  /// The slots this optimizer keeps for each variable, in the order update_step receives them.
  virtual std::vector<SlotSpec> slot_specs() const = 0;
  /// Applies the algorithm to one variable with its (clipped) gradient, in place.
  virtual void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                           const StepContext& ctx) = 0;
  /// The backend kernels' step argument with this step's rate and t filled in.
  static OptimizerStep kernel_step(const StepContext& ctx) {
    OptimizerStep s;
    s.lr = ctx.lr;
    s.t = ctx.t;
    return s;
  }
  /// Called once per update step before the per-variable updates (Nadam's u_product).
  virtual void before_update_steps(const StepContext&) {}
  /// Optimizer-level state saved after the slots (Nadam's u_product).
  virtual std::vector<std::pair<std::string, Tensor>> extra_variables(DType dtype) const;
  virtual std::size_t extra_variable_count() const { return 0; }
  virtual void set_extra_variables(const std::vector<Tensor>& values, std::size_t first);

  /// The base-class fields of any subclass option struct.
  template <class O>
  static Options base_of(const O& o) {
    Options b;
    copy_base_options(o, b);
    return b;
  }
  /// get_config of a subclass: its table written from `o` with the base fields as they are
  /// now (learning_rate reflects set_learning_rate).
  template <class O>
  Config config_of(const Arguments<O>& args, O o) const {
    copy_base_options(opts_, o);
    return args.write(o);
  }
  /// Runs the table's checks; a failure is a ValueError naming this optimizer.
  template <class O>
  void validate_arguments(const Arguments<O>& args, const O& o) const {
    try {
      args.validate(o);
    } catch (const ValueError& e) {
      rethrow_named(e, args.owner());
    }
  }
  [[noreturn]] void rethrow_named(const ValueError& e, const std::string& owner) const;
  /// "Adam optimizer 'adam'" for error messages.
  std::string describe() const;

 private:
  struct Entry {
    VariablePtr var;
    std::vector<Tensor> slots;  ///< in slot_specs() order
    Tensor average;             ///< EMA (use_ema)
    Tensor accumulator;         ///< gradient accumulation
    Tensor scratch;             ///< reusable copy for clipping / unscaling / dtype casts
    int use_weight_decay = -1;  ///< cached decision: -1 unknown, 0 no, 1 yes
  };
  void apply_constraints();
  struct Work {
    std::size_t entry;
    Tensor grad;
  };

  void validate_base() const;
  std::size_t ensure_entry(const VariablePtr& var);
  void run_step();
  void clip_gradients();
  Tensor& writable(Entry& e, const Tensor& g);
  bool uses_weight_decay(Entry& e);
  /// Slot tensors in save order with their Keras variable names.
  std::vector<std::pair<std::string, Tensor*>> slot_refs();
  std::string slot_var_name(const Entry& e, const std::string& slot) const;
  void deep_copy_slots();

  Options opts_;
  std::int64_t iterations_ = 0;
  bool built_ = false;
  std::vector<Entry> entries_;
  std::unordered_map<const Variable*, std::size_t> index_;
  std::vector<Work> work_;  ///< reused between steps to avoid reallocating
  std::unordered_set<const Variable*> wd_exclude_vars_;
  std::vector<std::string> wd_exclude_names_;
  std::string class_for_errors_;
  std::unordered_map<const Variable*, constraints::Constraint> constraints_;
};

/// The optimizer registry: Keras class names ("Adam") with their lower-case aliases ("adam").
/// Built-in optimizers register next to their definitions; so can custom ones
/// (OptimizerRegistration below).
Registry<Optimizer>& registry();

/// What every optimizer class has from its Options and its argument table alone: the
/// constructors (`X(Options)`, `X(learning_rate)`; the table's checks run, a failure is a
/// ValueError naming the optimizer), options(), get_config, clone, class_name and
/// from_config. A class derives from OptimizerClass<Itself, ItsOptions>, names itself
/// (`static constexpr const char* keras_class = "Adam"`), inherits the constructors
/// (`using OptimizerClass::OptimizerClass`), declares its table (`static const
/// Arguments<Options>& arguments()`) and implements slot_specs and update_step.
template <class Derived, class OptionsT>
class OptimizerClass : public Optimizer {
 public:
  using Options = OptionsT;
  /// Options{.learning_rate = 1e-3, ...} in Keras argument order; the defaults are Keras's.
  explicit OptimizerClass(Options options = {})
      : OptimizerClass(std::move(options), Derived::keras_class, Options{}.name) {}
  /// The Keras defaults with this learning rate (a number or a schedule).
  explicit OptimizerClass(LearningRate learning_rate) : OptimizerClass(with_rate(std::move(learning_rate))) {}

  std::string class_name() const override { return Derived::keras_class; }
  Config get_config() const override { return config_of(Derived::arguments(), o_); }
  OptimizerPtr clone() const override { return std::make_shared<Derived>(static_cast<const Derived&>(*this)); }
  /// The arguments as constructed (the current rate is learning_rate_setting()).
  const Options& options() const noexcept { return o_; }
  /// Keras from_config: the table reads `config` (strictly when `source` is ConfigSource::user).
  static std::shared_ptr<Derived> from_config(const Config& config,
                                              ConfigSource source = ConfigSource::keras_file) {
    return std::dynamic_pointer_cast<Derived>(registry().create(Derived::keras_class, config, source));
  }

 protected:
  /// For a subclass that is another Keras class (AdamW is an Adam under its own name).
  OptimizerClass(Options options, std::string keras_class, const std::string& default_name)
      : Optimizer(base_of(options), std::move(keras_class), default_name), o_(std::move(options)) {
    o_.name = name();
    validate_arguments(Derived::arguments(), o_);
  }

  Options o_;

 private:
  static Options with_rate(LearningRate learning_rate) {
    Options o;
    o.learning_rate = std::move(learning_rate);
    return o;
  }
};

// ---- SGD ----------------------------------------------------------------------------------

/// Options of SGD in Keras argument order.
struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;  ///< in [0, 1]
  bool nesterov = false;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "SGD";
};

/// Keras: keras.optimizers.SGD. Plain `w -= lr * g`, or with momentum
/// `m = momentum * m - lr * g; w += m` (Nesterov: `w += momentum * m - lr * g`). The momentum
/// slot exists only when momentum != 0, as in Keras.
class SGD : public OptimizerClass<SGD, SGDOptions> {
 public:
  static constexpr const char* keras_class = "SGD";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Adam / AdamW -------------------------------------------------------------------------

/// Options of Adam in Keras argument order.
struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;  ///< Keras's "epsilon hat", added to sqrt(v)
  bool amsgrad = false;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adam";
};

/// Keras: keras.optimizers.Adam. `m += (g - m)(1 - beta_1)`, `v += (g² - v)(1 - beta_2)`,
/// `w -= lr·sqrt(1 - beta_2^t)/(1 - beta_1^t) · m / (sqrt(v) + epsilon)`; amsgrad divides by
/// the running maximum of v instead.
class Adam : public OptimizerClass<Adam, AdamOptions> {
 public:
  static constexpr const char* keras_class = "Adam";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

/// Options of AdamW in Keras argument order (weight_decay comes second and defaults to 0.004).
struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  std::optional<double> weight_decay = 0.004;  ///< required (Keras rejects None)
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adamw";
};

/// Keras: keras.optimizers.AdamW — Adam with decoupled weight decay
/// (`w -= w * weight_decay * lr` before each Adam step), weight_decay 0.004 by default.
class AdamW : public Adam {
 public:
  using Options = AdamWOptions;
  explicit AdamW(Options options = {});
  explicit AdamW(LearningRate learning_rate);

  std::string class_name() const override { return "AdamW"; }
  OptimizerPtr clone() const override { return std::make_shared<AdamW>(*this); }
  static std::shared_ptr<AdamW> from_config(const Config& config,
                                         ConfigSource source = ConfigSource::keras_file);
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 private:
  static AdamOptions to_adam(const Options& o);
};

// ---- RMSprop ------------------------------------------------------------------------------

/// Options of RMSprop in Keras argument order.
struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;  ///< inside the square root, as in Keras
  bool centered = false;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "rmsprop";
};

/// Keras: keras.optimizers.RMSprop (compile's default optimizer). `v = rho·v + (1-rho)·g²`,
/// step `lr·g / sqrt(v + epsilon)`; centered subtracts the squared running mean gradient from
/// v; momentum > 0 accumulates the steps in a momentum slot.
class RMSprop : public OptimizerClass<RMSprop, RMSpropOptions> {
 public:
  static constexpr const char* keras_class = "RMSprop";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Adagrad ------------------------------------------------------------------------------

/// Options of Adagrad in Keras argument order.
struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adagrad";
};

/// Keras: keras.optimizers.Adagrad. `acc += g²; w -= lr·g / sqrt(acc + epsilon)`, with the
/// accumulator starting at initial_accumulator_value.
class Adagrad : public OptimizerClass<Adagrad, AdagradOptions> {
 public:
  static constexpr const char* keras_class = "Adagrad";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Adamax -------------------------------------------------------------------------------

/// Options of Adamax in Keras argument order.
struct AdamaxOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adamax";
};

/// Keras: keras.optimizers.Adamax — Adam with the infinity norm:
/// `u = max(beta_2·u, |g|)`, `w -= lr/(1 - beta_1^t) · m / (u + epsilon)`.
class Adamax : public OptimizerClass<Adamax, AdamaxOptions> {
 public:
  static constexpr const char* keras_class = "Adamax";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Nadam --------------------------------------------------------------------------------

/// Options of Nadam in Keras argument order.
struct NadamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "nadam";
};

/// Keras: keras.optimizers.Nadam — Adam with Nesterov momentum and Dozat's momentum schedule.
/// Keras 3 uses `u_t = beta_1·(1 - 0.5·0.96^t)` (tf.keras 2's legacy Nadam had 0.96^(0.004·t);
/// Keras 3's source is followed here) and keeps the running product of the u_t as optimizer
/// state ("u_product", saved after the slots like Keras's untracked-name variable).
class Nadam : public OptimizerClass<Nadam, NadamOptions> {
 public:
  static constexpr const char* keras_class = "Nadam";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();
  /// Product of the momentum-schedule factors u_1..u_t so far (starts at 1).
  double u_product() const noexcept { return u_product_; }

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
  void before_update_steps(const StepContext& ctx) override;
  std::vector<std::pair<std::string, Tensor>> extra_variables(DType dtype) const override;
  std::size_t extra_variable_count() const override { return 1; }
  void set_extra_variables(const std::vector<Tensor>& values, std::size_t first) override;

 private:
  double u_product_ = 1.0;
  OptimizerStep step_;  ///< u_t, u_t1 and products of the current step
};

// ---- Lion ---------------------------------------------------------------------------------

/// Options of Lion in Keras argument order.
struct LionOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;  ///< in (0, 1]
  double beta_2 = 0.99;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "lion";
};

/// Keras: keras.optimizers.Lion (Chen et al. 2023, "Symbolic Discovery of Optimization
/// Algorithms"): `w -= lr · sign(beta_1·m + (1 - beta_1)·g)`, then
/// `m = beta_2·m + (1 - beta_2)·g`. One slot, "momentum".
class Lion : public OptimizerClass<Lion, LionOptions> {
 public:
  static constexpr const char* keras_class = "Lion";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Adadelta -----------------------------------------------------------------------------

/// Options of Adadelta in Keras argument order.
struct AdadeltaOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.95;
  double epsilon = 1e-7;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adadelta";
};

/// Keras: keras.optimizers.Adadelta (Zeiler 2012). With rms(x) = sqrt(x + epsilon):
/// `E[g²] = rho·E[g²] + (1-rho)·g²`, `Δ = -rms(E[Δ²]) · g / rms(E[g²])`,
/// `E[Δ²] = rho·E[Δ²] + (1-rho)·Δ²`, `w += lr·Δ`. Slots "accumulated_grad" and
/// "accumulated_delta_var", interleaved per variable as Keras creates them.
class Adadelta : public OptimizerClass<Adadelta, AdadeltaOptions> {
 public:
  static constexpr const char* keras_class = "Adadelta";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Ftrl ---------------------------------------------------------------------------------

/// Options of Ftrl in Keras argument order.
struct FtrlOptions {
  LearningRate learning_rate = 0.001;
  double learning_rate_power = -0.5;        ///< <= 0
  double initial_accumulator_value = 0.1;   ///< >= 0
  double l1_regularization_strength = 0.0;  ///< >= 0
  double l2_regularization_strength = 0.0;  ///< >= 0
  double l2_shrinkage_regularization_strength = 0.0;  ///< >= 0
  double beta = 0.0;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "ftrl";
};

/// Keras: keras.optimizers.Ftrl (McMahan et al. 2013, FTRL-Proximal). With p =
/// learning_rate_power, l2' = l2 + beta / (2·lr) and n' = n + g²:
/// `z += g + 2·l2_shrinkage·w - (n'^-p - n^-p) / lr · w`,
/// `w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2·l2')`, `n = n'`. Slots "accumulator"
/// (starting at initial_accumulator_value) and "linear", interleaved per variable.
class Ftrl : public OptimizerClass<Ftrl, FtrlOptions> {
 public:
  static constexpr const char* keras_class = "Ftrl";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- Adafactor ----------------------------------------------------------------------------

/// Options of Adafactor in Keras argument order.
struct AdafactorOptions {
  LearningRate learning_rate = 0.001;
  double beta_2_decay = -0.8;
  double epsilon_1 = 1e-30;
  double epsilon_2 = 1e-3;
  double clip_threshold = 1.0;
  bool relative_step = true;
  std::optional<double> weight_decay{};
  TEMPER_OPTIMIZER_COMMON_OPTIONS;
  std::string name = "adafactor";
};

/// Keras: keras.optimizers.Adafactor (Shazeer & Stern 2018). With t = iterations + 1,
/// rms(x) = sqrt(mean(x²)): lr = min(lr, 1/sqrt(t)) when relative_step and the rate is a
/// constant; rho = min(lr, 1/sqrt(t)); alpha = max(epsilon_2, rms(w))·rho;
/// G = g² + epsilon_1; beta = 1 - t^beta_2_decay. A variable of rank >= 2 keeps factored
/// second moments r (its shape minus the last axis) and c (minus the second-last):
/// `r = beta·r + (1-beta)·mean(G, -1)`, `c = beta·c + (1-beta)·mean(G, -2)`,
/// `v = (r / mean(r, -1))[..., None] · c[..., None, :]`; other variables keep
/// `v = beta·v + (1-beta)·G` (r and c are scalar placeholders, as in Keras). Then
/// `u = g / sqrt(v)`, `w -= alpha · u / max(1, rms(u) / clip_threshold)`.
/// Slots per variable, as Keras creates them: "r", "c", "velocity".
class Adafactor : public OptimizerClass<Adafactor, AdafactorOptions> {
 public:
  static constexpr const char* keras_class = "Adafactor";
  using OptimizerClass::OptimizerClass;
  /// The constructor arguments, declared once (base arguments included).
  static const Arguments<Options>& arguments();

 protected:
  std::vector<SlotSpec> slot_specs() const override;
  void update_step(Tensor& w, const Tensor& g, std::vector<Tensor>& slots,
                   const StepContext& ctx) override;
};

// ---- registry -----------------------------------------------------------------------------

/// Registers optimizer class C (with `Options`, `static const Arguments<Options>&
/// arguments()` and a constructor from Options) under `names`: the Keras class name first,
/// then aliases. `after_read` may adjust what the table read (AdamW's explicit null
/// weight_decay).
template <class C> struct OptimizerRegistration {
  explicit OptimizerRegistration(
      std::vector<std::string> names,
      std::function<void(ArgReader&, typename C::Options&)> after_read = {}) {
    typename Registry<Optimizer>::Entry e;
    e.name = names.front();
    e.aliases.assign(names.begin() + 1, names.end());
    e.arguments = C::arguments().names();
    e.make = [after = std::move(after_read)](ArgReader& r) -> OptimizerPtr {
      auto options = C::arguments().read(r);
      if (after) after(r, options);
      return std::make_shared<C>(std::move(options));
    };
    registry().add(std::move(e));
  }
};

/// Names accepted by get() (lower case; matching is case-insensitive).
std::vector<std::string> names();
/// Keras: keras.optimizers.get(identifier) for a string: "adam", "Adam", "sgd", "rmsprop",
/// "adamw", "adagrad", "adamax", "nadam", "lion", "adadelta", "ftrl", "adafactor" with Keras
/// defaults. Unknown -> UnknownNameError listing the known names and suggesting the closest.
OptimizerPtr get(const std::string& name);
/// Keras: keras.optimizers.deserialize — {"class_name": "Adam", "config": {...}} (with or
/// without "module"/"registered_name"; tf.keras's "Custom>Adam" class names and legacy keys
/// such as "decay", "jit_compile", "is_legacy_optimizer" are accepted from Keras files), or a
/// bare name string. `source` is ConfigSource::user for configs a person wrote (the CLI).
/// A bad argument is an ArgumentError ("Adam argument 'beta1': unknown argument ... Did you
/// mean 'beta_1'?"); a nested schedule's errors have paths "learning_rate.config.<key>".
OptimizerPtr from_config(const Config& serialized, ConfigSource source = ConfigSource::keras_file);
/// Same, with the class name given separately and `config` the bare argument object.
OptimizerPtr from_config(const std::string& class_name, const Config& config,
                         ConfigSource source = ConfigSource::keras_file);
/// Keras: keras.optimizers.serialize —
/// {"module": "keras.optimizers", "class_name", "config", "registered_name": null}.
Config serialize(const Optimizer& optimizer);

}  // namespace temper::optimizers
