// constraints.hpp — projections applied to a weight after each optimizer update
// (Keras: keras.constraints).
//
// Keras's BaseOptimizer.apply runs `variable.assign(variable.constraint(variable))` for every
// variable that has a constraint, after the update (and after EMA). Temper's optimizers do the
// same (optimizers.hpp: Optimizer::set_constraint, and Variable::constraint when present).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/tensor.hpp"

namespace temper {
template <class Base> class Registry;
}

namespace temper::constraints {

/// The `axis` argument of the norm constraints: one axis (Keras writes an int) or several
/// (a list, e.g. [0, 1, 2] for a Conv2D kernel). Negative axes count from the end.
struct Axis {
  std::vector<std::int64_t> axes{0};
  bool is_list = false;
  Axis() = default;
  Axis(std::int64_t axis) : axes{axis} {}  // NOLINT(google-explicit-constructor)
  Axis(std::initializer_list<std::int64_t> list) : axes(list), is_list(true) {}
  explicit Axis(std::vector<std::int64_t> list) : axes(std::move(list)), is_list(true) {}
  bool operator==(const Axis&) const = default;
};

/// One constraint class (Keras: keras.constraints.Constraint). Subclass it and register the
/// subclass in registry() for a custom constraint.
class ConstraintFunction {
 public:
  virtual ~ConstraintFunction();
  /// The projected weight (a new tensor; `w` is not modified).
  virtual Tensor operator()(const Tensor& w) const = 0;
  /// Keras class name, e.g. "MaxNorm".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): the constructor arguments.
  virtual Config get_config() const = 0;
};

/// The constraint registry: Keras class names with their snake_case aliases ("max_norm").
Registry<ConstraintFunction>& registry();

/// A weight constraint as a value (like regularizers::Regularizer). Default-constructed it is
/// "no constraint"; the strings "max_norm", "MaxNorm", "non_neg", ... convert implicitly with
/// Keras defaults.
class Constraint {
 public:
  Constraint() = default;
  Constraint(const char* name);         // NOLINT(google-explicit-constructor)
  Constraint(const std::string& name);  // NOLINT(google-explicit-constructor)
  explicit Constraint(std::shared_ptr<const ConstraintFunction> fn) : fn_(std::move(fn)) {}

  bool active() const noexcept { return static_cast<bool>(fn_); }
  explicit operator bool() const noexcept { return active(); }
  /// The Keras class name ("" when inactive).
  std::string class_name() const;
  /// The projected weight; `w` itself when inactive.
  Tensor operator()(const Tensor& w) const;
  /// Projects `w` in place (no autograd): what the optimizer does after an update.
  void apply(Tensor& w) const;
  /// {"module": "keras.constraints", "class_name", "config", "registered_name": null}, or null
  /// when inactive.
  Config get_config() const;
  const std::shared_ptr<const ConstraintFunction>& function() const noexcept { return fn_; }

 private:
  std::shared_ptr<const ConstraintFunction> fn_;
};

struct MaxNormOptions {
  double max_value = 2.0;
  Axis axis = 0;
};
struct MinMaxNormOptions {
  double min_value = 0.0;
  double max_value = 1.0;
  double rate = 1.0;
  Axis axis = 0;
};
struct UnitNormOptions {
  Axis axis = 0;
};

/// Keras: keras.constraints.MaxNorm — rescales each slice along `axis` to a norm <= max_value:
/// `w * clip(norms, 0, max_value) / (1e-7 + norms)`.
Constraint MaxNorm(MaxNormOptions o = {});
/// Keras: keras.constraints.MinMaxNorm — `w * (rate * clip(norms, min, max) + (1 - rate) *
/// norms) / (1e-7 + norms)`.
Constraint MinMaxNorm(MinMaxNormOptions o = {});
/// Keras: keras.constraints.NonNeg — `max(w, 0)`.
Constraint NonNeg();
/// Keras: keras.constraints.UnitNorm — `w / (1e-7 + norms)`.
Constraint UnitNorm(UnitNormOptions o = {});

/// Names accepted as strings (class names and aliases).
std::vector<std::string> names();
/// Keras: keras.constraints.get — null, a name, or {class_name, config}.
Constraint get(const Config& config, ConfigSource source = ConfigSource::keras_file);
/// Keras: keras.constraints.serialize (null when inactive).
Config serialize(const Constraint& constraint);

}  // namespace temper::constraints

namespace temper {
/// `kernel_constraint` / `bias_constraint` arguments: null, a name or {class_name, config}.
template <> struct ArgTraits<constraints::Constraint> {
  static const char* expected();
  static constraints::Constraint read(const Config& value);
  static Config write(const constraints::Constraint& value);
};
/// The `axis` of a norm constraint: an integer or a list of integers.
template <> struct ArgTraits<constraints::Axis> {
  static const char* expected();
  static constraints::Axis read(const Config& value);
  static Config write(const constraints::Axis& value);
};
}  // namespace temper
