// layer_arguments.hpp — argument types shared by several layer families (private to layers/).
//
// The registration of layers whose `axis` tf.keras wrote as a one-element list ([3]).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/layers.hpp"

namespace temper {

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
