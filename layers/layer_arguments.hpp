// layer_arguments.hpp — argument types shared by several layer families (private to layers/).
//
// ArgTraits for the seeds of the noise layers (a non-negative integer or null) and for Keras's
// "an axis or a list of axes" arguments (LayerNormalization axis, Dot axes, Softmax axis), and
// the registration of layers whose `axis` tf.keras wrote as a one-element list ([3]).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/layers.hpp"

namespace temper {

/// A seed: a non-negative integer (Keras: `seed=None | int`; null is read by std::optional).
template <> struct ArgTraits<std::uint64_t> {
  static const char* expected() { return "a non-negative integer"; }
  static std::uint64_t read(const Config& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  }
  static Config write(const std::uint64_t& v) { return v; }
};

/// One axis or a list of axes (Keras: `axis=-1` or `axis=(1, 2)`): an integer reads as a
/// list of one; a list of one is written back as the integer, as Keras writes `axis=-1`.
template <> struct ArgTraits<std::vector<int>> {
  static const char* expected() { return "an integer or a list of integers"; }
  static std::vector<int> read(const Config& v) {
    if (!v.is_array()) return {ArgTraits<int>::read(v)};
    std::vector<int> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      try {
        out.push_back(ArgTraits<int>::read(v[i]));
      } catch (ArgValueError& e) {
        e.subpath = "[" + std::to_string(i) + "]";
        throw;
      }
    }
    return out;
  }
  static Config write(const std::vector<int>& v) { return v.size() == 1 ? Config(v[0]) : Config(v); }
};

namespace layers::detail {

/// Registers `L` like LayerRegistration, also reading tf.keras's `axis: [3]` (a list of one
/// integer, as tf.keras 2 writes BatchNormalization's axis after build) as `axis: 3`.
template <class L> void register_layer_class_with_axis_list(std::vector<std::string> names) {
  register_layer_class<L>(names);
  auto entry = registry().find(names.front());
  if (!entry) return;
  Registry<Layer>::Entry e = *entry;
  e.make = [inner = e.make, known = e.arguments](ArgReader& r) -> LayerPtr {
    const Config& c = r.config();
    const auto it = c.find("axis");
    if (it == c.end() || !it->is_array() || it->size() != 1) return inner(r);
    Config unwrapped = c;
    unwrapped["axis"] = (*it)[0];
    ArgReader reader(unwrapped, r.owner(), r.source());
    LayerPtr made = inner(reader);
    reader.finish(known);
    for (auto k = c.begin(); k != c.end(); ++k) r.accept(k.key());
    return made;
  };
  registry().add(std::move(e));
}

template <class L> struct LayerRegistrationWithAxisList {
  explicit LayerRegistrationWithAxisList(std::vector<std::string> names) {
    register_layer_class_with_axis_list<L>(std::move(names));
  }
};

}  // namespace layers::detail
}  // namespace temper
