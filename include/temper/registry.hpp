// registry.hpp — one name → factory registry for every kind of configurable object (Keras:
// the `keras.saving` registry behind `deserialize` and `register_keras_serializable`).
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"

namespace temper {

/// Creates objects of one family (layers, losses, metrics, ...) by Keras class name.
///
/// Each entry has its Keras class name, the other names Keras accepts for it ("Convolution2D"
/// for "Conv2D", "mse" for "MeanSquaredError"), the argument names its config may hold, and a
/// factory that reads those arguments from an ArgReader. Built-in classes register next to
/// their definitions; user classes register the same way. Lookups are thread-safe.
template <class Base> class Registry {
 public:
  using Ptr = std::shared_ptr<Base>;
  using Factory = std::function<Ptr(ArgReader&)>;
  struct Entry {
    std::string name;
    std::vector<std::string> aliases{};
    /// Every key a config may hold. When not empty, keys outside it are rejected with a
    /// did-you-mean; when empty the factory is trusted to check its own config.
    std::vector<std::string> arguments{};
    Factory make{};
  };

  /// `kind` names the family in messages: "layer", "loss", "optimizer".
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  const std::string& kind() const noexcept { return kind_; }

  /// Adds `entry`, replacing an earlier one of the same name (a user class may replace a
  /// built-in one, as re-registering does in Keras).
  void add(Entry entry) {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
      if (e.name == entry.name) {
        e = std::move(entry);
        return;
      }
    entries_.push_back(std::move(entry));
  }

  /// The entry registered under `name` or one of its aliases.
  std::optional<Entry> find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    if (const Entry* e = find_locked(name)) return *e;
    return std::nullopt;
  }
  bool contains(std::string_view name) const { return find(name).has_value(); }

  /// Registered names; with `aliases`, the other accepted names too.
  std::vector<std::string> names(bool aliases = false) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& e : entries_) {
      out.push_back(e.name);
      if (aliases) out.insert(out.end(), e.aliases.begin(), e.aliases.end());
    }
    return out;
  }

  /// The entry for `name`, or UnknownNameError "unknown <kind> 'x'. Did you mean 'y'?".
  Entry get(std::string_view name) const {
    if (auto e = find(name)) return *e;
    throw UnknownNameError(unknown_name_message(kind_, std::string(name), names()));
  }

  /// Creates `name` from its config object. Errors in the config are ArgumentError naming
  /// the class and the argument.
  Ptr create(std::string_view name, const Config& config,
             ConfigSource source = ConfigSource::keras_file) const {
    const Entry e = get(name);
    const Config empty = Config::object();
    const Config& c = config.is_null() ? empty : config;
    if (!c.is_object())
      throw ConfigError("the config of " + kind_ + " " + e.name + " must be a mapping of its arguments, got " +
                        describe_json(c));
    ArgReader reader(c, e.name, source);
    Ptr made;
    try {
      made = e.make(reader);
    } catch (const nlohmann::json::exception& ex) {
      throw ConfigError("bad config for " + kind_ + " " + e.name + ": " + ex.what());
    }
    if (!e.arguments.empty()) reader.finish(e.arguments);
    return made;
  }

 private:
  const Entry* find_locked(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    for (const auto& e : entries_)
      for (const auto& a : e.aliases)
        if (a == name) return &e;
    return nullptr;
  }

  std::string kind_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace temper
