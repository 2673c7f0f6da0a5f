// conv_common.hpp — argument types, checks and shape helpers shared by the convolution,
// pooling, padding and upsampling layers (internal to layers/).
#pragma once
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/layers/sizes.hpp"
#include "temper/layers/zero_padding.hpp"
#include "temper/shape.hpp"

namespace temper::layers::conv_detail {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// "(3, 3)", "(3,)": a window size as Keras prints its tuples.
template <std::size_t N> std::string tuple_text(const std::array<std::int64_t, N>& a) {
  std::string out = "(";
  for (std::size_t i = 0; i < N; ++i) {
    if (i) out += ", ";
    out += std::to_string(a[i]);
  }
  out += N == 1 ? ",)" : ")";
  return out;
}

/// Reads a Keras int-or-tuple of N integers: `3`, `[3]` or `[a, b, ...]` (N of them).
template <std::size_t N> std::array<std::int64_t, N> read_axes(const Config& v, const char* expected) {
  auto bad = [&]() -> ArgValueError { return {std::string("expected ") + expected + ", found " + describe_json(v)}; };
  auto one = [&](const Config& e) {
    try {
      return ArgTraits<std::int64_t>::read(e);
    } catch (const ArgValueError&) {
      throw bad();
    }
  };
  std::array<std::int64_t, N> out{};
  if (v.is_number()) {
    out.fill(one(v));
  } else if (v.is_array() && (v.size() == N || v.size() == 1)) {
    for (std::size_t i = 0; i < N; ++i) out[i] = one(v[v.size() == 1 ? 0 : i]);
  } else {
    throw bad();
  }
  return out;
}

template <std::size_t N> Config axes_json(const std::array<std::int64_t, N>& a) {
  Config c = Config::array();
  for (auto x : a) c.push_back(x);
  return c;
}

/// Each window size is positive ("strides must be positive integers, got [0, 2]").
template <class S> Check<S> positive_sizes() {
  return {"positive integers", [](const S& s) {
            for (auto v : axes_of(s))
              if (v < 1) return false;
            return true;
          }};
}
template <class S> Check<std::optional<S>> positive_sizes_or_null() {
  return {"positive integers or null", [](const std::optional<S>& s) { return !s || positive_sizes<S>().ok(*s); }};
}

/// Keras padding names, in any case (Keras lower-cases them).
inline Check<std::string> padding_names(bool allow_causal) {
  return {allow_causal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"",
          [allow_causal](const std::string& p0) {
            const std::string p = lower(p0);
            return p == "valid" || p == "same" || (allow_causal && p == "causal");
          }};
}

/// Temper is channels_last throughout.
inline Check<std::string> channels_last() {
  return {"\"channels_last\" (Temper is NHWC throughout)", [](const std::string& s) { return s == "channels_last"; }};
}

/// What a constructor runs before the table's checks: Keras's other layout is refused by
/// name as a ConfigError.
inline void check_data_format(const std::string& df, const std::string& who) {
  if (df == "channels_last") return;
  throw ConfigError(who + ": data_format must be \"channels_last\" (Temper is NHWC throughout), got \"" + df + "\"");
}

/// `options` after check_data_format, for a constructor's base initializer:
/// `LayerClass(layout_checked(std::move(o), keras_class))` (the table's checks run after it).
template <class O> O layout_checked(O options, const std::string& who) {
  check_data_format(options.data_format, who);
  return options;
}

/// Keras: "`strides > 1` not supported in conjunction with `dilation_rate > 1`".
template <class S> void check_strides_dilation(const S& s, const S& d, const std::string& who) {
  const auto sa = axes_of(s), da = axes_of(d);
  if (*std::max_element(sa.begin(), sa.end()) > 1 && *std::max_element(da.begin(), da.end()) > 1)
    throw ValueError(who + ": strides " + tuple_text(sa) + " > 1 cannot be combined with dilation_rate " +
                     tuple_text(da) + " > 1 (as in Keras); use one or the other");
}

/// Rank check (Keras InputSpec ndim): "<who> expects inputs of rank 4 (batch, height, ...)".
void check_rank(const Shape& s, std::size_t rank, const std::string& who);
/// The channel axis must match the one the layer was built for.
void check_channels(const Shape& s, const std::optional<Shape>& built, const std::string& who);
/// Building needs a known channel axis.
void require_channels(const Shape& s, const std::string& who);
/// (batch, out..., channels) of a window over the spatial axes of `in`; a ShapeError names
/// the layer, the input shape and the empty output shape when the input is too small.
template <std::size_t N>
Shape window_output(const Shape& in, const std::array<std::int64_t, N>& k, const std::array<std::int64_t, N>& st,
                    const std::array<std::int64_t, N>& d, const std::string& padding, std::int64_t channels,
                    const std::string& who, const char* window = "a window of");
extern template Shape window_output<1>(const Shape&, const std::array<std::int64_t, 1>&,
                                       const std::array<std::int64_t, 1>&, const std::array<std::int64_t, 1>&,
                                       const std::string&, std::int64_t, const std::string&, const char*);
extern template Shape window_output<2>(const Shape&, const std::array<std::int64_t, 2>&,
                                       const std::array<std::int64_t, 2>&, const std::array<std::int64_t, 2>&,
                                       const std::string&, std::int64_t, const std::string&, const char*);
extern template Shape window_output<3>(const Shape&, const std::array<std::int64_t, 3>&,
                                       const std::array<std::int64_t, 3>&, const std::array<std::int64_t, 3>&,
                                       const std::string&, std::int64_t, const std::string&, const char*);

}  // namespace temper::layers::conv_detail

namespace temper {

template <> struct ArgTraits<layers::Size1> {
  static const char* expected() { return "an integer or a list of 1 integer"; }
  static layers::Size1 read(const Config& v) { return layers::conv_detail::read_axes<1>(v, expected())[0]; }
  static Config write(const layers::Size1& s) { return Config::array({s.value}); }
};
template <> struct ArgTraits<ops::Size2> {
  static const char* expected() { return "an integer or a list of 2 integers"; }
  static ops::Size2 read(const Config& v) {
    const auto a = layers::conv_detail::read_axes<2>(v, expected());
    return {a[0], a[1]};
  }
  static Config write(const ops::Size2& s) { return Config::array({s.h, s.w}); }
};
template <> struct ArgTraits<layers::Size3> {
  static const char* expected() { return "an integer or a list of 3 integers"; }
  static layers::Size3 read(const Config& v) {
    const auto a = layers::conv_detail::read_axes<3>(v, expected());
    return {a[0], a[1], a[2]};
  }
  static Config write(const layers::Size3& s) { return Config::array({s.d, s.h, s.w}); }
};
/// Keras's ZeroPadding2D / Cropping2D amounts: an int, (sym_h, sym_w) or ((top, bottom), (left, right)).
template <> struct ArgTraits<layers::Pad2> {
  static const char* expected() { return "an integer, a list of 2 integers or a list of 2 pairs of integers"; }
  static layers::Pad2 read(const Config& v) {
    if (v.is_array() && v.size() == 2 && v[0].is_array() && v[1].is_array()) {
      const auto tb = layers::conv_detail::read_axes<2>(v[0], expected());
      const auto lr = layers::conv_detail::read_axes<2>(v[1], expected());
      if (v[0].size() != 2 || v[1].size() != 2)
        throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
      return layers::Pad2(ops::Size2(tb[0], tb[1]), ops::Size2(lr[0], lr[1]));
    }
    if (v.is_array() && v.size() == 1)
      throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
    const auto a = layers::conv_detail::read_axes<2>(v, expected());
    return layers::Pad2(a[0], a[1]);
  }
  static Config write(const layers::Pad2& p) {
    return Config::array({Config::array({p.top, p.bottom}), Config::array({p.left, p.right})});
  }
};

}  // namespace temper
