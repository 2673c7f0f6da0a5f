// saving.cpp — Keras's three file layouts (legacy .h5, Keras 3 .weights.h5, .keras zip),
// load_model / load_weights, and the random-stream state Temper adds to its files.
#include "temper/saving.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>

#include "h5.hpp"
#include "internal.hpp"
#include "load_limits.hpp"
#include "temper/error.hpp"
#include "temper/io/atomic_file.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/layers.hpp"
#include "temper/model.hpp"
#include "temper/names.hpp"
#include "zip.hpp"

namespace temper {

namespace h5 = io::h5;

namespace {

// What Temper writes as the producing Keras version: the legacy .h5 carries tf.keras 2.x JSON,
// the .keras zip the Keras 3 layout.
constexpr const char* kLegacyKerasVersion = "2.15.0";
constexpr const char* kKeras3Version = "3.10.0";
constexpr const char* kBackend = "tensorflow";
constexpr const char* kRngAttr = "temper_rng_state";
constexpr const char* kTemperVersionAttr = "temper_version";
constexpr const char* kTemperVersion = "0.1.0";

bool ends_with(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

enum class Format { Keras, LegacyH5, WeightsH5, Unknown };

Format format_of(const std::string& path) {
  if (ends_with(path, ".weights.h5")) return Format::WeightsH5;
  if (ends_with(path, ".keras")) return Format::Keras;
  if (ends_with(path, ".h5") || ends_with(path, ".hdf5")) return Format::LegacyH5;
  return Format::Unknown;
}

std::string model_label(const Model& m) { return "model '" + m.name() + "' (" + m.class_name() + ")"; }

std::string layer_label(const Layer& l) { return "layer '" + l.name() + "' (" + l.class_name() + ")"; }

void require_built(const Model& model, const char* what) {
  if (!model.built())
    throw StateError(std::string(what) + ": " + model_label(model) +
                     " is not built yet; build it (call it on data, or start it with layers::Input) first");
}

std::string date_saved() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d@%H:%M:%S", &tm);
  return buf;
}

Config shape_config(const Shape& s) {
  Config out = Config::array();
  for (auto d : s) out.push_back(d < 0 ? Config(nullptr) : Config(d));
  return out;
}

// ---- configs --------------------------------------------------------------------------------

// Keras 3 compile_config (the .keras zip): what compile() was given, per output for a
// multi-output model.
Config compile_config(const Model& model) { return model.compile_config(); }

Config strip_module(const Config& serialized) {
  if (!serialized.is_object() || !serialized.contains("class_name")) return serialized;
  Config out = {{"class_name", serialized.at("class_name")}, {"config", serialized.value("config", Config::object())}};
  return out;
}

// tf.keras training_config (the legacy .h5): the same content with module-less objects.
Config training_config(const Model& model) {
  const Config cc = model.compile_config();
  Config loss = cc.value("loss", Config(nullptr));
  if (loss.is_object() && !loss.contains("class_name")) {
    for (auto& [k, v] : loss.items()) v = strip_module(v);
  } else {
    loss = strip_module(loss);
  }
  return {{"loss", loss},
          {"metrics", cc.value("metrics", Config(nullptr))},
          {"weighted_metrics", cc.value("weighted_metrics", Config(nullptr))},
          {"loss_weights", cc.value("loss_weights", Config(nullptr))},
          {"optimizer_config", strip_module(cc.at("optimizer"))}};
}

// One metric entry of a training/compile config: a name, a serialized metric, or tf.keras's
// MeanMetricWrapper dict; nested lists (one per output) are flattened.
void collect_metrics(const Config& c, std::vector<MetricArg>& out) {
  if (c.is_null()) return;
  if (c.is_string()) {
    out.emplace_back(c.get<std::string>());
  } else if (c.is_array()) {
    for (const auto& x : c) collect_metrics(x, out);
  } else if (c.is_object()) {
    const std::string cls = c.value("class_name", std::string());
    const Config cfg = c.value("config", Config::object());
    if (cls == "MeanMetricWrapper" && cfg.contains("name")) out.emplace_back(cfg["name"].get<std::string>());
    else out.emplace_back(metrics::from_config(c));
  }
}

// compile() from a Keras 3 compile_config or a tf.keras training_config.
void compile_from_config(Model& model, const Config& c, const std::string& path) {
  if (!c.is_object() || c.empty()) return;
  try {
    const Config opt = c.contains("optimizer") ? c["optimizer"] : c.value("optimizer_config", Config("rmsprop"));
    optimizers::OptimizerPtr optimizer = optimizers::from_config(opt);
    const Config loss_c = c.value("loss", Config(nullptr));
    if (loss_c.is_null()) {
      spdlog::warn("'{}': the saved model was compiled without a loss; it is loaded uncompiled", path);
      return;
    }
    std::vector<MetricArg> metrics, weighted;
    CompileOptions co;
    losses::LossPtr loss;
    const Config metrics_c = c.value("metrics", Config(nullptr));
    if (loss_c.is_object() && !loss_c.contains("class_name")) {
      // A multi-output model: losses, weights and metrics keyed by output name.
      for (const auto& [out, l] : loss_c.items()) {
        auto lp = losses::from_config(l);
        if (!loss) loss = lp;
        co.losses.emplace(out, LossArg(lp));
      }
      const Config lw = c.value("loss_weights", Config(nullptr));
      if (lw.is_object())
        for (const auto& [out, w] : lw.items()) co.loss_weights[out] = w.get<double>();
      if (metrics_c.is_object())
        for (const auto& [out, m] : metrics_c.items()) collect_metrics(m, co.output_metrics[out]);
    } else {
      loss = losses::from_config(loss_c);
      collect_metrics(metrics_c, metrics);
    }
    collect_metrics(c.value("weighted_metrics", Config(nullptr)), weighted);
    co.weighted_metrics = std::move(weighted);
    // Keras stores a constant rate as float32 (0.001 -> 0.0010000000474974513). Read it back as
    // the shortest decimal of that float32 (0.001), which is what the user typed in all but
    // contrived cases, so that a reloaded model's double-precision step sizes are the original's.
    if (!optimizer->learning_rate_setting().is_schedule()) {
      const float f = static_cast<float>(optimizer->learning_rate_setting().value());
      char buf[64];
      const auto res = std::to_chars(buf, buf + sizeof buf, f);
      optimizer->set_learning_rate(std::strtod(std::string(buf, res.ptr).c_str(), nullptr));
    }
    model.compile(optimizer, loss, std::move(metrics), std::move(co));
  } catch (const Error& e) {
    throw ConfigError("'" + path + "': cannot compile the loaded model from its saved compile config: " + e.what());
  } catch (const nlohmann::json::exception& e) {  // a value of the wrong type ("loss_weights": {"out": "x"})
    throw ConfigError("'" + path + "': the saved compile config is malformed: " + e.what());
  }
}

// The name of a serialized dtype policy: {"config": {"name": "mixed_float16"}} (DTypePolicy,
// FloatDTypePolicy, tf.keras Policy) or, for a quantized policy, Keras 3.3's string form
// "<mode>_from_<source_name>" ("int8_from_float32"), so that the layer reader can name what it
// rejects instead of the file silently loading as float32.
Config dtype_policy_name(const Config& policy) {
  const Config c = policy.value("config", Config::object());
  if (!c.is_object()) return policy;
  if (c.contains("name") && c["name"].is_string()) return c["name"];
  if (c.contains("mode") && c["mode"].is_string())
    return c["mode"].get<std::string>() + "_from_" +
           (c.contains("source_name") && c["source_name"].is_string() ? c["source_name"].get<std::string>()
                                                                      : std::string("float32"));
  return policy;
}

// Keras 3 layer serialization -> tf.keras legacy form ({"class_name", "config"} only, a dtype
// string, InputLayer batch_input_shape, list-form inbound nodes).
Config legacy_node_tensor(const Config& t) {
  if (t.is_object() && t.value("class_name", std::string()) == "__keras_tensor__") {
    const Config& h = t.at("config").at("keras_history");
    return Config::array({h.at(0), h.at(1), h.at(2), Config::object()});
  }
  return t;
}

Config legacy_layer(const Config& l) {
  Config out = {{"class_name", l.at("class_name")}};
  Config c = l.value("config", Config::object());
  if (c.contains("dtype") && c["dtype"].is_object())
    c["dtype"] = dtype_policy_name(c["dtype"]);
  if (out["class_name"] == "InputLayer" && c.contains("batch_shape")) {
    c["batch_input_shape"] = c["batch_shape"];
    c.erase("batch_shape");
  }
  out["config"] = c;
  if (l.contains("name")) out["name"] = l["name"];
  if (l.contains("inbound_nodes")) {
    Config nodes = Config::array();
    for (const auto& node : l["inbound_nodes"]) {
      if (node.is_array()) {  // already legacy
        nodes.push_back(node);
        continue;
      }
      Config inputs = Config::array();
      for (const auto& arg : node.value("args", Config::array())) {
        if (arg.is_array()) {
          for (const auto& t : arg) inputs.push_back(legacy_node_tensor(t));
        } else {
          inputs.push_back(legacy_node_tensor(arg));
        }
      }
      nodes.push_back(inputs);
    }
    out["inbound_nodes"] = nodes;
  }
  return out;
}

Config legacy_model_config(const Model& model) {
  Config full = model_to_config(model);
  Config c = full.at("config");
  if (c.contains("layers")) {
    Config ls = Config::array();
    for (const auto& l : c["layers"]) ls.push_back(legacy_layer(l));
    c["layers"] = ls;
  }
  if (c.contains("dtype") && c["dtype"].is_object())
    c["dtype"] = dtype_policy_name(c["dtype"]);
  for (const char* k : {"input_layers", "output_layers"}) {
    // Keras 3 writes a single tensor flat ([name, 0, 0]); tf.keras always nests.
    if (c.contains(k) && c[k].is_array() && !c[k].empty() && c[k][0].is_string())
      c[k] = Config::array({c[k]});
  }
  return {{"class_name", full.at("class_name")}, {"config", c}};
}

// A tf.keras Sequential config without an InputLayer keeps the input shape in its first
// layer's batch_input_shape: turn that into an InputLayer, as Keras does when it loads it.
// Keras 3 writes a layer's dtype as a DTypePolicy dict; Temper's layers take the dtype name.
void flatten_dtype_policies(Config& c) {
  if (c.is_object()) {
    if (c.contains("dtype") && c["dtype"].is_object() && c["dtype"].value("class_name", std::string()).find("DTypePolicy") != std::string::npos)
      c["dtype"] = dtype_policy_name(c["dtype"]);
    for (auto& [k, v] : c.items()) flatten_dtype_policies(v);
  } else if (c.is_array()) {
    for (auto& v : c) flatten_dtype_policies(v);
  }
}

// A file's serialized objects may carry Keras's object-identity bookkeeping next to class_name
// and config: "shared_object_id" when one Python object (a regularizer or initializer instance
// given to several layers) is saved twice (Keras 3 ObjectSharingScope in .keras saves, tf.keras
// SharedObjectSavingScope in .h5 saves), and tf.keras's "__passive_serialization__" flag. Neither
// is an argument; each occurrence also holds the object's full config, so drop them.
void drop_object_sharing_keys(Config& c) {
  if (c.is_object()) {
    if (c.contains("class_name")) {
      c.erase("shared_object_id");
      c.erase("__passive_serialization__");
    }
    for (auto& [k, v] : c.items()) drop_object_sharing_keys(v);
  } else if (c.is_array()) {
    for (auto& v : c) drop_object_sharing_keys(v);
  }
}

Config normalize_loaded_config(Config config) {
  flatten_dtype_policies(config);
  drop_object_sharing_keys(config);
  if (!config.is_object() || config.value("class_name", std::string()) != "Sequential") return config;
  Config& c = config["config"];
  if (!c.is_object() || !c.contains("layers") || !c["layers"].is_array() || c["layers"].empty()) return config;
  Config& ls = c["layers"];
  const bool has_input = ls[0].value("class_name", std::string()) == "InputLayer";
  if (!has_input) {
    const Config first = ls[0].value("config", Config::object());
    if (first.contains("batch_input_shape")) {
      Config input = {{"class_name", "InputLayer"},
                      {"config",
                       {{"batch_input_shape", first["batch_input_shape"]},
                        {"dtype", first.contains("dtype") && first["dtype"].is_string() ? first["dtype"] : Config("float32")},
                        {"name", first.value("name", std::string("input")) + "_input"}}}};
      ls.insert(ls.begin(), input);
    }
  }
  for (std::size_t i = 1; i < ls.size(); ++i)
    if (ls[i].contains("config") && ls[i]["config"].is_object()) ls[i]["config"].erase("batch_input_shape");
  return config;
}

// Building a layer allocates and initializes its weights before the loader can compare them
// with the file: bound every tensor by what the file could possibly hold (float16 data read
// into float64, plus room for an initializer's temporaries) so that a config declaring a huge
// layer fails at once.
std::uint64_t build_allocation_cap(std::uint64_t largest_stored_elements) {
  constexpr std::uint64_t kSlack = std::uint64_t{64} << 20;
  const auto bytes = io::checked_mul(largest_stored_elements, 16);
  return bytes ? std::max(*bytes, kSlack) : std::numeric_limits<std::uint64_t>::max();
}

std::shared_ptr<Model> model_from_saved_config(const Config& config, const std::string& path,
                                               std::uint64_t largest_stored_elements) {
  try {
    saving_detail::AllocationCap cap(build_allocation_cap(largest_stored_elements), "the model in '" + path + "'");
    return model_from_config(normalize_loaded_config(config));
  } catch (const UnknownNameError& e) {
    throw UnknownNameError("'" + path + "': " + e.what());
  } catch (const ShapeError& e) {
    throw ShapeError("'" + path + "': " + e.what());
  } catch (const ConfigError& e) {
    throw ConfigError("'" + path + "': " + e.what());
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("'" + path + "': the stored model config is malformed: " + e.what());
  }
}

Config parse_json(const std::string& text, const std::string& what) {
  // Parsing is iterative, but every walker over the result recurses once per level.
  io::check_nesting_depth(text, what);
  try {
    return Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(what + " is not valid JSON: " + e.what());
  }
}

// ---- random streams ------------------------------------------------------------------------

Config rng_pair(const Generator& g) { return Config::array({g.seed(), g.counter()}); }

void apply_rng_pair(Generator& g, const Config& pair) {
  if (!pair.is_array() || pair.size() != 2) return;
  // get<std::uint64_t>() of a float such as 1e27 is a cast outside uint64's range (undefined).
  for (const Config& v : pair)
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
      throw ConfigError("malformed random-stream state: expected [seed, counter] as non-negative integers, found " +
                        pair.dump());
  Generator fresh(pair[0].get<std::uint64_t>());
  fresh.set_counter(pair[1].get<std::uint64_t>());
  g = fresh;
}

// ---- Keras 3 weights layout -----------------------------------------------------------------

struct PendingAssign {
  VariablePtr var;
  Tensor value;
};

// Keras 3 _save_container_state: /layers/<key>/vars per layer; a nested model gets its own
// (empty) vars group and its layers below it (/layers/sequential/layers/dense/vars).
void write_layers(h5::Group& parent, const std::vector<LayerPtr>& layers) {
  std::map<std::string, int> seen;
  h5::Group layers_g = parent.create_group("layers");
  for (const auto& layer : layers) {
    const std::string key = saving_detail::keras3_layer_key(layer->class_name(), seen);
    h5::Group lg = layers_g.create_group(key);
    h5::Group vars = lg.create_group("vars");
    vars.set_string_attr("name", layer->name(), h5::CharSet::Utf8);
    if (const auto* sub = dynamic_cast<const Model*>(layer.get())) {
      write_layers(lg, sub->layers());
      continue;
    }
    const auto ws = layer->weights();
    for (std::size_t i = 0; i < ws.size(); ++i) vars.write_dataset(std::to_string(i), ws[i]->value);
  }
}

void write_keras3_weights(h5::Group& root, const Model& model, bool include_optimizer) {
  write_layers(root, model.layers());
  if (include_optimizer && model.compiled()) {
    h5::Group ov = root.create_group("optimizer/vars");
    ov.set_string_attr("name", model.optimizer()->name(), h5::CharSet::Utf8);
    const auto vs = model.optimizer()->variables();
    for (std::size_t i = 0; i < vs.size(); ++i)
      ov.write_dataset(std::to_string(i), vs[i].second, /*as_int64=*/vs[i].first == "iteration");
  }
  h5::Group own = root.create_group("vars");
  own.set_string_attr("name", model.name(), h5::CharSet::Utf8);
}

void load_optimizer_values(Model& model, const std::vector<Tensor>& values, const std::string& where) {
  if (!model.compiled()) return;
  auto& opt = *model.optimizer();
  // Build the slots unless the file holds only the scalars of a never-stepped optimizer.
  if ((!opt.built() || opt.tracked_variables().empty()) && values.size() > opt.variables().size())
    opt.build(model.trainable_weights());
  const auto current = opt.variables();
  std::vector<Tensor> given = values;
  // tf.keras 2.11+ optimizers save [iteration, slots...] without a learning-rate variable:
  // keep the configured rate.
  if (given.size() + 1 == current.size() && current.size() >= 2 && current[1].first == "learning_rate")
    given.insert(given.begin() + 1, current[1].second.clone());
  if (current.size() != given.size()) {
    spdlog::warn("Skipping variable loading for optimizer '{}', because it has {} variables whereas the saved "
                 "optimizer has {} variables ({}).",
                 opt.name(), current.size(), values.size(), where);
    return;
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (given[i].numel() != current[i].second.numel() ||
        (current[i].second.rank() > 0 && given[i].shape() != current[i].second.shape())) {
      spdlog::warn("Skipping variable loading for optimizer '{}': variable '{}' has shape {} but the saved one "
                   "has {} ({}).",
                   opt.name(), current[i].first, shape_to_string(current[i].second.shape()),
                   shape_to_string(given[i].shape()), where);
      return;
    }
  }
  std::vector<Tensor> vals = given;
  for (std::size_t i = 0; i < vals.size(); ++i)
    if (vals[i].shape() != current[i].second.shape()) vals[i] = vals[i].reshape(current[i].second.shape());
  opt.set_variables(vals);
}

void assign_all(const std::vector<PendingAssign>& pending) {
  for (const auto& p : pending) {
    Tensor v = p.value;
    if (v.dtype() != p.var->value.dtype()) v = v.astype(p.var->value.dtype());
    if (&v.backend() != &p.var->value.backend()) v = v.to(p.var->value.backend());
    p.var->value.assign(v);
  }
}

bool is_input_key(const std::string& k) { return k == "input_layer" || k.rfind("input_layer_", 0) == 0; }

// The reading side of write_layers: checks every layer against the file and queues the values.
void read_layers(const h5::Group& root, const std::string& base, const std::vector<LayerPtr>& layers,
                 const std::string& owner, std::vector<PendingAssign>& pending) {
  const std::string layers_dir =
      base.empty() && !root.is_group("layers") && root.is_group("_layer_checkpoint_dependencies")
          ? "_layer_checkpoint_dependencies"
          : (base.empty() ? "layers" : base + "/layers");
  std::vector<std::string> file_keys;
  if (root.is_group(layers_dir)) file_keys = root.open_group(layers_dir).members();
  // Keras 3 lists a functional model's InputLayers among its layers (empty vars groups);
  // compare the layers that can hold weights only.
  const auto file_count = static_cast<std::size_t>(
      std::count_if(file_keys.begin(), file_keys.end(), [](const std::string& k) { return !is_input_key(k); }));
  const auto model_count = static_cast<std::size_t>(std::count_if(
      layers.begin(), layers.end(), [](const LayerPtr& l) { return l->class_name() != "InputLayer"; }));
  if (file_count != model_count) {
    std::string names;
    for (const auto& l : layers) names += (names.empty() ? "" : ", ") + l->name();
    std::string keys;
    for (const auto& k : file_keys) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("Layer count mismatch when loading weights from '" + root.file() + "': " + owner + " has " +
                     std::to_string(model_count) + " layers [" + names + "] but the file has " +
                     std::to_string(file_count) + " at '" + layers_dir + "' [" + keys + "]");
  }
  std::map<std::string, int> seen;
  for (const auto& layer : layers) {
    const std::string key = saving_detail::keras3_layer_key(layer->class_name(), seen);
    if (const auto* sub = dynamic_cast<const Model*>(layer.get())) {
      read_layers(root, layers_dir + "/" + key, sub->layers(), model_label(*sub), pending);
      continue;
    }
    const std::string dir = layers_dir + "/" + key + "/vars";
    const auto ws = layer->weights();
    if (!root.is_group(dir)) {
      if (ws.empty()) continue;
      throw ValueError(layer_label(*layer) + ": the file '" + root.file() + "' has no group '" + dir +
                       "' (it was saved from a different architecture?)");
    }
    h5::Group vars = root.open_group(dir);
    const auto members = vars.members();
    if (members.size() != ws.size()) {
      std::string expected;
      for (const auto& w : ws) expected += (expected.empty() ? "'" : ", '") + w->name + "'";
      throw ShapeError("Layer '" + layer->name() + "' (" + layer->class_name() + ") expected " +
                       std::to_string(ws.size()) + " variables, but received " + std::to_string(members.size()) +
                       " variables during loading from " + vars.where() + ". Expected: [" + expected + "]");
    }
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const std::string n = std::to_string(i);
      const Shape s = vars.dataset_shape(n);
      if (s != ws[i]->shape())
        throw ShapeError(layer_label(*layer) + ": weight '" + ws[i]->path + "' expects shape " +
                         shape_to_string(ws[i]->shape()) + " but the file has shape " + shape_to_string(s) + " at " +
                         vars.where(n));
      pending.push_back({ws[i], vars.read_weight(n, ws[i]->shape(), ws[i]->value.dtype())});
    }
  }
}

void read_keras3_weights(const h5::Group& root, Model& model, bool load_optimizer) {
  std::vector<PendingAssign> pending;
  read_layers(root, "", model.layers(), model_label(model), pending);
  std::vector<Tensor> opt_values;
  const bool has_opt = load_optimizer && model.compiled() && root.is_group("optimizer/vars");
  if (has_opt) {
    h5::Group ov = root.open_group("optimizer/vars");
    const auto n = ov.members().size();
    for (std::size_t i = 0; i < n; ++i) opt_values.push_back(ov.read_dataset(std::to_string(i)));
  }
  assign_all(pending);
  if (has_opt) load_optimizer_values(model, opt_values, "'optimizer/vars' in '" + root.file() + "'");
}

// ---- legacy layout --------------------------------------------------------------------------

std::string legacy_weight_name(const Variable& v) { return (v.path.empty() ? v.name : v.path) + ":0"; }

void write_legacy_weights(h5::Group& g, const Model& model) {
  const auto layers = model.layers();
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l->name());
  g.set_string_list_attr("layer_names", names);
  g.set_string_attr("backend", kBackend, h5::CharSet::Ascii);
  g.set_string_attr("keras_version", kLegacyKerasVersion, h5::CharSet::Ascii);
  // Keras creates the groups in sorted name order (the layer_names attribute keeps the order).
  std::vector<LayerPtr> sorted = layers;
  std::sort(sorted.begin(), sorted.end(), [](const LayerPtr& a, const LayerPtr& b) { return a->name() < b->name(); });
  for (const auto& l : sorted) {
    h5::Group lg = g.create_group(l->name());
    std::vector<std::string> wn;
    const auto ws = l->weights();
    for (const auto& w : ws) wn.push_back(legacy_weight_name(*w));
    lg.set_string_list_attr("weight_names", wn);
    for (std::size_t i = 0; i < ws.size(); ++i) lg.write_dataset(wn[i], ws[i]->value);
  }
  h5::Group top = g.create_group("top_level_model_weights");
  top.set_string_list_attr("weight_names", {});
}

void read_legacy_weights(const h5::Group& g, Model& model) {
  if (!g.has_attr("layer_names") && !g.has_attr("layer_names0"))
    throw IOError("'" + g.file() + "' has no 'layer_names' attribute at " + g.where() +
                  ": it is not a Keras weights file");
  const auto all_names = g.string_list_attr("layer_names");
  // Keras: zip the model's layers that have weights with the saved layers whose weight_names
  // are non-empty, in order (topological loading).
  std::vector<std::pair<std::string, std::vector<std::string>>> saved;
  for (const auto& n : all_names) {
    if (!g.is_group(n)) throw IOError("'" + g.file() + "' lists layer '" + n + "' but has no group " + g.where(n));
    auto wn = g.open_group(n).string_list_attr("weight_names");
    if (!wn.empty()) saved.emplace_back(n, std::move(wn));
  }
  std::vector<LayerPtr> with_weights;
  for (const auto& l : model.layers())
    if (!l->weights().empty()) with_weights.push_back(l);
  if (with_weights.size() != saved.size()) {
    std::string a, b;
    for (const auto& l : with_weights) a += (a.empty() ? "" : ", ") + l->name();
    for (const auto& s : saved) b += (b.empty() ? "" : ", ") + s.first;
    throw ValueError("Layer count mismatch when loading weights from '" + g.file() + "'. " + model_label(model) +
                     " expected " + std::to_string(with_weights.size()) + " layers with weights [" + a + "], found " +
                     std::to_string(saved.size()) + " saved layers [" + b + "]");
  }
  std::vector<PendingAssign> pending;
  for (std::size_t k = 0; k < saved.size(); ++k) {
    const auto& layer = with_weights[k];
    const auto ws = layer->weights();
    const auto& [fname, wnames] = saved[k];
    if (ws.size() != wnames.size())
      throw ShapeError("Weight count mismatch for layer #" + std::to_string(k) + " (named " + layer->name() +
                       " in the current model, " + fname + " in the save file '" + g.file() + "'). Layer expects " +
                       std::to_string(ws.size()) + " weight(s). Received " + std::to_string(wnames.size()) +
                       " saved weight(s)");
    h5::Group lg = g.open_group(fname);
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const Shape s = lg.dataset_shape(wnames[i]);
      if (s != ws[i]->shape())
        throw ShapeError("Shape mismatch in layer #" + std::to_string(k) + " (named " + layer->name() + " (" +
                         layer->class_name() + ") in the current model, " + fname + " in the save file): weight '" +
                         ws[i]->path + "' expects shape " + shape_to_string(ws[i]->shape()) + " but the file has " +
                         shape_to_string(s) + " at " + lg.where(wnames[i]));
      pending.push_back({ws[i], lg.read_weight(wnames[i], ws[i]->shape(), ws[i]->value.dtype())});
    }
  }
  assign_all(pending);
}

void write_legacy_optimizer(h5::Group& root, const Model& model) {
  const auto vs = model.optimizer()->variables();
  if (vs.empty()) return;
  h5::Group og = root.create_group("optimizer_weights");
  std::vector<std::string> names;
  // Variable paths are unique per model, not across nested models: keep dataset names unique.
  std::map<std::string, int> used;
  for (const auto& [n, t] : vs) {
    std::string base = model.optimizer()->name() + "/" + n;
    const int k = used[base]++;
    if (k > 0) base.append(1, '_').append(std::to_string(k));
    names.push_back(base + ":0");
  }
  og.set_string_list_attr("weight_names", names);
  for (std::size_t i = 0; i < vs.size(); ++i) og.write_dataset(names[i], vs[i].second, vs[i].first == "iteration");
}

void read_legacy_optimizer(const h5::Group& root, Model& model) {
  if (!model.compiled() || !root.is_group("optimizer_weights")) return;
  h5::Group og = root.open_group("optimizer_weights");
  const auto names = og.string_list_attr("weight_names");
  std::vector<Tensor> values;
  for (const auto& n : names) values.push_back(og.read_dataset(n));
  load_optimizer_values(model, values, "'optimizer_weights' in '" + root.file() + "'");
}

void write_rng_attr(h5::Group& root, const Model& model) {
  root.set_string_attr(kRngAttr, get_rng_state(model).dump(), h5::CharSet::Utf8);
  root.set_string_attr(kTemperVersionAttr, kTemperVersion, h5::CharSet::Utf8);
}

void read_rng_attr(const h5::Group& root, Model& model) {
  if (!root.has_attr(kRngAttr)) return;
  set_rng_state(model, parse_json(root.string_attr(kRngAttr), "the attribute 'temper_rng_state' of '" + root.file() + "'"));
}

// ---- writers --------------------------------------------------------------------------------

void write_legacy_full(const std::string& tmp, const Model& model) {
  h5::File f = h5::File::create(tmp);
  h5::Group& root = f.root();
  root.set_string_attr("keras_version", kLegacyKerasVersion, h5::CharSet::Utf8);
  root.set_string_attr("backend", kBackend, h5::CharSet::Utf8);
  root.set_string_attr("model_config", legacy_model_config(model).dump(), h5::CharSet::Ascii);
  if (model.compiled()) root.set_string_attr("training_config", training_config(model).dump(), h5::CharSet::Ascii);
  h5::Group mw = root.create_group("model_weights");
  write_legacy_weights(mw, model);
  if (model.compiled()) write_legacy_optimizer(root, model);
  write_rng_attr(root, model);
  f.close();
}

void write_weights_h5(const std::string& tmp, const Model& model, const std::map<std::string, std::string>& extra) {
  h5::File f = h5::File::create(tmp);
  write_keras3_weights(f.root(), model, true);
  write_rng_attr(f.root(), model);
  for (const auto& [k, v] : extra) f.root().set_string_attr(k, v, h5::CharSet::Utf8);
  f.close();
}

void write_legacy_weights_file(const std::string& tmp, const Model& model) {
  h5::File f = h5::File::create(tmp);
  write_legacy_weights(f.root(), model);
  f.close();
}

std::string keras_zip_weights_image(const Model& model) {
  h5::File f = h5::File::create_in_memory("model.weights.h5");
  write_keras3_weights(f.root(), model, true);
  write_rng_attr(f.root(), model);
  return f.image();
}

void write_keras_zip(const std::string& tmp, const Model& model) {
  Config metadata = {{"keras_version", kKeras3Version}, {"date_saved", date_saved()}, {"temper_version", kTemperVersion}};
  Config config = model_to_config(model);
  config["build_config"] = {{"input_shape", shape_config(model.input_shape())}};
  config["compile_config"] = compile_config(model);
  const std::string weights = keras_zip_weights_image(model);
  io::zip::write_stored(tmp, {{"metadata.json", metadata.dump()}, {"config.json", config.dump()}, {"model.weights.h5", weights}});
}

// ---- readers --------------------------------------------------------------------------------

const std::string* find_entry(const std::vector<std::pair<std::string, std::string>>& entries, const std::string& name) {
  for (const auto& [n, b] : entries)
    if (n == name) return &b;
  return nullptr;
}

struct KerasZip {
  Config config;
  std::string weights;
};

KerasZip read_keras_zip(const std::string& path) {
  io::require_regular_file(path, "a .keras model file");
  if (!io::zip::looks_like_zip(path))
    throw IOError("'" + path + "' is not a .keras file (not a zip archive)");
  const auto entries = io::zip::read_all(path);
  const std::string* cfg = find_entry(entries, "config.json");
  const std::string* w = find_entry(entries, "model.weights.h5");
  if (cfg == nullptr) throw IOError("'" + path + "' has no config.json: it is not a Keras .keras file");
  if (w == nullptr) throw IOError("'" + path + "' has no model.weights.h5: it is not a Keras .keras file");
  return {parse_json(*cfg, "config.json in '" + path + "'"), *w};
}

void check_extension(const std::string& path, const char* what, Format f) {
  if (f == Format::Unknown)
    throw ValueError(std::string(what) + ": cannot tell the format of '" + path +
                     "' from its name; use a name ending in .keras, .h5, .hdf5 or .weights.h5");
}

}  // namespace

// ---- internal API shared with the callbacks ------------------------------------------------

namespace saving_detail {

std::string keras3_layer_key(const std::string& class_name, std::map<std::string, int>& seen) {
  std::string name = to_snake_case(class_name);
  auto it = seen.find(name);
  if (it == seen.end()) {
    seen[name] = 0;
    return name;
  }
  return name + "_" + std::to_string(++it->second);
}

void save_weights_with_attrs(const Model& model, const std::string& path,
                             const std::map<std::string, std::string>& root_attrs) {
  require_built(model, "save_weights");
  h5::ErrorSilencer quiet;
  io::AtomicFile out(path);
  write_weights_h5(out.temp_path(), model, root_attrs);
  out.commit();
}

std::optional<std::string> read_root_attr(const std::string& path, const std::string& name) {
  h5::ErrorSilencer quiet;
  h5::File f = h5::File::open(path);
  if (!f.root().has_attr(name)) return std::nullopt;
  return f.root().string_attr(name);
}

}  // namespace saving_detail

// ---- public API -----------------------------------------------------------------------------

namespace {
void collect_rng(const std::vector<LayerPtr>& layers, const std::string& prefix, Config& out) {
  for (const auto& l : layers) {
    out[prefix + l->name()] = rng_pair(l->generator());
    if (const auto* sub = dynamic_cast<const Model*>(l.get())) collect_rng(sub->layers(), prefix + l->name() + "/", out);
  }
}

void apply_rng(const std::vector<LayerPtr>& layers, const std::string& prefix, const Config& state) {
  for (const auto& l : layers) {
    if (state.contains(prefix + l->name())) apply_rng_pair(l->generator(), state[prefix + l->name()]);
    if (const auto* sub = dynamic_cast<const Model*>(l.get())) apply_rng(sub->layers(), prefix + l->name() + "/", state);
  }
}
}  // namespace

Config get_rng_state(const Model& model) {
  Config layers = Config::object();
  collect_rng(model.layers(), "", layers);
  // generator() has no const overload; reading it does not change the model.
  return {{"model", rng_pair(model.generator())}, {"layers", layers}};
}

void set_rng_state(Model& model, const Config& state) {
  if (!state.is_object()) return;
  try {
    if (state.contains("model")) apply_rng_pair(model.generator(), state["model"]);
    if (state.contains("layers") && state["layers"].is_object()) apply_rng(model.layers(), "", state["layers"]);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("malformed random-stream state: ") + e.what());
  }
}

void save_model(const Model& model, const std::string& path) {
  const Format f = format_of(path);
  check_extension(path, "save_model", f);
  if (f == Format::WeightsH5)
    throw ValueError("save_model: '" + path + "' ends in .weights.h5, which holds weights only; use save_weights() "
                     "for it, or a name ending in .keras or .h5 for the whole model");
  require_built(model, "save_model");
  h5::ErrorSilencer quiet;
  io::AtomicFile out(path);
  if (f == Format::Keras) write_keras_zip(out.temp_path(), model);
  else write_legacy_full(out.temp_path(), model);
  out.commit();
}

void save_weights(const Model& model, const std::string& path) {
  const Format f = format_of(path);
  if (f != Format::WeightsH5 && f != Format::LegacyH5)
    throw ValueError("save_weights: the filename must end in `.weights.h5` (or `.h5` for the legacy tf.keras "
                     "weights-only layout). Received: filepath=" + path);
  require_built(model, "save_weights");
  h5::ErrorSilencer quiet;
  io::AtomicFile out(path);
  if (f == Format::WeightsH5) write_weights_h5(out.temp_path(), model, {});
  else write_legacy_weights_file(out.temp_path(), model);
  out.commit();
}

void load_weights(Model& model, const std::string& path) {
  const Format f = format_of(path);
  check_extension(path, "load_weights", f);
  require_built(model, "load_weights");
  h5::ErrorSilencer quiet;
  if (f == Format::Keras) {
    KerasZip z = read_keras_zip(path);
    h5::File wf = h5::File::open_image(z.weights, path + "/model.weights.h5");
    read_keras3_weights(wf.root(), model, true);
    return;
  }
  saving_detail::load_weights_h5(model, path);
}

void saving_detail::load_weights_h5(Model& model, const std::string& path) {
  h5::ErrorSilencer quiet;
  h5::File file = h5::File::open(path);
  const h5::Group& root = file.root();
  if (root.is_group("layers") || root.is_group("_layer_checkpoint_dependencies")) {
    read_keras3_weights(root, model, true);
  } else if (root.has_attr("layer_names") || root.has_attr("layer_names0")) {
    read_legacy_weights(root, model);
  } else if (root.is_group("model_weights")) {
    read_legacy_weights(root.open_group("model_weights"), model);
  } else {
    throw IOError("'" + path + "' is an HDF5 file but not a Keras weights file (no /layers group, no layer_names "
                  "attribute, no /model_weights group)");
  }
}

std::shared_ptr<Model> load_model(const std::string& path) {
  const Format f = format_of(path);
  check_extension(path, "load_model", f);
  if (f == Format::WeightsH5)
    throw ValueError("load_model: '" + path + "' is a weights-only file (.weights.h5) and holds no architecture; "
                     "build the model in code and call load_weights() instead");
  h5::ErrorSilencer quiet;
  if (f == Format::Keras) {
    KerasZip z = read_keras_zip(path);
    h5::File wf = h5::File::open_image(z.weights, path + "/model.weights.h5");
    auto model = model_from_saved_config(z.config, path, wf.largest_dataset_elements());
    require_built(*model, "load_model");
    compile_from_config(*model, z.config.value("compile_config", Config::object()), path);
    read_keras3_weights(wf.root(), *model, true);
    read_rng_attr(wf.root(), *model);
    return model;
  }
  h5::File file = h5::File::open(path);
  const h5::Group& root = file.root();
  if (!root.has_attr("model_config"))
    throw ValueError("load_model: no model config found in '" + path +
                     "' (is it a weights-only file? use load_weights() for those)");
  Config config = parse_json(root.string_attr("model_config"), "the model_config attribute of '" + path + "'");
  auto model = model_from_saved_config(config, path, file.largest_dataset_elements());
  require_built(*model, "load_model");
  if (root.has_attr("training_config"))
    compile_from_config(*model, parse_json(root.string_attr("training_config"), "the training_config of '" + path + "'"),
                        path);
  if (!root.is_group("model_weights")) throw IOError("'" + path + "' has no /model_weights group");
  read_legacy_weights(root.open_group("model_weights"), *model);
  read_legacy_optimizer(root, *model);
  read_rng_attr(root, *model);
  return model;
}

}  // namespace temper
