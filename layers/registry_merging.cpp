// Registers the merging layers by Keras class name.
#include "layers/registry_detail.hpp"
#include "temper/layers.hpp"
#include "temper/layers/lambda.hpp"

namespace temper::layers::detail {

void add_merging_layers(LayerFactories& f) {
  f["Add"] = Add::from_config;
  f["Subtract"] = Subtract::from_config;
  f["Multiply"] = Multiply::from_config;
  f["Average"] = Average::from_config;
  f["Maximum"] = Maximum::from_config;
  f["Minimum"] = Minimum::from_config;
  f["Concatenate"] = Concatenate::from_config;
  f["Dot"] = Dot::from_config;
  f["Lambda"] = Lambda::from_config;
}

}  // namespace temper::layers::detail
