#include <map>
#include <mutex>

#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/names.hpp"

namespace temper::layers {

// Every built-in class registers itself next to its definition (LayerRegistration).
Registry<Layer>& registry() {
  static Registry<Layer> r("layer");
  return r;
}

void register_layer(const std::string& class_name, std::function<LayerPtr(const Config&)> f) {
  registry().add({class_name, {}, {}, [f = std::move(f)](ArgReader& a) { return f(a.config()); }});
}

std::vector<std::string> registered_layers() { return registry().names(true); }

std::vector<std::string> base_layer_arguments() { return {"name", "trainable", "dtype"}; }

LayerBaseArguments read_base_arguments(ArgReader& r) {
  LayerBaseArguments b;
  b.name = r.get<std::string>("name", "");
  b.trainable = r.get<bool>("trainable", true);
  if (r.has("dtype")) {
    // Keras 3 writes a DTypePolicy object, tf.keras a string; Temper layers compute in float32.
    const Config& d = r.config().at("dtype");
    std::string policy;
    if (d.is_string()) policy = d.get<std::string>();
    else if (d.is_object() && d.contains("config") && d["config"].is_object() && d["config"].contains("name") &&
             d["config"]["name"].is_string())
      policy = d["config"]["name"].get<std::string>();
    else r.fail("dtype", "expected a dtype name or a DTypePolicy {class_name, config: {name}}, found " +
                             describe_json(d));
    if (policy != "float32")
      r.fail("dtype", "Temper layers compute in float32; the dtype policy '" + policy +
                          "' would change what the model computes (expected 'float32')");
  }
  if (r.source() == ConfigSource::keras_file)
    for (const char* k : {"batch_input_shape", "batch_shape", "input_shape", "input_dim", "autocast"}) r.accept(k);
  return b;
}

LayerPtr deserialize(const Config& c, ConfigSource source) {
  if (!c.is_object() || !c.contains("class_name") || !c["class_name"].is_string())
    throw ConfigError("a layer config must be an object with 'class_name' and 'config', got " + c.dump().substr(0, 200));
  const auto cls = c["class_name"].get<std::string>();
  return registry().create(cls, c.value("config", Config::object()), source);
}

Config serialize(const Layer& layer) {
  return {{"module", "keras.layers"}, {"class_name", layer.class_name()}, {"config", layer.get_config()},
          {"registered_name", nullptr}};
}

}  // namespace temper::layers
