// layers.hpp — every built-in layer and the registry that creates layers by Keras class name.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/layer.hpp"
#include "temper/layers/activation.hpp"
#include "temper/layers/dense.hpp"
#include "temper/layers/dropout.hpp"
#include "temper/layers/flatten.hpp"
#include "temper/layers/input_layer.hpp"
#include "temper/layers/lambda.hpp"
#include "temper/layers/reshape.hpp"
// Families of layers, one umbrella header each.
#include "temper/layers/convolutional.hpp"
#include "temper/layers/merging.hpp"
#include "temper/layers/normalization.hpp"

namespace temper::layers {

/// Creates a layer from a Keras layer config object: {"class_name": "Dense", "config": {...}}
/// (Keras: keras.layers.deserialize). Unknown classes throw UnknownNameError with suggestions.
LayerPtr deserialize(const Config& config);

/// Keras: keras.layers.serialize — {"module", "class_name", "config", "registered_name"}.
Config serialize(const Layer& layer);

/// Registers a layer class (built-in or custom) under its Keras class name
/// (Keras: keras.saving.register_keras_serializable).
void register_layer(const std::string& class_name,
                    std::function<LayerPtr(const Config&)> from_config);

/// Class names known to the registry.
std::vector<std::string> registered_layers();

}  // namespace temper::layers
