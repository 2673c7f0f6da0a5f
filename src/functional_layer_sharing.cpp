// How a layer value becomes a shared node of a functional graph.
#include "temper/error.hpp"
#include "temper/layer.hpp"
#include "temper/layers.hpp"

namespace temper {

std::shared_ptr<Layer> Layer::move_into_shared() {
  if (built())
    throw StateError(describe() + " is already built; a built layer cannot be moved into a "
                     "graph by value. Create it with temper::make_layer<...>(...) and call that.");
  // A temporary carries nothing its config does not (weights are created in build), so the
  // registry can recreate it exactly.
  LayerPtr p;
  try {
    p = layers::deserialize(layers::serialize(*this));
  } catch (const UnknownNameError&) {
    throw StateError(describe() + " is not registered, so a temporary of it cannot be moved "
                     "into a graph. Create it with temper::make_layer<" + class_name() +
                     ">(...), register it with layers::register_layer, or override "
                     "move_into_shared().");
  }
  p->set_generator(rng_);
  return p;
}

}  // namespace temper
