// Registers the normalization layers by Keras class name.
#include "layers/registry_detail.hpp"
#include "temper/layers.hpp"

namespace temper::layers::detail {

void add_normalization_layers(LayerFactories& /*f*/) {}

}  // namespace temper::layers::detail
