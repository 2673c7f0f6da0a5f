#include <map>
#include <mutex>

#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/names.hpp"
#include "layers/registry_detail.hpp"

namespace temper::layers {

namespace detail {
void add_core_layers(LayerFactories& f) {
  f["InputLayer"] = InputLayer::from_config;
  f["Dense"] = Dense::from_config;
  f["Activation"] = Activation::from_config;
  f["Flatten"] = Flatten::from_config;
  f["Reshape"] = Reshape::from_config;
  f["Dropout"] = Dropout::from_config;
}
}  // namespace detail

namespace {

struct Registry {
  Registry() {
    detail::add_core_layers(factories);
    detail::add_convolutional_layers(factories);
    detail::add_normalization_layers(factories);
    detail::add_merging_layers(factories);
  }
  std::mutex mutex;
  LayerFactories factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_layer(const std::string& class_name, std::function<LayerPtr(const Config&)> f) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[class_name] = std::move(f);
}

std::vector<std::string> registered_layers() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [k, v] : r.factories) out.push_back(k);
  return out;
}

LayerPtr deserialize(const Config& c) {
  if (!c.is_object() || !c.contains("class_name"))
    throw ConfigError("a layer config must be an object with 'class_name' and 'config', got " + c.dump().substr(0, 200));
  const auto cls = c["class_name"].get<std::string>();
  std::function<LayerPtr(const Config&)> f;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(cls); it != r.factories.end()) f = it->second;
  }
  if (!f) throw UnknownNameError(unknown_name_message("layer class", cls, registered_layers()));
  try {
    return f(c.value("config", Config::object()));
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("bad config for layer class " + cls + ": " + e.what());
  }
}

Config serialize(const Layer& layer) {
  return {{"module", "keras.layers"}, {"class_name", layer.class_name()}, {"config", layer.get_config()},
          {"registered_name", nullptr}};
}

}  // namespace temper::layers
