#include "temper/arguments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "temper/names.hpp"

namespace temper {

// ---- errors ---------------------------------------------------------------------------------

namespace {
std::string argument_message(const std::string& owner, const std::string& path, const std::string& detail) {
  return owner + " argument '" + path + "': " + detail;
}
}  // namespace

ArgumentError::ArgumentError(std::string owner, std::string path, std::string detail, bool unknown_key)
    : ConfigError(argument_message(owner, path, detail)),
      owner_(std::move(owner)),
      path_(std::move(path)),
      detail_(std::move(detail)),
      unknown_key_(unknown_key) {}

ArgumentError ArgumentError::nested_in(const std::string& owner, const std::string& prefix) const {
  return ArgumentError(owner, prefix + "." + path_, detail_, unknown_key_);
}

namespace {
// "[i]" built by appending (GCC 12's -Wrestrict misfires on chained operator+ at -O3).
std::string index_path(std::size_t i) {
  std::string s = "[";
  s += std::to_string(i);
  s += ']';
  return s;
}
}  // namespace

std::string describe_json(const Config& v) {
  auto clip = [](std::string s) { return s.size() > 80 ? s.substr(0, 77) + "..." : s; };
  switch (v.type()) {
    case Config::value_t::null: return "nothing (null)";
    case Config::value_t::boolean: return std::string("a boolean ") + (v.get<bool>() ? "true" : "false");
    case Config::value_t::number_integer:
    case Config::value_t::number_unsigned: return "an integer " + v.dump();
    case Config::value_t::number_float: return "a number " + v.dump();
    case Config::value_t::string: {
      std::string s = "a string '";
      s += clip(v.get<std::string>());
      s += '\'';
      return s;
    }
    case Config::value_t::array: return "a list " + clip(v.dump());
    case Config::value_t::object: return "a mapping " + clip(v.dump());
    default: return "a value " + clip(v.dump());
  }
}

namespace {
[[noreturn]] void mismatch(const char* expected, const Config& found, std::string subpath = {}) {
  throw ArgValueError{std::string("expected ") + expected + ", found " + describe_json(found), std::move(subpath)};
}

// A JSON integer, or a float with an integral value (8.0): Python's int(8.0) in Keras.
bool integral(const Config& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e18;
}

std::int64_t as_int64(const Config& v) {
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(
                                                              std::numeric_limits<std::int64_t>::max()))
    mismatch("an integer", v);
  return v.is_number_float() ? static_cast<std::int64_t>(v.get<double>()) : v.get<std::int64_t>();
}
}  // namespace

// ---- ArgTraits ------------------------------------------------------------------------------

const char* ArgTraits<bool>::expected() { return "a boolean (true or false)"; }
bool ArgTraits<bool>::read(const Config& v) {
  if (!v.is_boolean()) mismatch(expected(), v);
  return v.get<bool>();
}
Config ArgTraits<bool>::write(const bool& v) { return v; }

const char* ArgTraits<char>::expected() { return "a single character"; }
char ArgTraits<char>::read(const Config& v) {
  if (!v.is_string() || v.get<std::string>().size() != 1) mismatch(expected(), v);
  return v.get<std::string>()[0];
}
Config ArgTraits<char>::write(const char& v) { return std::string(1, v); }

const char* ArgTraits<std::int64_t>::expected() { return "an integer"; }
std::int64_t ArgTraits<std::int64_t>::read(const Config& v) {
  if (!integral(v)) mismatch(expected(), v);
  return as_int64(v);
}
Config ArgTraits<std::int64_t>::write(const std::int64_t& v) { return v; }

int ArgTraits<int>::read(const Config& v) {
  if (!integral(v)) mismatch(expected(), v);
  const std::int64_t i = as_int64(v);
  if (i < std::numeric_limits<int>::min() || i > std::numeric_limits<int>::max())
    mismatch("an integer in int range", v);
  return static_cast<int>(i);
}

const char* ArgTraits<double>::expected() { return "a number"; }
double ArgTraits<double>::read(const Config& v) {
  if (!v.is_number()) mismatch(expected(), v);
  return v.get<double>();
}
Config ArgTraits<double>::write(const double& v) { return v; }

const char* ArgTraits<std::string>::expected() { return "a string"; }
std::string ArgTraits<std::string>::read(const Config& v) {
  if (!v.is_string()) mismatch(expected(), v);
  return v.get<std::string>();
}
Config ArgTraits<std::string>::write(const std::string& v) { return v; }

const char* ArgTraits<std::vector<std::int64_t>>::expected() { return "a list of integers"; }
std::vector<std::int64_t> ArgTraits<std::vector<std::int64_t>>::read(const Config& v) {
  if (!v.is_array()) mismatch(expected(), v);
  std::vector<std::int64_t> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!integral(v[i])) mismatch("an integer", v[i], index_path(i));
    out.push_back(as_int64(v[i]));
  }
  return out;
}
Config ArgTraits<std::vector<std::int64_t>>::write(const std::vector<std::int64_t>& v) { return v; }

const char* ArgTraits<std::vector<double>>::expected() { return "a list of numbers"; }
std::vector<double> ArgTraits<std::vector<double>>::read(const Config& v) {
  if (!v.is_array()) mismatch(expected(), v);
  std::vector<double> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) mismatch("a number", v[i], index_path(i));
    out.push_back(v[i].get<double>());
  }
  return out;
}
Config ArgTraits<std::vector<double>>::write(const std::vector<double>& v) { return v; }

const char* ArgTraits<std::vector<std::string>>::expected() { return "a list of strings"; }
std::vector<std::string> ArgTraits<std::vector<std::string>>::read(const Config& v) {
  if (!v.is_array()) mismatch(expected(), v);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) mismatch("a string", v[i], index_path(i));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}
Config ArgTraits<std::vector<std::string>>::write(const std::vector<std::string>& v) { return v; }

const char* ArgTraits<activations::Activation>::expected() { return "an activation name such as \"relu\""; }
activations::Activation ArgTraits<activations::Activation>::read(const Config& v) {
  if (!v.is_null() && !v.is_string() && !v.is_object()) mismatch(expected(), v);
  return activations::get(v);
}
Config ArgTraits<activations::Activation>::write(const activations::Activation& v) { return v.get_config(); }

const char* ArgTraits<initializers::Initializer>::expected() {
  return "an initializer name or {class_name, config}";
}
initializers::Initializer ArgTraits<initializers::Initializer>::read(const Config& v) {
  if (!v.is_string() && !v.is_object()) mismatch(expected(), v);
  return initializers::get(v);
}
Config ArgTraits<initializers::Initializer>::write(const initializers::Initializer& v) { return v.get_config(); }

const char* ArgTraits<regularizers::Regularizer>::expected() {
  return "null, a regularizer name or {class_name, config}";
}
regularizers::Regularizer ArgTraits<regularizers::Regularizer>::read(const Config& v) {
  if (!v.is_null() && !v.is_string() && !v.is_object()) mismatch(expected(), v);
  return regularizers::get(v);
}
Config ArgTraits<regularizers::Regularizer>::write(const regularizers::Regularizer& v) { return v.get_config(); }

const char* ArgTraits<Config>::expected() { return "any value"; }
Config ArgTraits<Config>::read(const Config& v) { return v; }
Config ArgTraits<Config>::write(const Config& v) { return v; }

// ---- ArgReader ------------------------------------------------------------------------------

ArgReader::ArgReader(const Config& config, std::string owner, ConfigSource source)
    : config_(config), owner_(std::move(owner)), source_(source) {
  if (!config_.is_object())
    throw ConfigError(owner_ + ": the config must be a mapping of arguments, found " + describe_json(config_));
}

bool ArgReader::has(const std::string& key) {
  seen_.insert(key);
  const auto it = config_.find(key);
  if (it != config_.end()) return !it->is_null();
  for (const auto& [old_name, name] : renames_)
    if (name == key && config_.contains(old_name)) {
      seen_.insert(old_name);
      return !config_.at(old_name).is_null();
    }
  return false;
}

const Config& ArgReader::value(const std::string& key) const {
  if (const auto it = config_.find(key); it != config_.end()) return *it;
  for (const auto& [old_name, name] : renames_)
    if (name == key && config_.contains(old_name)) return config_.at(old_name);
  return config_.at(key);  // throws: callers check has() first
}

void ArgReader::fail(const std::string& key, const std::string& detail) const {
  throw ArgumentError(owner_, key, detail);
}

void ArgReader::finish(const std::vector<std::string>& known) const {
  std::vector<std::string> accepted = known;
  if (accepted.empty()) accepted.assign(seen_.begin(), seen_.end());
  for (auto it = config_.begin(); it != config_.end(); ++it) {
    if (seen_.count(it.key())) continue;
    bool listed = false;
    for (const auto& k : accepted) listed = listed || k == it.key();
    if (listed) continue;
    std::string d = "unknown argument '" + it.key() + "' of " + owner_ + ".";
    const auto close = closest_names(it.key(), accepted, 1);
    if (!close.empty()) d += " Did you mean '" + close.front() + "'?";
    d += " Known arguments: ";
    for (std::size_t i = 0; i < accepted.size(); ++i) d += (i ? ", " : "") + accepted[i];
    throw ArgumentError(owner_, it.key(), d, true);
  }
}

void ArgReader::reject_misspelled_required(const std::vector<std::string>& required,
                                           const std::vector<std::string>& known) const {
  for (const auto& name : required) {
    const auto it = config_.find(name);
    if (it != config_.end() && !it->is_null()) continue;
    for (auto k = config_.begin(); k != config_.end(); ++k) {
      if (std::find(known.begin(), known.end(), k.key()) != known.end()) continue;
      if (closest_names(k.key(), {name}, 1).empty()) continue;
      throw ArgumentError(owner_, k.key(),
                          "unknown argument '" + k.key() + "' of " + owner_ + ". Did you mean '" + name +
                              "'? ('" + name + "' is required)",
                          true);
    }
  }
}

// ---- checks ---------------------------------------------------------------------------------

Check<std::int64_t> positive() {
  return {"a positive integer", [](const std::int64_t& v) { return v > 0; }};
}
Check<std::int64_t> non_negative() {
  return {"an integer >= 0", [](const std::int64_t& v) { return v >= 0; }};
}
Check<double> positive_number() {
  return {"a number > 0", [](const double& v) { return v > 0; }};
}
Check<double> non_negative_number() {
  return {"a number >= 0", [](const double& v) { return v >= 0; }};
}
Check<double> in_range(double lo, double hi, bool closed) {
  auto fmt = [](double x) { return Config(x).dump(); };
  return {"a number in [" + fmt(lo) + ", " + fmt(hi) + (closed ? "]" : ")"),
          [lo, hi, closed](const double& v) { return v >= lo && (closed ? v <= hi : v < hi); }};
}
Check<std::string> one_of(std::vector<std::string> values) {
  std::string e = "one of ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    e += i ? ", '" : "'";
    e += values[i];
    e += '\'';
  }
  return {e, [values](const std::string& v) {
            for (const auto& x : values)
              if (x == v) return true;
            return false;
          }};
}
Check<std::vector<std::int64_t>> all_positive() {
  return {"a list of positive integers", [](const std::vector<std::int64_t>& v) {
            for (auto x : v)
              if (x <= 0) return false;
            return true;
          }};
}

}  // namespace temper
