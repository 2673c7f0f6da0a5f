// Registers the normalization and noise layers by Keras class name.
#include "layers/registry_detail.hpp"
#include "temper/layers.hpp"

namespace temper::layers::detail {

void add_normalization_layers(LayerFactories& f) {
  f["BatchNormalization"] = BatchNormalization::from_config;
  f["LayerNormalization"] = LayerNormalization::from_config;
  f["GroupNormalization"] = GroupNormalization::from_config;
  f["SpatialDropout1D"] = SpatialDropout1D::from_config;
  f["SpatialDropout2D"] = SpatialDropout2D::from_config;
  f["SpatialDropout3D"] = SpatialDropout3D::from_config;
  f["GaussianNoise"] = GaussianNoise::from_config;
  f["GaussianDropout"] = GaussianDropout::from_config;
}

}  // namespace temper::layers::detail
