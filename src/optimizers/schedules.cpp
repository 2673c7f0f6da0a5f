#include "temper/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <charconv>

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/registry.hpp"

namespace temper::schedules {

namespace {

/// Shortest text that reads back as the same double ("0.001", "1e-07").
std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// Step counts are Python ints in Keras configs: write integral values as integers.
void integral_steps(Config& c, const char* key) {
  const double v = c.at(key).get<double>();
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15)
    c[key] = static_cast<std::int64_t>(v);
}

/// Registers schedule class S (Options, arguments(), constructor from Options) under `names`.
template <class S> struct Registration {
  explicit Registration(std::vector<std::string> names) {
    Registry<LearningRateSchedule>::Entry e;
    e.name = names.front();
    e.aliases.assign(names.begin() + 1, names.end());
    e.arguments = S::arguments().names();
    e.make = [](ArgReader& r) -> SchedulePtr { return std::make_shared<S>(S::arguments().read(r)); };
    registry().add(std::move(e));
  }
};

void require_finite(const std::string& cls, const char* arg, double v) {
  if (!std::isfinite(v))
    throw ValueError(cls + ": argument `" + arg + "` must be a finite number. Received: " + arg +
                     "=" + fmt(v));
}

// Keras's own check, with its wording.
void require_positive_steps(const std::string& cls, const char* arg, double v) {
  if (!(v > 0) || !std::isfinite(v))
    throw ValueError(cls + ": argument `" + arg + "` must be > 0. Received: " + arg + "=" +
                     fmt(v));
}

std::string list_text(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt(v[i]);
  return s + "]";
}

std::string list_text(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string name_or(const std::string& name, const char* fallback) {
  return name.empty() ? std::string(fallback) : name;
}

}  // namespace

LearningRateSchedule::~LearningRateSchedule() = default;

// ---- ExponentialDecay ---------------------------------------------------------------------

ExponentialDecay::ExponentialDecay(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "ExponentialDecay");
  require_finite("ExponentialDecay", "initial_learning_rate", o_.initial_learning_rate);
  require_positive_steps("ExponentialDecay", "decay_steps", o_.decay_steps);
  require_finite("ExponentialDecay", "decay_rate", o_.decay_rate);
}

ExponentialDecay::ExponentialDecay(double initial_learning_rate, double decay_steps,
                                   double decay_rate, bool staircase)
    : ExponentialDecay(Options{initial_learning_rate, decay_steps, decay_rate, staircase,
                               "ExponentialDecay"}) {}

double ExponentialDecay::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / o_.decay_steps;
  if (o_.staircase) p = std::floor(p);
  return o_.initial_learning_rate * std::pow(o_.decay_rate, p);
}

const Arguments<ExponentialDecay::Options>& ExponentialDecay::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("ExponentialDecay")
      .required("initial_learning_rate", &O::initial_learning_rate)
      .required("decay_steps", &O::decay_steps)
      .required("decay_rate", &O::decay_rate)
      .add("staircase", &O::staircase)
      .add("name", &O::name);
  return args;
}

Config ExponentialDecay::get_config() const {
  Config c = arguments().write(o_);
  integral_steps(c, "decay_steps");
  return c;
}

namespace {
const Registration<ExponentialDecay> exponentialdecay_registered{{"ExponentialDecay"}};
}  // namespace

// ---- PiecewiseConstantDecay ---------------------------------------------------------------

PiecewiseConstantDecay::PiecewiseConstantDecay(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "PiecewiseConstant");
  if (o_.values.empty() || o_.boundaries.size() != o_.values.size() - 1)
    throw ValueError(
        "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of "
        "values. Received: boundaries=" + list_text(o_.boundaries) + " of length " +
        std::to_string(o_.boundaries.size()) + ", and values=" + list_text(o_.values) +
        " of length " + std::to_string(o_.values.size()) + ".");
  for (std::size_t i = 1; i < o_.boundaries.size(); ++i)
    if (o_.boundaries[i] <= o_.boundaries[i - 1])
      throw ValueError("PiecewiseConstantDecay: `boundaries` must be strictly increasing, but "
                       "boundaries[" + std::to_string(i) + "]=" +
                       std::to_string(o_.boundaries[i]) + " follows boundaries[" +
                       std::to_string(i - 1) + "]=" + std::to_string(o_.boundaries[i - 1]) +
                       ". Received: boundaries=" + list_text(o_.boundaries));
  for (std::size_t i = 0; i < o_.values.size(); ++i)
    if (!std::isfinite(o_.values[i]))
      throw ValueError("PiecewiseConstantDecay: values[" + std::to_string(i) +
                       "] must be a finite number. Received: values=" + list_text(o_.values));
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<std::int64_t> boundaries,
                                               std::vector<double> values)
    : PiecewiseConstantDecay(Options{std::move(boundaries), std::move(values),
                                     "PiecewiseConstant"}) {}

double PiecewiseConstantDecay::operator()(std::int64_t step) const {
  // values[i] for boundaries[i-1] < step <= boundaries[i]: the first boundary >= step.
  const auto it = std::lower_bound(o_.boundaries.begin(), o_.boundaries.end(), step);
  return o_.values[static_cast<std::size_t>(it - o_.boundaries.begin())];
}

const Arguments<PiecewiseConstantDecay::Options>& PiecewiseConstantDecay::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("PiecewiseConstantDecay")
      .required("boundaries", &O::boundaries)
      .required("values", &O::values)
      .add("name", &O::name);
  return args;
}

Config PiecewiseConstantDecay::get_config() const {
  Config c = arguments().write(o_);
  return c;
}

namespace {
const Registration<PiecewiseConstantDecay> piecewiseconstantdecay_registered{{"PiecewiseConstantDecay"}};
}  // namespace

// ---- CosineDecay --------------------------------------------------------------------------

CosineDecay::CosineDecay(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "CosineDecay");
  require_finite("CosineDecay", "initial_learning_rate", o_.initial_learning_rate);
  require_positive_steps("CosineDecay", "decay_steps", o_.decay_steps);
  require_finite("CosineDecay", "alpha", o_.alpha);
  if (o_.warmup_target) require_finite("CosineDecay", "warmup_target", *o_.warmup_target);
  if (!(o_.warmup_steps >= 0) || !std::isfinite(o_.warmup_steps))
    throw ValueError("CosineDecay: argument `warmup_steps` must be >= 0. Received: "
                     "warmup_steps=" + fmt(o_.warmup_steps));
}

CosineDecay::CosineDecay(double initial_learning_rate, double decay_steps, double alpha,
                         std::optional<double> warmup_target, double warmup_steps)
    : CosineDecay(Options{initial_learning_rate, decay_steps, alpha, warmup_target,
                          warmup_steps, "CosineDecay"}) {}

double CosineDecay::operator()(std::int64_t step) const {
  const auto decay = [this](double s, double from) {
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * (s / o_.decay_steps)));
    return from * ((1.0 - o_.alpha) * cosine + o_.alpha);
  };
  double s = static_cast<double>(step);
  if (!o_.warmup_target) return decay(std::min(s, o_.decay_steps), o_.initial_learning_rate);
  s = std::min(s, o_.decay_steps + o_.warmup_steps);
  if (s < o_.warmup_steps)
    return (*o_.warmup_target - o_.initial_learning_rate) * (s / o_.warmup_steps) +
           o_.initial_learning_rate;
  return decay(s - o_.warmup_steps, *o_.warmup_target);
}

const Arguments<CosineDecay::Options>& CosineDecay::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("CosineDecay")
      .required("initial_learning_rate", &O::initial_learning_rate)
      .required("decay_steps", &O::decay_steps)
      .add("alpha", &O::alpha)
      .add("name", &O::name)
      .add("warmup_target", &O::warmup_target)
      .add("warmup_steps", &O::warmup_steps);
  return args;
}

Config CosineDecay::get_config() const {
  Config c = arguments().write(o_);
  integral_steps(c, "decay_steps");
  integral_steps(c, "warmup_steps");
  return c;
}

namespace {
const Registration<CosineDecay> cosinedecay_registered{{"CosineDecay"}};
}  // namespace

// ---- PolynomialDecay ----------------------------------------------------------------------

PolynomialDecay::PolynomialDecay(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "PolynomialDecay");
  require_finite("PolynomialDecay", "initial_learning_rate", o_.initial_learning_rate);
  require_positive_steps("PolynomialDecay", "decay_steps", o_.decay_steps);
  require_finite("PolynomialDecay", "end_learning_rate", o_.end_learning_rate);
  require_finite("PolynomialDecay", "power", o_.power);
}

PolynomialDecay::PolynomialDecay(double initial_learning_rate, double decay_steps,
                                 double end_learning_rate, double power, bool cycle)
    : PolynomialDecay(Options{initial_learning_rate, decay_steps, end_learning_rate, power,
                              cycle, "PolynomialDecay"}) {}

double PolynomialDecay::operator()(std::int64_t step) const {
  double s = static_cast<double>(step);
  double steps = o_.decay_steps;
  if (o_.cycle) {
    // The first multiple of decay_steps above the step (1 at step 0).
    const double multiplier = s == 0 ? 1.0 : std::ceil(s / o_.decay_steps);
    steps *= multiplier;
  } else {
    s = std::min(s, steps);
  }
  const double p = s / steps;
  return (o_.initial_learning_rate - o_.end_learning_rate) * std::pow(1.0 - p, o_.power) +
         o_.end_learning_rate;
}

const Arguments<PolynomialDecay::Options>& PolynomialDecay::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("PolynomialDecay")
      .required("initial_learning_rate", &O::initial_learning_rate)
      .required("decay_steps", &O::decay_steps)
      .add("end_learning_rate", &O::end_learning_rate)
      .add("power", &O::power)
      .add("cycle", &O::cycle)
      .add("name", &O::name);
  return args;
}

Config PolynomialDecay::get_config() const {
  Config c = arguments().write(o_);
  integral_steps(c, "decay_steps");
  return c;
}

namespace {
const Registration<PolynomialDecay> polynomialdecay_registered{{"PolynomialDecay"}};
}  // namespace

// ---- InverseTimeDecay ---------------------------------------------------------------------

InverseTimeDecay::InverseTimeDecay(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "InverseTimeDecay");
  require_finite("InverseTimeDecay", "initial_learning_rate", o_.initial_learning_rate);
  require_positive_steps("InverseTimeDecay", "decay_steps", o_.decay_steps);
  require_finite("InverseTimeDecay", "decay_rate", o_.decay_rate);
}

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, double decay_steps,
                                   double decay_rate, bool staircase)
    : InverseTimeDecay(Options{initial_learning_rate, decay_steps, decay_rate, staircase,
                               "InverseTimeDecay"}) {}

double InverseTimeDecay::operator()(std::int64_t step) const {
  double p = static_cast<double>(step) / o_.decay_steps;
  if (o_.staircase) p = std::floor(p);
  return o_.initial_learning_rate / (1.0 + o_.decay_rate * p);
}

const Arguments<InverseTimeDecay::Options>& InverseTimeDecay::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("InverseTimeDecay")
      .required("initial_learning_rate", &O::initial_learning_rate)
      .required("decay_steps", &O::decay_steps)
      .required("decay_rate", &O::decay_rate)
      .add("staircase", &O::staircase)
      .add("name", &O::name);
  return args;
}

Config InverseTimeDecay::get_config() const {
  Config c = arguments().write(o_);
  integral_steps(c, "decay_steps");
  return c;
}

namespace {
const Registration<InverseTimeDecay> inversetimedecay_registered{{"InverseTimeDecay"}};
}  // namespace

// ---- CosineDecayRestarts ------------------------------------------------------------------

CosineDecayRestarts::CosineDecayRestarts(Options options) : o_(std::move(options)) {
  o_.name = name_or(o_.name, "SGDRDecay");
  require_finite("CosineDecayRestarts", "initial_learning_rate", o_.initial_learning_rate);
  require_positive_steps("CosineDecayRestarts", "first_decay_steps", o_.first_decay_steps);
  if (!(o_.t_mul > 0) || !std::isfinite(o_.t_mul))
    throw ValueError("CosineDecayRestarts: argument `t_mul` must be > 0. Received: t_mul=" +
                     fmt(o_.t_mul));
  require_finite("CosineDecayRestarts", "m_mul", o_.m_mul);
  require_finite("CosineDecayRestarts", "alpha", o_.alpha);
}

CosineDecayRestarts::CosineDecayRestarts(double initial_learning_rate, double first_decay_steps,
                                         double t_mul, double m_mul, double alpha)
    : CosineDecayRestarts(Options{initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha,
                                  "SGDRDecay"}) {}

double CosineDecayRestarts::operator()(std::int64_t step) const {
  double fraction = static_cast<double>(step) / o_.first_decay_steps;
  double restart = 0.0;
  if (o_.t_mul == 1.0) {
    restart = std::floor(fraction);
    fraction -= restart;
  } else {
    // Periods grow geometrically: find which one the step falls in and where inside it.
    restart = std::floor(std::log(1.0 - fraction * (1.0 - o_.t_mul)) / std::log(o_.t_mul));
    const double sum_r = (1.0 - std::pow(o_.t_mul, restart)) / (1.0 - o_.t_mul);
    fraction = (fraction - sum_r) / std::pow(o_.t_mul, restart);
  }
  const double m_fac = std::pow(o_.m_mul, restart);
  const double cosine = 0.5 * m_fac * (1.0 + std::cos(std::numbers::pi * fraction));
  return o_.initial_learning_rate * ((1.0 - o_.alpha) * cosine + o_.alpha);
}

const Arguments<CosineDecayRestarts::Options>& CosineDecayRestarts::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("CosineDecayRestarts")
      .required("initial_learning_rate", &O::initial_learning_rate)
      .required("first_decay_steps", &O::first_decay_steps)
      .add("t_mul", &O::t_mul)
      .add("m_mul", &O::m_mul)
      .add("alpha", &O::alpha)
      .add("name", &O::name);
  return args;
}

Config CosineDecayRestarts::get_config() const {
  Config c = arguments().write(o_);
  integral_steps(c, "first_decay_steps");
  return c;
}

namespace {
const Registration<CosineDecayRestarts> cosinedecayrestarts_registered{{"CosineDecayRestarts"}};
}  // namespace

// ---- registry -----------------------------------------------------------------------------

Registry<LearningRateSchedule>& registry() {
  static Registry<LearningRateSchedule> r("learning rate schedule");
  return r;
}

std::vector<std::string> names() { return registry().names(); }

Config serialize(const LearningRateSchedule& schedule) {
  return {{"module", "keras.optimizers.schedules"},
          {"class_name", schedule.class_name()},
          {"config", schedule.get_config()},
          {"registered_name", nullptr}};
}

SchedulePtr from_config(const std::string& class_name, const Config& config, ConfigSource source) {
  std::string cls = class_name;
  if (cls.rfind("Custom>", 0) == 0) cls = cls.substr(7);
  return registry().create(cls, config, source);
}

SchedulePtr from_config(const std::string& class_name, const Config& config) {
  return from_config(class_name, config, ConfigSource::keras_file);
}

SchedulePtr from_config(const Config& serialized, ConfigSource source) {
  if (!serialized.is_object() || !serialized.contains("class_name") ||
      !serialized.at("class_name").is_string())
    throw ConfigError("a serialized learning rate schedule must be an object with a string "
                      "\"class_name\" and a \"config\" object, got " + describe_json(serialized));
  for (auto it = serialized.begin(); it != serialized.end(); ++it) {
    const std::string& k = it.key();
    if (k != "class_name" && k != "config" && k != "module" && k != "registered_name")
      throw ConfigError("serialized learning rate schedule: unknown key '" + k +
                        "' (expected class_name, config, module, registered_name)");
  }
  const Config empty = Config::object();
  const Config& cfg = serialized.contains("config") ? serialized.at("config") : empty;
  return from_config(serialized.at("class_name").get<std::string>(), cfg, source);
}

SchedulePtr from_config(const Config& serialized) {
  return from_config(serialized, ConfigSource::keras_file);
}

}  // namespace temper::schedules
