// config_reader.hpp — strict reading of Keras config objects for optimizers and schedules.
//
// Keras builds these objects with `cls(**config)`, so an unknown key is an error there too;
// this reader turns each problem into an error that names the class, the key, the expected
// type and what was found, and suggests the closest accepted key for typos.
#pragma once
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"

namespace temper::optimizers::detail {

/// Shortest text that reads back as the same double ("0.001", "1e-07").
inline std::string fmt(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

/// A config number as JSON: integral values as integers (Keras step counts are Python ints).
inline Config number_json(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15)
    return Config(static_cast<std::int64_t>(v));
  return Config(v);
}

/// Reads keys from one config object and rejects the ones nobody asked for.
class ConfigReader {
 public:
  ConfigReader(const Config& config, std::string owner) : c_(config), owner_(std::move(owner)) {
    if (!c_.is_object())
      throw ConfigError(owner_ + ": the config must be a JSON object, got " + c_.dump());
  }

  bool has(const std::string& key) {
    seen_.insert(key);
    return c_.contains(key) && !c_.at(key).is_null();
  }
  /// The raw value, or nullptr when absent or null.
  const Config* raw(const std::string& key) {
    if (!has(key)) return nullptr;
    return &c_.at(key);
  }
  void ignore(const std::string& key) { seen_.insert(key); }

  double number(const std::string& key, double fallback) {
    const Config* v = raw(key);
    if (!v) return fallback;
    if (!v->is_number()) type_error(key, "a number", *v);
    return v->get<double>();
  }
  /// A number that must be present (non-null).
  double required_number(const std::string& key) {
    const Config* v = raw(key);
    if (!v)
      throw ConfigError(owner_ + ": the config needs the key '" + key + "' (a number)");
    if (!v->is_number()) type_error(key, "a number", *v);
    return v->get<double>();
  }
  std::optional<double> optional_number(const std::string& key) {
    const Config* v = raw(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) type_error(key, "a number or null", *v);
    return v->get<double>();
  }
  std::optional<std::int64_t> optional_integer(const std::string& key) {
    const Config* v = raw(key);
    if (!v) return std::nullopt;
    if (!v->is_number() || std::floor(v->get<double>()) != v->get<double>())
      type_error(key, "an integer or null", *v);
    return static_cast<std::int64_t>(v->get<double>());
  }
  bool boolean(const std::string& key, bool fallback) {
    const Config* v = raw(key);
    if (!v) return fallback;
    if (!v->is_boolean()) type_error(key, "true or false", *v);
    return v->get<bool>();
  }
  std::string string(const std::string& key, const std::string& fallback) {
    const Config* v = raw(key);
    if (!v) return fallback;
    if (!v->is_string()) type_error(key, "a string", *v);
    return v->get<std::string>();
  }
  std::vector<double> number_list(const std::string& key) {
    const Config* v = raw(key);
    if (!v) throw ConfigError(owner_ + ": the config needs the key '" + key + "' (a list)");
    if (!v->is_array()) type_error(key, "a list of numbers", *v);
    std::vector<double> out;
    for (const auto& x : *v) {
      if (!x.is_number()) type_error(key, "a list of numbers", *v);
      out.push_back(x.get<double>());
    }
    return out;
  }

  /// Throws ConfigError for any key that was never asked for.
  void finish() const {
    std::vector<std::string> accepted(seen_.begin(), seen_.end());
    for (auto it = c_.begin(); it != c_.end(); ++it) {
      if (seen_.count(it.key())) continue;
      std::string msg = owner_ + ": unknown config key '" + it.key() + "'.";
      auto close = closest_names(it.key(), accepted, 1);
      if (!close.empty()) msg += " Did you mean '" + close.front() + "'?";
      msg += " Accepted keys: ";
      for (std::size_t i = 0; i < accepted.size(); ++i) msg += (i ? ", " : "") + accepted[i];
      throw ConfigError(msg);
    }
  }

 private:
  [[noreturn]] void type_error(const std::string& key, const std::string& expected,
                               const Config& found) const {
    throw ConfigError(owner_ + ": config key '" + key + "' must be " + expected + ", got " +
                      found.dump());
  }

  const Config& c_;
  std::string owner_;
  std::set<std::string> seen_;
};

}  // namespace temper::optimizers::detail
