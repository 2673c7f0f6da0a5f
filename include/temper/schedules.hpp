// schedules.hpp — learning-rate schedules (Keras: keras.optimizers.schedules).
//
// A schedule maps the optimizer's iteration counter (0 on the first update) to a learning
// rate. The formulas, argument names, defaults and config keys are Keras 3's, so a schedule
// serialised by Keras inside an optimizer config loads here and vice versa. Values are
// computed in double precision (Keras computes them in the dtype of initial_learning_rate,
// normally float32, so results agree to float32 rounding).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temper/config.hpp"

namespace temper {
template <class O> class Arguments;
template <class Base> class Registry;
enum class ConfigSource;
}  // namespace temper

namespace temper::schedules {

/// Keras: keras.optimizers.schedules.LearningRateSchedule. Schedules are immutable once
/// built, which is why optimizers (and copies of them) can share one through a SchedulePtr.
class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule();
  /// The learning rate at optimizer iteration `step` (0-based, as Keras passes it).
  virtual double operator()(std::int64_t step) const = 0;
  /// Keras class name, e.g. "ExponentialDecay".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): the constructor arguments under their Keras names.
  virtual Config get_config() const = 0;
};

using SchedulePtr = std::shared_ptr<LearningRateSchedule>;

/// Keras: keras.optimizers.schedules.ExponentialDecay —
/// `initial_learning_rate * decay_rate ^ (step / decay_steps)`, with the exponent floored when
/// `staircase` so that the rate drops in discrete jumps every `decay_steps` steps.
class ExponentialDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.0;
    double decay_steps = 0.0;  ///< must be > 0 (a step count; fractional values are allowed)
    double decay_rate = 0.0;
    bool staircase = false;
    std::string name = "ExponentialDecay";
  };
  explicit ExponentialDecay(Options options);
  ExponentialDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "ExponentialDecay"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// Keras: keras.optimizers.schedules.PiecewiseConstantDecay — `values[0]` while
/// `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`, and
/// `values.back()` after the last boundary. Boundaries are step counts and must be strictly
/// increasing; there is exactly one more value than boundaries.
class PiecewiseConstantDecay : public LearningRateSchedule {
 public:
  struct Options {
    std::vector<std::int64_t> boundaries{};
    std::vector<double> values{};
    std::string name = "PiecewiseConstant";
  };
  explicit PiecewiseConstantDecay(Options options);
  PiecewiseConstantDecay(std::vector<std::int64_t> boundaries, std::vector<double> values);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "PiecewiseConstantDecay"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// Keras: keras.optimizers.schedules.CosineDecay — optional linear warmup from
/// `initial_learning_rate` to `warmup_target` over `warmup_steps`, then a cosine decay over
/// `decay_steps` from the warmup target (or from `initial_learning_rate` without warmup) down
/// to `alpha` times that value, where it stays.
class CosineDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.0;
    double decay_steps = 0.0;  ///< must be > 0
    double alpha = 0.0;
    std::optional<double> warmup_target{};  ///< no warmup when unset
    double warmup_steps = 0.0;
    std::string name = "CosineDecay";
  };
  explicit CosineDecay(Options options);
  CosineDecay(double initial_learning_rate, double decay_steps, double alpha = 0.0,
              std::optional<double> warmup_target = std::nullopt, double warmup_steps = 0.0);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "CosineDecay"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// Keras: keras.optimizers.schedules.PolynomialDecay —
/// `(initial - end) * (1 - step / decay_steps) ^ power + end`, with the step clamped to
/// `decay_steps`, or with `decay_steps` stretched to the next multiple above the step when
/// `cycle`.
class PolynomialDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.0;
    double decay_steps = 0.0;  ///< must be > 0
    double end_learning_rate = 0.0001;
    double power = 1.0;
    bool cycle = false;
    std::string name = "PolynomialDecay";
  };
  explicit PolynomialDecay(Options options);
  PolynomialDecay(double initial_learning_rate, double decay_steps,
                  double end_learning_rate = 0.0001, double power = 1.0, bool cycle = false);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "PolynomialDecay"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// Keras: keras.optimizers.schedules.InverseTimeDecay —
/// `initial_learning_rate / (1 + decay_rate * step / decay_steps)`, the ratio floored when
/// `staircase`.
class InverseTimeDecay : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.0;
    double decay_steps = 0.0;  ///< must be > 0
    double decay_rate = 0.0;
    bool staircase = false;
    std::string name = "InverseTimeDecay";
  };
  explicit InverseTimeDecay(Options options);
  InverseTimeDecay(double initial_learning_rate, double decay_steps, double decay_rate,
                   bool staircase = false);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "InverseTimeDecay"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// Keras: keras.optimizers.schedules.CosineDecayRestarts (SGDR) — cosine decays that restart
/// after `first_decay_steps`, each period `t_mul` times longer and starting `m_mul` times
/// lower than the previous one.
class CosineDecayRestarts : public LearningRateSchedule {
 public:
  struct Options {
    double initial_learning_rate = 0.0;
    double first_decay_steps = 0.0;  ///< must be > 0
    double t_mul = 2.0;
    double m_mul = 1.0;
    double alpha = 0.0;
    std::string name = "SGDRDecay";
  };
  explicit CosineDecayRestarts(Options options);
  CosineDecayRestarts(double initial_learning_rate, double first_decay_steps,
                      double t_mul = 2.0, double m_mul = 1.0, double alpha = 0.0);

  double operator()(std::int64_t step) const override;
  std::string class_name() const override { return "CosineDecayRestarts"; }
  Config get_config() const override;
  const Options& options() const noexcept { return o_; }
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Options o_;
};

/// The schedule registry (Keras class names). A custom schedule registers here and is then
/// read wherever an optimizer's learning_rate is.
Registry<LearningRateSchedule>& registry();

/// Class names from_config understands.
std::vector<std::string> names();

/// Keras: keras.optimizers.schedules.serialize —
/// {"module": "keras.optimizers.schedules", "class_name", "config", "registered_name": null}.
Config serialize(const LearningRateSchedule& schedule);

/// Keras: keras.optimizers.schedules.deserialize. Accepts {"class_name", "config"} with or
/// without "module"/"registered_name". Unknown class -> UnknownNameError; unknown or
/// mistyped config key -> ArgumentError (a ConfigError) naming the argument, with a
/// did-you-mean for unknown keys; bad value -> ValueError.
SchedulePtr from_config(const Config& serialized);
SchedulePtr from_config(const Config& serialized, ConfigSource source);
/// Same, with the class name given separately and `config` the bare argument object.
SchedulePtr from_config(const std::string& class_name, const Config& config);
SchedulePtr from_config(const std::string& class_name, const Config& config, ConfigSource source);

}  // namespace temper::schedules
