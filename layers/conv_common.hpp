// conv_common.hpp — argument checks and config helpers shared by the convolution, pooling,
// padding and upsampling layers (internal to layers/).
#pragma once
#include <algorithm>
#include <cctype>
#include <string>

#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/ops/convolution.hpp"
#include "temper/shape.hpp"

namespace temper::layers::conv_detail {

using ops::Size2;

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline std::string size2_text(Size2 s) {
  std::string out = "(";
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += ")";
  return out;
}

/// Keras int-or-tuple arguments in configs: 3, [3], or [3, 3].
inline Size2 read_size2(const Config& c, const char* key, Size2 fallback, const std::string& who) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  const Config& v = c[key];
  if (v.is_number_integer()) return Size2(v.get<std::int64_t>());
  if (v.is_array() && v.size() == 1 && v[0].is_number_integer()) return Size2(v[0].get<std::int64_t>());
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return Size2(v[0].get<std::int64_t>(), v[1].get<std::int64_t>());
  std::string m = who;
  m += " config: '";
  m += key;
  m += "' must be an integer or a list of 2 integers, got ";
  m += v.dump();
  throw ConfigError(m);
}

/// Keras 1-D int-or-tuple arguments: 3 or [3].
inline std::int64_t read_size1(const Config& c, const char* key, std::int64_t fallback, const std::string& who) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  const Config& v = c[key];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_array() && v.size() == 1 && v[0].is_number_integer()) return v[0].get<std::int64_t>();
  std::string m = who;
  m += " config: '";
  m += key;
  m += "' must be an integer or a list of 1 integer, got ";
  m += v.dump();
  throw ConfigError(m);
}

inline Config size2_json(Size2 s) { return Config::array({s.h, s.w}); }
inline Config size1_json(std::int64_t s) { return Config::array({s}); }

/// Temper is channels_last throughout; Keras's other layout is refused by name.
inline void check_data_format(const std::string& df, const std::string& who) {
  if (df == "channels_last") return;
  std::string m = who;
  m += ": data_format must be \"channels_last\" (Temper is NHWC throughout), got \"";
  m += df;
  m += "\"";
  throw ConfigError(m);
}

inline std::string check_padding(const std::string& p0, const std::string& who, bool allow_causal) {
  const std::string p = lower(p0);
  if (p == "valid" || p == "same" || (allow_causal && p == "causal")) return p;
  std::string m = who;
  m += ": padding must be ";
  m += allow_causal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"";
  m += ", got \"";
  m += p0;
  m += "\"";
  throw ValueError(m);
}

inline void check_positive(Size2 s, const char* what, const std::string& who) {
  if (s.h >= 1 && s.w >= 1) return;
  std::string m = who;
  m += ": ";
  m += what;
  m += " must be positive integers, got ";
  m += size2_text(s);
  throw ValueError(m);
}

inline void check_positive(std::int64_t v, const char* what, const std::string& who) {
  if (v >= 1) return;
  std::string m = who;
  m += ": ";
  m += what;
  m += " must be a positive integer, got ";
  m += std::to_string(v);
  throw ValueError(m);
}

/// Keras: "`strides > 1` not supported in conjunction with `dilation_rate > 1`".
inline void check_strides_dilation(Size2 s, Size2 d, const std::string& who) {
  if (std::max(s.h, s.w) > 1 && std::max(d.h, d.w) > 1) {
    std::string m = who;
    m += ": strides ";
    m += size2_text(s);
    m += " > 1 cannot be combined with dilation_rate ";
    m += size2_text(d);
    m += " > 1 (as in Keras); use one or the other";
    throw ValueError(m);
  }
}

/// Only null constraints are supported.
inline void check_no_constraint(const Config& c, const char* key, const std::string& who) {
  if (c.contains(key) && !c[key].is_null()) {
    std::string m = who;
    m += " config: '";
    m += key;
    m += "' is ";
    m += c[key].dump();
    m += "; weight constraints are not supported (expected null)";
    throw ConfigError(m);
  }
}

}  // namespace temper::layers::conv_detail
