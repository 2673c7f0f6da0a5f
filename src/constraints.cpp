#include "temper/constraints.hpp"

#include <algorithm>
#include <limits>

#include "temper/autograd.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"
#include "temper/registry.hpp"

namespace temper::constraints {

ConstraintFunction::~ConstraintFunction() = default;

Registry<ConstraintFunction>& registry() {
  static Registry<ConstraintFunction> r("constraint");
  return r;
}

namespace {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon()

// Registers class C (Options + arguments() + constructor from Options) under `names`.
template <class C> struct Registration {
  explicit Registration(std::vector<std::string> names) {
    Registry<ConstraintFunction>::Entry e;
    e.name = names.front();
    e.aliases.assign(names.begin() + 1, names.end());
    e.arguments = C::arguments().names();
    e.make = [](ArgReader& r) -> std::shared_ptr<ConstraintFunction> {
      return std::make_shared<C>(C::arguments().read_all(r));
    };
    registry().add(std::move(e));
  }
};

std::vector<int> resolve_axes(const Axis& axis, const Tensor& w, const std::string& who) {
  const auto rank = static_cast<std::int64_t>(w.shape().size());
  std::vector<int> out;
  for (std::int64_t a : axis.axes) {
    const std::int64_t r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank)
      throw ShapeError(who + ": axis " + std::to_string(a) + " is out of range for a weight of shape " +
                       shape_to_string(w.shape()));
    out.push_back(static_cast<int>(r));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Tensor norms_of(const Tensor& w, const Axis& axis, const std::string& who) {
  return ops::sqrt(ops::sum(ops::square(w), resolve_axes(axis, w, who), true));
}

// ---- MaxNorm ----------------------------------------------------------------------------------

class MaxNormConstraint final : public ConstraintFunction {
 public:
  using Options = MaxNormOptions;
  explicit MaxNormConstraint(Options o) : o_(std::move(o)) { arguments().validate(o_); }
  static const Arguments<Options>& arguments() {
    static const auto a = Arguments<Options>("MaxNorm")
                              .add("max_value", &Options::max_value, non_negative_number())
                              .add("axis", &Options::axis);
    return a;
  }
  Tensor operator()(const Tensor& w) const override {
    const Tensor norms = norms_of(w, o_.axis, "MaxNorm");
    const Tensor desired = ops::clip(norms, 0.0, o_.max_value);
    return ops::multiply(w, ops::divide(desired, ops::add(norms, kEpsilon)));
  }
  std::string class_name() const override { return "MaxNorm"; }
  Config get_config() const override { return arguments().write(o_); }

 private:
  Options o_;
};
const Registration<MaxNormConstraint> max_norm_registered{{"MaxNorm", "max_norm", "maxnorm"}};

// ---- MinMaxNorm -------------------------------------------------------------------------------

class MinMaxNormConstraint final : public ConstraintFunction {
 public:
  using Options = MinMaxNormOptions;
  explicit MinMaxNormConstraint(Options o) : o_(std::move(o)) {
    arguments().validate(o_);
    if (o_.min_value > o_.max_value)
      throw ValueError("MinMaxNorm: min_value must be <= max_value, got min_value=" +
                       Config(o_.min_value).dump() + ", max_value=" + Config(o_.max_value).dump());
  }
  static const Arguments<Options>& arguments() {
    static const auto a = Arguments<Options>("MinMaxNorm")
                              .add("min_value", &Options::min_value, non_negative_number())
                              .add("max_value", &Options::max_value, non_negative_number())
                              .add("rate", &Options::rate, in_range(0.0, 1.0, true))
                              .add("axis", &Options::axis);
    return a;
  }
  Tensor operator()(const Tensor& w) const override {
    const Tensor norms = norms_of(w, o_.axis, "MinMaxNorm");
    const Tensor desired = ops::add(ops::multiply(ops::clip(norms, o_.min_value, o_.max_value), o_.rate),
                                    ops::multiply(norms, 1.0 - o_.rate));
    return ops::multiply(w, ops::divide(desired, ops::add(norms, kEpsilon)));
  }
  std::string class_name() const override { return "MinMaxNorm"; }
  Config get_config() const override { return arguments().write(o_); }

 private:
  Options o_;
};
const Registration<MinMaxNormConstraint> min_max_norm_registered{{"MinMaxNorm", "min_max_norm"}};

// ---- NonNeg -----------------------------------------------------------------------------------

struct NoOptions {};

class NonNegConstraint final : public ConstraintFunction {
 public:
  using Options = NoOptions;
  explicit NonNegConstraint(Options = {}) {}
  static const Arguments<Options>& arguments() {
    static const auto a = Arguments<Options>("NonNeg");
    return a;
  }
  Tensor operator()(const Tensor& w) const override {
    return ops::clip(w, 0.0, std::numeric_limits<double>::infinity());
  }
  std::string class_name() const override { return "NonNeg"; }
  Config get_config() const override { return Config::object(); }
};
const Registration<NonNegConstraint> non_neg_registered{{"NonNeg", "non_neg", "nonneg"}};

// ---- UnitNorm ---------------------------------------------------------------------------------

class UnitNormConstraint final : public ConstraintFunction {
 public:
  using Options = UnitNormOptions;
  explicit UnitNormConstraint(Options o) : o_(std::move(o)) {}
  static const Arguments<Options>& arguments() {
    static const auto a = Arguments<Options>("UnitNorm").add("axis", &Options::axis);
    return a;
  }
  Tensor operator()(const Tensor& w) const override {
    return ops::divide(w, ops::add(norms_of(w, o_.axis, "UnitNorm"), kEpsilon));
  }
  std::string class_name() const override { return "UnitNorm"; }
  Config get_config() const override { return arguments().write(o_); }

 private:
  Options o_;
};
const Registration<UnitNormConstraint> unit_norm_registered{{"UnitNorm", "unit_norm", "unitnorm"}};

}  // namespace

// ---- the value type ---------------------------------------------------------------------------

Constraint::Constraint(const char* name) : Constraint(std::string(name)) {}

Constraint::Constraint(const std::string& name) {
  if (name.empty() || name == "None") return;
  if (!registry().contains(name))
    throw UnknownNameError(unknown_name_message("constraint", name, registry().names(true)));
  fn_ = registry().create(name, Config::object());
}

std::string Constraint::class_name() const { return fn_ ? fn_->class_name() : std::string(); }

Tensor Constraint::operator()(const Tensor& w) const { return fn_ ? (*fn_)(w) : w; }

void Constraint::apply(Tensor& w) const {
  if (!fn_) return;
  NoGradGuard no_grad;
  w.assign((*fn_)(w));
}

Config Constraint::get_config() const {
  if (!fn_) return nullptr;
  return {{"module", "keras.constraints"},
          {"class_name", fn_->class_name()},
          {"config", fn_->get_config()},
          {"registered_name", nullptr}};
}

Constraint MaxNorm(MaxNormOptions o) { return Constraint(std::make_shared<MaxNormConstraint>(std::move(o))); }
Constraint MinMaxNorm(MinMaxNormOptions o) {
  return Constraint(std::make_shared<MinMaxNormConstraint>(std::move(o)));
}
Constraint NonNeg() { return Constraint(std::make_shared<NonNegConstraint>()); }
Constraint UnitNorm(UnitNormOptions o) { return Constraint(std::make_shared<UnitNormConstraint>(std::move(o))); }

std::vector<std::string> names() { return registry().names(true); }

Constraint get(const Config& c, ConfigSource source) {
  if (c.is_null()) return {};
  if (c.is_string()) return Constraint(c.get<std::string>());
  if (!c.is_object() || !c.contains("class_name") || !c.at("class_name").is_string())
    throw ConfigError("a constraint must be null, a name or {class_name, config}, got " + describe_json(c));
  for (auto it = c.begin(); it != c.end(); ++it)
    if (it.key() != "class_name" && it.key() != "config" && it.key() != "module" && it.key() != "registered_name")
      throw ConfigError("serialized constraint: unknown key '" + it.key() +
                        "' (expected class_name, config, module, registered_name)");
  const Config empty = Config::object();
  const Config& cfg = c.contains("config") ? c.at("config") : empty;
  return Constraint(registry().create(c.at("class_name").get<std::string>(), cfg, source));
}

Config serialize(const Constraint& constraint) { return constraint.get_config(); }

}  // namespace temper::constraints

namespace temper {

const char* ArgTraits<constraints::Constraint>::expected() {
  return "null, a constraint name or {class_name, config}";
}
constraints::Constraint ArgTraits<constraints::Constraint>::read(const Config& v) {
  if (!v.is_null() && !v.is_string() && !v.is_object())
    throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  try {
    return constraints::get(v);
  } catch (const ArgumentError& e) {
    throw e.nested_in(e.owner(), "config");  // "kernel_constraint.config.<key>"
  }
}
Config ArgTraits<constraints::Constraint>::write(const constraints::Constraint& v) { return v.get_config(); }

const char* ArgTraits<constraints::Axis>::expected() { return "an integer or a list of integers"; }
constraints::Axis ArgTraits<constraints::Axis>::read(const Config& v) {
  if (v.is_array()) return constraints::Axis(ArgTraits<std::vector<std::int64_t>>::read(v));
  if (v.is_number()) return constraints::Axis(ArgTraits<std::int64_t>::read(v));
  throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
}
Config ArgTraits<constraints::Axis>::write(const constraints::Axis& v) {
  if (!v.is_list && v.axes.size() == 1) return v.axes.front();
  return v.axes;
}

}  // namespace temper
