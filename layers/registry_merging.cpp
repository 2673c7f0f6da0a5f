// Registers the merging layers by Keras class name.
#include "layers/registry_detail.hpp"
#include "temper/layers.hpp"

namespace temper::layers::detail {

void add_merging_layers(LayerFactories& /*f*/) {}

}  // namespace temper::layers::detail
