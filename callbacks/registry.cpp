// registry.cpp — Keras callbacks by class name (shared by the CLI and model loading).
#include "temper/callbacks/registry.hpp"

#include <algorithm>

namespace temper::callbacks {

Registry<Callback>& registry() {
  static Registry<Callback> r("callback");
  static const bool builtins = [] {
    // Callbacks without arguments; the others register next to their definitions.
    const auto no_arguments = [](auto make) {
      return [make](ArgReader& a) -> CallbackPtr {
        a.finish({});
        return make();
      };
    };
    r.add({"History", {}, {}, no_arguments([] { return std::make_shared<History>(); })});
    r.add({"ProgbarLogger", {}, {}, no_arguments([] { return std::make_shared<ProgbarLogger>(); })});
    return true;
  }();
  (void)builtins;
  return r;
}

CallbackPtr create(const std::string& class_name, const Config& args) {
  if (class_name == "LambdaCallback" && !registry().contains(class_name))
    throw ConfigError("LambdaCallback holds C++ functions and cannot be created from a config; "
                      "add it in code (callbacks::LambdaCallback)");
  try {
    return registry().create(class_name, args, ConfigSource::user);
  } catch (const CallbackArgumentError&) {
    throw;
  } catch (const ArgumentError& e) {
    throw CallbackArgumentError(e.owner(), e.path(), e.detail(), e.unknown_key());
  }
}

CallbackPtr deserialize(const Config& config) {
  if (config.is_string()) return create(config.get<std::string>(), Config::object());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ConfigError("a callback config must be a class name or an object with 'class_name' and 'config', got " +
                      config.dump().substr(0, 200));
  return create(config["class_name"].get<std::string>(), config.value("config", Config::object()));
}

void register_callback(const std::string& class_name, CallbackFactory factory, std::vector<std::string> arguments) {
  if (!factory) throw ValueError("register_callback('" + class_name + "'): empty factory");
  registry().add({class_name, {}, std::move(arguments),
                  [f = std::move(factory)](ArgReader& a) { return f(a.config()); }});
}

std::vector<std::string> registered_callbacks() {
  auto names = registry().names();
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> callback_arguments(const std::string& class_name) {
  return registry().get(class_name).arguments;
}

}  // namespace temper::callbacks
