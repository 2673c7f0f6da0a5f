// registry.cpp — Keras callbacks by class name (shared by the CLI and model loading).
#include "temper/callbacks/registry.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "temper/callbacks/backup_and_restore.hpp"
#include "temper/callbacks/csv_logger.hpp"
#include "temper/callbacks/early_stopping.hpp"
#include "temper/callbacks/learning_rate_scheduler.hpp"
#include "temper/callbacks/model_checkpoint.hpp"
#include "temper/callbacks/reduce_lr_on_plateau.hpp"
#include "temper/callbacks/terminate_on_nan.hpp"
#include "temper/names.hpp"
#include "temper/schedules.hpp"

namespace temper::callbacks {

namespace {

std::string make_message(const std::string& cls, const std::string& arg, const std::string& detail) {
  std::string m = cls;
  if (!arg.empty()) {
    m += " argument '";
    m += arg;
    m += "'";
  }
  m += ": ";
  m += detail;
  return m;
}

// Reads the argument object of one callback class, rejecting unknown keys and wrong types.
class Args {
 public:
  Args(std::string cls, const Config& args, std::vector<std::string> known)
      : cls_(std::move(cls)), args_(args.is_null() ? Config::object() : args), known_(std::move(known)) {
    if (!args_.is_object())
      throw CallbackArgumentError(cls_, "", "the arguments must be a mapping of argument names to values, found " +
                                                args_.dump());
    for (const auto& [k, v] : args_.items()) {
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      std::string detail = "unknown argument";
      const auto close = closest_names(k, known_);
      if (!close.empty()) {
        detail += ". Did you mean '";
        detail += close.front();
        detail += "'?";
      }
      detail += known_.empty() ? std::string(" (it takes no arguments)") : " Known arguments: ";
      for (std::size_t i = 0; i < known_.size(); ++i) {
        if (i) detail += ", ";
        detail += known_[i];
      }
      throw CallbackArgumentError(cls_, k, detail);
    }
  }
  bool has(const std::string& k) const { return args_.contains(k) && !args_[k].is_null(); }
  [[noreturn]] void wrong(const std::string& k, const std::string& expected) const {
    throw CallbackArgumentError(cls_, k, "expected " + expected + ", found " + args_[k].dump());
  }
  std::string str(const std::string& k, std::string def) const {
    if (!has(k)) return def;
    if (!args_[k].is_string()) wrong(k, "a string");
    return args_[k].get<std::string>();
  }
  std::string required_str(const std::string& k) const {
    if (!has(k)) throw CallbackArgumentError(cls_, k, "missing required argument");
    return str(k, "");
  }
  double num(const std::string& k, double def) const {
    if (!has(k)) return def;
    if (!args_[k].is_number()) wrong(k, "a number");
    return args_[k].get<double>();
  }
  std::optional<double> opt_num(const std::string& k) const {
    if (!has(k)) return std::nullopt;
    return num(k, 0.0);
  }
  int integer(const std::string& k, int def) const {
    if (!has(k)) return def;
    const Config& v = args_[k];
    if (v.is_number_integer()) return v.get<int>();
    if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) return static_cast<int>(v.get<double>());
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;  // Keras accepts verbose=True
    wrong(k, "an integer");
  }
  bool boolean(const std::string& k, bool def) const {
    if (!has(k)) return def;
    if (!args_[k].is_boolean()) wrong(k, "a boolean (true or false)");
    return args_[k].get<bool>();
  }
  SaveFreq save_freq(const std::string& k) const {
    if (!has(k)) return "epoch";
    const Config& v = args_[k];
    if (v.is_string()) {
      if (v.get<std::string>() != "epoch") wrong(k, "\"epoch\" or a positive integer");
      return "epoch";
    }
    if (v.is_number_integer() && v.get<std::int64_t>() > 0) return SaveFreq(v.get<std::int64_t>());
    wrong(k, "\"epoch\" or a positive integer");
  }
  const Config& raw(const std::string& k) const { return args_[k]; }
  const std::string& cls() const { return cls_; }

 private:
  std::string cls_;
  Config args_;
  std::vector<std::string> known_;
};

struct Entry {
  CallbackFactory factory;
  std::vector<std::string> arguments;
};

struct Registry {
  std::mutex mutex;
  std::map<std::string, Entry> entries;
  Registry();
};

void add(Registry& r, const std::string& cls, std::vector<std::string> arguments,
         std::function<CallbackPtr(const Args&)> make) {
  auto known = arguments;
  r.entries[cls] = Entry{[cls, known, make](const Config& args) { return make(Args(cls, args, known)); },
                         std::move(arguments)};
}

Registry::Registry() {
  add(*this, "EarlyStopping",
      {"monitor", "min_delta", "patience", "verbose", "mode", "baseline", "restore_best_weights", "start_from_epoch"},
      [](const Args& a) -> CallbackPtr {
        EarlyStoppingOptions o;
        o.monitor = a.str("monitor", o.monitor);
        o.min_delta = a.num("min_delta", o.min_delta);
        o.patience = a.integer("patience", o.patience);
        o.verbose = a.integer("verbose", o.verbose);
        o.mode = a.str("mode", o.mode);
        o.baseline = a.opt_num("baseline");
        o.restore_best_weights = a.boolean("restore_best_weights", o.restore_best_weights);
        o.start_from_epoch = a.integer("start_from_epoch", o.start_from_epoch);
        return std::make_shared<EarlyStopping>(o);
      });
  add(*this, "ReduceLROnPlateau",
      {"monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown", "min_lr"},
      [](const Args& a) -> CallbackPtr {
        ReduceLROnPlateauOptions o;
        o.monitor = a.str("monitor", o.monitor);
        o.factor = a.num("factor", o.factor);
        o.patience = a.integer("patience", o.patience);
        o.verbose = a.integer("verbose", o.verbose);
        o.mode = a.str("mode", o.mode);
        o.min_delta = a.num("min_delta", o.min_delta);
        o.cooldown = a.integer("cooldown", o.cooldown);
        o.min_lr = a.num("min_lr", o.min_lr);
        return std::make_shared<ReduceLROnPlateau>(o);
      });
  add(*this, "CSVLogger", {"filename", "separator", "append"}, [](const Args& a) -> CallbackPtr {
    CSVLoggerOptions o;
    const std::string sep = a.str("separator", ",");
    if (sep.size() != 1) a.wrong("separator", "a single character");
    o.separator = sep[0];
    o.append = a.boolean("append", o.append);
    return std::make_shared<CSVLogger>(a.required_str("filename"), o);
  });
  add(*this, "TerminateOnNaN", {"raise_error"}, [](const Args& a) -> CallbackPtr {
    TerminateOnNaNOptions o;
    o.raise_error = a.boolean("raise_error", o.raise_error);
    return std::make_shared<TerminateOnNaN>(o);
  });
  add(*this, "ModelCheckpoint",
      {"filepath", "monitor", "verbose", "save_best_only", "save_weights_only", "mode", "save_freq",
       "initial_value_threshold"},
      [](const Args& a) -> CallbackPtr {
        ModelCheckpointOptions o;
        o.monitor = a.str("monitor", o.monitor);
        o.verbose = a.integer("verbose", o.verbose);
        o.save_best_only = a.boolean("save_best_only", o.save_best_only);
        o.save_weights_only = a.boolean("save_weights_only", o.save_weights_only);
        o.mode = a.str("mode", o.mode);
        o.save_freq = a.save_freq("save_freq");
        o.initial_value_threshold = a.opt_num("initial_value_threshold");
        return std::make_shared<ModelCheckpoint>(a.required_str("filepath"), o);
      });
  add(*this, "BackupAndRestore", {"backup_dir", "save_freq", "double_checkpoint", "delete_checkpoint"},
      [](const Args& a) -> CallbackPtr {
        BackupAndRestoreOptions o;
        o.save_freq = a.save_freq("save_freq");
        o.double_checkpoint = a.boolean("double_checkpoint", o.double_checkpoint);
        o.delete_checkpoint = a.boolean("delete_checkpoint", o.delete_checkpoint);
        return std::make_shared<BackupAndRestore>(a.required_str("backup_dir"), o);
      });
  add(*this, "LearningRateScheduler", {"schedule", "verbose"}, [](const Args& a) -> CallbackPtr {
    if (!a.has("schedule")) throw CallbackArgumentError(a.cls(), "schedule", "missing required argument");
    const Config& s = a.raw("schedule");
    if (!s.is_object())
      a.wrong("schedule", "a serialized learning rate schedule such as {\"class_name\": \"ExponentialDecay\", "
                          "\"config\": {...}}");
    schedules::SchedulePtr schedule;
    try {
      schedule = schedules::from_config(s);
    } catch (const UnknownNameError&) {
      throw;
    } catch (const Error& e) {
      throw CallbackArgumentError(a.cls(), "schedule", e.what());
    }
    return std::make_shared<LearningRateScheduler>(
        LearningRateScheduler::Schedule([schedule](int epoch, double) { return (*schedule)(epoch); }),
        a.integer("verbose", 0));
  });
  add(*this, "History", {}, [](const Args&) -> CallbackPtr { return std::make_shared<History>(); });
  add(*this, "ProgbarLogger", {}, [](const Args&) -> CallbackPtr { return std::make_shared<ProgbarLogger>(); });
}

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

CallbackArgumentError::CallbackArgumentError(const std::string& class_name, std::string argument,
                                             std::string detail)
    : ConfigError(make_message(class_name, argument, detail)), argument_(std::move(argument)),
      detail_(std::move(detail)) {}

CallbackPtr create(const std::string& class_name, const Config& args) {
  CallbackFactory f;
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.entries.find(class_name); it != r.entries.end()) f = it->second.factory;
  }
  if (!f) {
    if (class_name == "LambdaCallback")
      throw ConfigError("LambdaCallback holds C++ functions and cannot be created from a config; "
                        "add it in code (callbacks::LambdaCallback)");
    throw UnknownNameError(unknown_name_message("callback", class_name, registered_callbacks()));
  }
  return f(args);
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
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.entries[class_name] = Entry{std::move(factory), std::move(arguments)};
}

std::vector<std::string> registered_callbacks() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [k, v] : r.entries) out.push_back(k);
  return out;
}

std::vector<std::string> callback_arguments(const std::string& class_name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.entries.find(class_name);
  if (it == r.entries.end()) {
    std::vector<std::string> names;
    for (const auto& [k, v] : r.entries) names.push_back(k);
    throw UnknownNameError(unknown_name_message("callback", class_name, names));
  }
  return it->second.arguments;
}

}  // namespace temper::callbacks
