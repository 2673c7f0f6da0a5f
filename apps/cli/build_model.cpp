// build_model.cpp — config sections to models, optimizers, losses, metrics and callbacks.
#include "cli/build_model.hpp"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "temper/callbacks/registry.hpp"
#include "temper/error.hpp"
#include "temper/functional.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/layers.hpp"
#include "temper/losses.hpp"
#include "temper/metrics.hpp"
#include "temper/names.hpp"
#include "temper/optimizers.hpp"
#include "temper/saving.hpp"

namespace temper::cli {

namespace fs = std::filesystem;

namespace {

// Throws the ConfigIssue for an argument error raised while reading `args`: at the deepest
// field of the argument's path that the YAML has ("model.layers[2].Dense.units"), at the key
// itself when the key is unknown.
[[noreturn]] void fail_at_argument(const Field& args, const ArgumentError& e) {
  Field f = args;
  const std::string& path = e.path();
  std::size_t i = 0;
  bool at_leaf = true;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const auto close = path.find(']', i);
      const std::size_t index = std::stoul(path.substr(i + 1, close - i - 1));
      if (!f.is_list() || index >= f.size()) {
        at_leaf = false;
        break;
      }
      f = f.item(index);
      i = close + 1;
      continue;
    }
    const auto end = path.find_first_of(".[", i);
    const std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    // A nested object's Keras "config" is, in the YAML, the mapping under its class name
    // ({ExponentialDecay: {decay_rate: ...}}).
    if (key == "config" && f.is_map() && !f[key].node().IsDefined() && f.keys().size() == 1) {
      f = f[f.keys().front()];
      i = end == std::string::npos ? path.size() : end;
      continue;
    }
    if (!f.is_map() || !f[key].node().IsDefined()) {
      at_leaf = false;
      break;
    }
    f = f[key];
    i = end == std::string::npos ? path.size() : end;
  }
  if (e.unknown_key() && at_leaf) f.fail_at_key(e.detail());
  f.fail(at_leaf ? e.detail() : e.what());
}

// Creates an object from the arguments mapping `args` through `make(args_json)`; every error
// becomes a ConfigIssue at the argument it concerns (the readers are strict: unknown keys,
// wrong types and bad values all name their argument).
template <class Make>
auto checked_create(const Field& args, const std::string& cls, Make make,
                    const std::vector<std::string>& strip = {}) -> decltype(make(Config())) {
  Config a = args.present() ? args.as_json() : Config::object();
  if (!a.is_object()) args.wrong_type("a mapping of " + cls + " arguments");
  for (const auto& k : strip) a.erase(k);
  try {
    return make(a);
  } catch (const ConfigIssue&) {
    throw;
  } catch (const ArgumentError& e) {
    fail_at_argument(args, e);
  } catch (const Error& e) {
    args.fail(e.what());
  }
}

bool is_input_class(const std::string& cls) { return cls == "Input" || cls == "InputLayer"; }

Shape shape_of(const Field& f) {
  if (f.is_scalar()) {
    const auto v = f.as_json();
    if (v.is_number_integer()) return {v.get<std::int64_t>()};
  }
  const auto s = f.as_int_list();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] <= 0) f.item(i).fail("extents must be positive integers");
  return s;
}

LayerPtr make_layer_checked(const NamedSpec& spec, const std::vector<std::string>& strip) {
  const auto known = layers::registered_layers();
  if (std::find(known.begin(), known.end(), spec.class_name) == known.end()) {
    auto names = known;
    names.push_back("Input");
    spec.where.fail(unknown_name_message("layer", spec.class_name, names));
  }
  const std::string cls = spec.class_name;
  return checked_create(
      spec.args, cls,
      [&](const Config& a) { return layers::deserialize({{"class_name", cls}, {"config", a}}, ConfigSource::user); },
      strip);
}

std::shared_ptr<Model> build_sequential(const Field& model, std::optional<Shape> input_shape, std::uint64_t seed) {
  const Field list = model["layers"];
  if (!list.is_list() || list.size() == 0) list.wrong_type("a non-empty list of layers");
  std::vector<std::pair<LayerPtr, Field>> built;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Field item = list.item(i);
    const NamedSpec spec = named_spec(item, "layer");
    if (is_input_class(spec.class_name)) {
      if (i != 0) item.fail("an Input layer may only come first");
      spec.args.allow_only({"shape", "name", "batch_shape"});
      if (spec.args["shape"].present()) input_shape = shape_of(spec.args["shape"]);
      else if (spec.args["batch_shape"].present()) {
        auto s = spec.args["batch_shape"].as_json();
        Shape sh;
        for (std::size_t j = 1; j < s.size(); ++j) sh.push_back(s[j].get<std::int64_t>());
        input_shape = sh;
      } else {
        spec.args.fail("missing key 'shape' (the per-sample input shape, e.g. [28, 28])");
      }
      continue;
    }
    const bool first = built.empty();
    if (first && spec.args.present() && spec.args.is_map() && spec.args["input_shape"].present())
      input_shape = shape_of(spec.args["input_shape"]);
    LayerPtr layer = make_layer_checked(spec, first ? std::vector<std::string>{"input_shape"} : std::vector<std::string>{});
    built.emplace_back(layer, item);
  }
  Sequential::Options opt;
  opt.name = model.get_string("name", "sequential");
  opt.seed = seed;
  auto seq = std::make_shared<Sequential>(std::vector<LayerRef>{}, opt);
  if (input_shape) seq->add(layers::Input(*input_shape));
  for (auto& [layer, item] : built) {
    try {
      seq->add(layer);
    } catch (const ConfigIssue&) {
      throw;
    } catch (const Error& e) {
      item.fail(e.what());
    }
  }
  return seq;
}

std::shared_ptr<Model> build_functional(const Field& model, const std::optional<Shape>& data_shape, std::uint64_t seed) {
  const Field ins = model["inputs"];
  std::map<std::string, SymbolicTensor> env;
  std::vector<SymbolicTensor> inputs;
  if (!ins.present()) {
    if (!data_shape) ins.fail("missing: name the model inputs and their shapes, e.g. inputs: {image: [28, 28]}");
    inputs.push_back(Input(*data_shape, "input"));
    env["input"] = inputs.back();
  } else if (ins.is_map()) {
    for (const auto& name : ins.keys()) {
      inputs.push_back(Input(shape_of(ins[name]), name));
      env[name] = inputs.back();
    }
  } else {
    ins.wrong_type("a mapping of input names to shapes, e.g. {image: [28, 28]}");
  }
  const Field list = model["layers"];
  if (!list.is_list() || list.size() == 0) list.wrong_type("a non-empty list of layers");
  SymbolicTensor prev = inputs.size() == 1 ? inputs[0] : SymbolicTensor();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Field item = list.item(i);
    const NamedSpec spec = named_spec(item, "layer");
    if (is_input_class(spec.class_name)) item.fail("declare the inputs of a functional model under model.inputs");
    LayerPtr layer = make_layer_checked(spec, {"inputs"});
    std::vector<SymbolicTensor> args;
    const Field from = spec.args.present() && spec.args.is_map() ? spec.args["inputs"] : Field(nullptr, YAML::Node(), "");
    if (from.present()) {
      const auto names = from.as_string_list();
      for (std::size_t j = 0; j < names.size(); ++j) {
        auto it = env.find(names[j]);
        if (it == env.end()) {
          std::vector<std::string> known;
          for (const auto& [k, v] : env) known.push_back(k);
          (from.is_list() ? from.item(j) : from)
              .fail(unknown_name_message("layer or input", names[j], known) +
                    " (a layer's inputs must be model inputs or layers listed before it)");
        }
        args.push_back(it->second);
      }
    } else {
      if (!prev.defined()) item.fail("say which tensors this layer takes: inputs: <name> or [<name>, ...]");
      args.push_back(prev);
    }
    SymbolicTensor out;
    try {
      out = args.size() == 1 ? (*layer)(args[0]) : (*layer)(args);
    } catch (const ConfigIssue&) {
      throw;
    } catch (const Error& e) {
      item.fail(e.what());
    }
    if (!layer->name().empty()) env[layer->name()] = out;
    prev = out;
  }
  std::vector<SymbolicTensor> outputs;
  const Field outs = model["outputs"];
  if (outs.present()) {
    const auto names = outs.as_string_list();
    for (std::size_t j = 0; j < names.size(); ++j) {
      auto it = env.find(names[j]);
      if (it == env.end()) {
        std::vector<std::string> known;
        for (const auto& [k, v] : env) known.push_back(k);
        (outs.is_list() ? outs.item(j) : outs).fail(unknown_name_message("layer", names[j], known));
      }
      outputs.push_back(it->second);
    }
  } else {
    outputs.push_back(prev);
  }
  ModelOptions mo;
  mo.name = model.get_string("name", "functional");
  mo.seed = seed;
  try {
    return std::make_shared<Model>(inputs, outputs, mo);
  } catch (const Error& e) {
    model.fail(e.what());
  }
}

std::string read_text_file(const Field& f, const fs::path& path) {
  try {
    io::require_regular_file(path, "a text file");
  } catch (const Error& e) {
    f.fail(e.what());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) f.fail("cannot open " + quote(path.string()) + " (no such file or not readable)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path model_path(const Field& f, const fs::path& base) {
  const fs::path p = f.as_string();
  if (p.is_absolute() || !f.location().override_arg.empty()) return p;
  return base / p;
}

// Turns a YAML `{ExponentialDecay: {...}}` learning rate into Keras's serialized form.
Config serialized_form(const Config& v) {
  if (v.is_object() && v.size() == 1 && !v.contains("class_name")) {
    const auto it = v.begin();
    return {{"class_name", it.key()}, {"config", it.value().is_null() ? Config::object() : it.value()}};
  }
  return v;
}

}  // namespace

NamedSpec named_spec(const Field& item, const std::string& what) {
  if (item.is_scalar()) {
    const std::string cls = item.as_string();
    return {cls, Field(item.document(), YAML::Node(YAML::NodeType::Undefined), join_path(item.path(), cls)), item};
  }
  if (!item.is_map())
    item.wrong_type("a " + what + " written as `ClassName: {arguments}` or `ClassName`");
  const auto keys = item.keys();
  if (keys.size() == 2 && item["class_name"].present() && item["config"].node().IsDefined())
    return {item["class_name"].as_string(), item["config"], item};
  if (keys.size() != 1) {
    std::string found;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i) found += ", ";
      found += keys[i];
    }
    item.fail("a " + what + " is one key, its class name, holding its arguments (`Dense: {units: 10}`); found " +
              std::to_string(keys.size()) + " keys (" + found + "). Are the arguments indented under the class name?");
  }
  return {keys[0], item[keys[0]], item};
}

bool declares_input_shape(const Field& model) {
  if (model["json"].present() || model["load"].present() || model["inputs"].present() || model["input_shape"].present())
    return true;
  const Field list = model["layers"];
  if (!list.is_list() || list.size() == 0) return false;
  const Field first = list.item(0);
  if (first.is_scalar()) return is_input_class(first.as_string());
  if (!first.is_map() || first.keys().size() != 1) return false;
  const std::string cls = first.keys()[0];
  if (is_input_class(cls)) return true;
  const Field args = first[cls];
  return args.present() && args.is_map() && args["input_shape"].present();
}

std::shared_ptr<Model> build_model(const Field& model, const std::optional<Shape>& input_shape,
                                   const fs::path& base_dir, std::uint64_t seed) {
  if (!model.present()) model.fail("missing section: describe the model (layers:, json: or load:)");
  if (!model.is_map()) model.wrong_type("a mapping (layers:, inputs:/outputs:, json: or load:)");
  model.allow_only({"name", "input_shape", "layers", "inputs", "outputs", "json", "load", "weights"});
  int forms = 0;
  for (const auto& k : {"layers", "json", "load"}) forms += model[k].present() ? 1 : 0;
  if (forms != 1) model.fail("give exactly one of layers:, json: or load:");
  std::shared_ptr<Model> m;
  if (model["json"].present()) {
    const fs::path p = model_path(model["json"], base_dir);
    const std::string text = read_text_file(model["json"], p);
    try {
      m = model_from_json(text);
    } catch (const Error& e) {
      model["json"].fail(quote(p.string()) + ": " + e.what());
    }
  } else if (model["load"].present()) {
    const fs::path p = model_path(model["load"], base_dir);
    if (!fs::exists(p)) model["load"].fail(quote(p.string()) + ": no such file");
    try {
      m = load_model(p.string());
    } catch (const Error& e) {
      model["load"].fail(e.what());
    }
  } else {
    std::optional<Shape> shape = input_shape;
    if (model["input_shape"].present()) shape = shape_of(model["input_shape"]);
    const bool functional = model["inputs"].present() || model["outputs"].present();
    m = functional ? build_functional(model, shape, seed) : build_sequential(model, shape, seed);
  }
  if (model["weights"].present()) {
    const fs::path p = model_path(model["weights"], base_dir);
    try {
      load_weights(*m, p.string());
    } catch (const Error& e) {
      model["weights"].fail(e.what());
    }
  }
  return m;
}

void compile_model(Model& model, const Field& compile) {
  if (!compile.present()) {
    if (model.compiled()) return;
    compile.fail("missing section: add compile: {optimizer: adam, loss: ..., metrics: [...]}");
  }
  compile.allow_only({"optimizer", "loss", "metrics", "weighted_metrics"});
  // Optimizer.
  optimizers::OptimizerPtr opt;
  const Field of = compile["optimizer"];
  if (!of.present()) {
    opt = optimizers::get("rmsprop");
  } else if (of.is_scalar()) {
    try {
      opt = optimizers::get(of.as_string());
    } catch (const Error& e) {
      of.fail(e.what());
    }
  } else {
    const NamedSpec spec = named_spec(of, "optimizer");
    const std::string cls = spec.class_name;
    try {
      (void)optimizers::from_config(cls, Config::object());
    } catch (const UnknownNameError& e) {
      spec.where.fail(e.what());
    } catch (const Error&) {
    }
    opt = checked_create(spec.args, cls, [&](const Config& a) {
      Config c = a;
      if (c.contains("learning_rate")) c["learning_rate"] = serialized_form(c["learning_rate"]);
      return optimizers::from_config(cls, c, ConfigSource::user);
    });
  }
  // Loss.
  const Field lf = compile["loss"];
  if (!lf.present()) compile.fail("missing key 'loss' (e.g. loss: sparse_categorical_crossentropy)");
  std::optional<LossArg> loss;
  if (lf.is_scalar()) {
    const std::string name = lf.as_string();
    if (name != "crossentropy" && name != "ce") {
      try {
        (void)losses::get(name);
      } catch (const Error& e) {
        lf.fail(e.what());
      }
    }
    loss.emplace(name);
  } else {
    const NamedSpec spec = named_spec(lf, "loss");
    const std::string cls = spec.class_name;
    try {
      (void)losses::from_config(Config{{"class_name", cls}, {"config", Config::object()}});
    } catch (const UnknownNameError& e) {
      spec.where.fail(e.what());
    } catch (const Error&) {
    }
    loss.emplace(checked_create(spec.args, cls, [&](const Config& a) {
      return losses::from_config(Config{{"class_name", cls}, {"config", a}}, ConfigSource::user);
    }));
  }
  // Metrics.
  const auto read_metrics = [](const Field& mf) {
    std::vector<MetricArg> out;
    if (!mf.present()) return out;
    if (!mf.is_list()) mf.wrong_type("a list of metrics, e.g. [accuracy]");
    for (std::size_t i = 0; i < mf.size(); ++i) {
      const Field item = mf.item(i);
      if (item.is_scalar()) {
        const std::string name = item.as_string();
        static const std::vector<std::string> resolved = {"accuracy", "acc", "crossentropy", "ce"};
        if (std::find(resolved.begin(), resolved.end(), name) == resolved.end()) {
          try {
            (void)metrics::get(name);
          } catch (const Error& e) {
            item.fail(e.what());
          }
        }
        out.emplace_back(name);
        continue;
      }
      const NamedSpec spec = named_spec(item, "metric");
      const std::string cls = spec.class_name;
      try {
        (void)metrics::from_config(Config{{"class_name", cls}, {"config", Config::object()}});
      } catch (const UnknownNameError& e) {
        spec.where.fail(e.what());
      } catch (const Error&) {
      }
      out.emplace_back(checked_create(spec.args, cls, [&](const Config& a) {
        return metrics::from_config(Config{{"class_name", cls}, {"config", a}}, ConfigSource::user);
      }));
    }
    return out;
  };
  auto ms = read_metrics(compile["metrics"]);
  CompileOptions co;
  co.weighted_metrics = read_metrics(compile["weighted_metrics"]);
  try {
    model.compile(opt, *loss, ms, co);
  } catch (const Error& e) {
    compile.fail(e.what());
  }
}

std::vector<CallbackPtr> build_callbacks(const Field& cbs, const fs::path& run_dir) {
  std::vector<CallbackPtr> out;
  if (!cbs.present()) return out;
  if (!cbs.is_list()) cbs.wrong_type("a list of callbacks, e.g. [EarlyStopping: {patience: 3}]");
  for (std::size_t i = 0; i < cbs.size(); ++i) {
    const Field item = cbs.item(i);
    const NamedSpec spec = named_spec(item, "callback");
    Config args = spec.args.present() ? spec.args.as_json() : Config::object();
    if (!args.is_object()) spec.args.wrong_type("a mapping of " + spec.class_name + " arguments");
    for (const auto& k : {"filepath", "filename", "backup_dir"}) {
      if (args.contains(k) && args[k].is_string() && fs::path(args[k].get<std::string>()).is_relative())
        args[k] = (run_dir / args[k].get<std::string>()).string();
    }
    try {
      out.push_back(callbacks::create(spec.class_name, args));
    } catch (const ArgumentError& e) {
      fail_at_argument(spec.args, e);
    } catch (const UnknownNameError& e) {
      item.fail(e.what());
    } catch (const Error& e) {
      (spec.args.present() ? spec.args : item).fail(e.what());
    }
  }
  return out;
}

}  // namespace temper::cli
