// registry_detail.hpp — each family of layers adds its Keras class names to the registry
// from its own file, so that families can grow independently.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "temper/layer.hpp"

namespace temper::layers {
using LayerFactories = std::map<std::string, std::function<LayerPtr(const Config&)>>;
namespace detail {
void add_core_layers(LayerFactories& f);
void add_convolutional_layers(LayerFactories& f);    // layers/registry_convolutional.cpp
void add_normalization_layers(LayerFactories& f);    // layers/registry_normalization.cpp
void add_merging_layers(LayerFactories& f);          // layers/registry_merging.cpp
}  // namespace detail
}  // namespace temper::layers
