// layers.hpp — every built-in layer and the registry that creates layers by Keras class name.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/layer.hpp"
#include "temper/registry.hpp"
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

/// The registry of layer classes (Keras: the layer entries of the keras.saving registry).
Registry<Layer>& registry();

/// Creates a layer from a Keras layer config object: {"class_name": "Dense", "config": {...}}
/// (Keras: keras.layers.deserialize). Unknown classes throw UnknownNameError with
/// suggestions; a bad or unknown argument throws ArgumentError naming it. `source` says
/// whether keys that only Keras writes are accepted (see ConfigSource).
LayerPtr deserialize(const Config& config, ConfigSource source = ConfigSource::keras_file);

/// Keras: keras.layers.serialize — {"module", "class_name", "config", "registered_name"}.
Config serialize(const Layer& layer);

/// Registers a layer class (built-in or custom) under its Keras class name
/// (Keras: keras.saving.register_keras_serializable). `from_config` reads the whole config
/// itself; prefer register_layer_class, which checks every argument.
void register_layer(const std::string& class_name,
                    std::function<LayerPtr(const Config&)> from_config);

/// Class names known to the registry (aliases included).
std::vector<std::string> registered_layers();

/// The keys every layer config holds besides its own arguments (name, trainable, dtype).
std::vector<std::string> base_layer_arguments();

/// name, trainable and dtype of a layer config; from a Keras file also the input-shape keys
/// Keras puts on a model's first layer (the model reads those itself).
struct LayerBaseArguments {
  std::string name{};
  bool trainable = true;
};
LayerBaseArguments read_base_arguments(ArgReader& reader);

/// Registers layer class `L` under `names` (the first is its Keras class name, the others
/// aliases such as "Convolution2D"). `L` has `Options`, a constructor from Options and
/// `static const Arguments<Options>& arguments()`; its config is read from that table, and
/// unknown keys are rejected with a did-you-mean.
template <class L> void register_layer_class(std::vector<std::string> names) {
  Registry<Layer>::Entry e;
  e.name = names.front();
  e.aliases.assign(names.begin() + 1, names.end());
  e.arguments = L::arguments().names();
  for (auto& k : base_layer_arguments()) e.arguments.push_back(std::move(k));
  e.make = [](ArgReader& r) -> LayerPtr {
    auto options = L::arguments().read(r);
    const LayerBaseArguments base = read_base_arguments(r);
    if constexpr (requires { options.name = base.name; }) options.name = base.name;
    auto layer = std::make_shared<L>(std::move(options));
    layer->set_trainable(base.trainable);
    return layer;
  };
  registry().add(std::move(e));
}

/// Registers `L` at load time: `const LayerRegistration<MyLayer> registered{{"MyLayer"}};`
/// next to the class's definition.
template <class L> struct LayerRegistration {
  explicit LayerRegistration(std::vector<std::string> names) { register_layer_class<L>(std::move(names)); }
};

}  // namespace temper::layers
