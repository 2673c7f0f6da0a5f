// A functional model's Keras config: writing it (Keras 3 layout) and reading it back (Keras 3
// dict nodes and tf.keras legacy list nodes).
#include <algorithm>

#include "src/graph.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/model.hpp"
#include "temper/names.hpp"

namespace temper {

namespace {

Config shape_json(const Shape& s) {
  Config a = Config::array();
  for (auto d : s) a.push_back(d < 0 ? Config(nullptr) : Config(d));
  return a;
}

Config layer_entry(const Layer& l) {
  if (const auto* m = dynamic_cast<const Model*>(&l)) return model_to_config(*m);
  return layers::serialize(l);
}

struct TensorRef {
  std::string layer;
  int node = 0;
  int tensor = 0;
};

TensorRef parse_history(const Config& h, const std::string& where) {
  if (!h.is_array() || h.size() < 3 || !h[0].is_string() || !h[1].is_number_integer() || !h[2].is_number_integer())
    throw ConfigError(where + ": expected a tensor reference [layer_name, node_index, tensor_index], got " +
                      h.dump().substr(0, 120));
  return {h[0].get<std::string>(), h[1].get<int>(), h[2].get<int>()};
}

// One node's input references, from either the Keras 3 form
// {"args": [tensor | [tensors]], "kwargs": {}} or the legacy form [[name, node, tensor, kwargs], ...].
std::vector<TensorRef> parse_node(const Config& node, const std::string& where) {
  std::vector<TensorRef> refs;
  auto from_keras_tensor = [&](const Config& t) {
    if (!t.is_object() || t.value("class_name", std::string()) != "__keras_tensor__" || !t.contains("config"))
      throw ConfigError(where + ": expected a __keras_tensor__ argument, got " + t.dump().substr(0, 120));
    refs.push_back(parse_history(t["config"].value("keras_history", Config()), where));
  };
  if (node.is_object()) {
    const Config& args = node.value("args", Config::array());
    if (!args.is_array() || args.empty()) throw ConfigError(where + ": a node needs a non-empty 'args' list");
    if (args[0].is_array())
      for (const auto& t : args[0]) from_keras_tensor(t);
    else
      from_keras_tensor(args[0]);
    return refs;
  }
  if (node.is_array()) {
    for (const auto& r : node) refs.push_back(parse_history(r, where));
    return refs;
  }
  throw ConfigError(where + ": a node must be an object (Keras 3) or a list (legacy), got " + node.dump().substr(0, 120));
}

std::vector<TensorRef> parse_endpoints(const Config& c, const std::string& where) {
  std::vector<TensorRef> out;
  if (!c.is_array() || c.empty()) throw ConfigError(where + " must be a non-empty list");
  if (c[0].is_string()) {
    out.push_back(parse_history(c, where));
  } else {
    for (const auto& e : c) out.push_back(parse_history(e, where));
  }
  return out;
}

}  // namespace

Config Model::get_config() const {
  if (!graph_) return base_config();
  const auto& g = *graph_;
  auto ref = [&](const SymbolicTensor& t) {
    const auto* node = t.value()->node.get();
    return Config::array({t.layer()->name(), g.node_index.at(node), 0});
  };
  Config ls = Config::array();
  for (const auto& l : g.layers) {
    Config e = layer_entry(*l);
    e["name"] = l->name();
    std::vector<const detail::GraphNode*> nodes;
    for (const auto& n : g.nodes)
      if (n->layer == l) nodes.push_back(n.get());
    std::sort(nodes.begin(), nodes.end(),
              [&](const detail::GraphNode* a, const detail::GraphNode* b) { return g.node_index.at(a) < g.node_index.at(b); });
    if (l->class_name() != "InputLayer" && !nodes.empty() && !nodes[0]->inputs.empty())
      e["build_config"] = {{"input_shape", shape_json(nodes[0]->inputs[0].shape())}};
    Config inbound = Config::array();
    for (const auto* n : nodes) {
      if (n->inputs.empty()) continue;
      Config args = Config::array();
      auto tensor = [&](const SymbolicTensor& t) {
        return Config{{"class_name", "__keras_tensor__"},
                      {"config", {{"shape", shape_json(t.shape())}, {"dtype", dtype_name(t.dtype())}, {"keras_history", ref(t)}}}};
      };
      if (n->inputs.size() == 1) {
        args.push_back(tensor(n->inputs[0]));
      } else {
        Config list = Config::array();
        for (const auto& t : n->inputs) list.push_back(tensor(t));
        args.push_back(list);
      }
      inbound.push_back({{"args", args}, {"kwargs", Config::object()}});
    }
    e["inbound_nodes"] = inbound;
    ls.push_back(e);
  }
  auto endpoints = [&](const std::vector<SymbolicTensor>& ts) {
    if (ts.size() == 1) return ref(ts[0]);
    Config a = Config::array();
    for (const auto& t : ts) a.push_back(ref(t));
    return a;
  };
  return {{"name", name()}, {"trainable", trainable()}, {"layers", ls},
          {"input_layers", endpoints(g.inputs)}, {"output_layers", endpoints(g.outputs)}};
}

std::shared_ptr<Model> Model::from_config(const Config& c) {
  if (!c.is_object() || !c.contains("layers") || !c["layers"].is_array())
    throw ConfigError("a functional model config needs a 'layers' list");
  const std::string model_name = c.value("name", std::string("functional"));
  struct Pending {
    LayerPtr layer;
    Config nodes;
    std::size_t next = 0;
  };
  std::vector<Pending> pending;
  std::map<std::string, std::vector<SymbolicTensor>> produced;  // layer name -> output per node
  std::vector<std::string> names;
  for (const auto& lc : c["layers"]) {
    const std::string cls = lc.value("class_name", std::string());
    LayerPtr layer = (cls == "Sequential" || cls == "Functional" || cls == "Model") ? LayerPtr(model_from_config(lc))
                                                                                     : layers::deserialize(lc);
    const std::string lname = lc.value("name", layer->name());
    if (layer->name().empty()) layer->set_name(lname);
    if (std::find(names.begin(), names.end(), layer->name()) != names.end())
      throw ConfigError("model '" + model_name + "' config lists the layer name '" + layer->name() + "' twice");
    names.push_back(layer->name());
    if (cls == "InputLayer") {
      produced[layer->name()].push_back(detail::input_tensor(layer));
      continue;
    }
    pending.push_back({layer, lc.value("inbound_nodes", Config::array()), 0});
  }
  // Layers may be listed before the layers they read from: process nodes in passes until no
  // more can be created (Keras functional_from_config).
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& p : pending) {
      while (p.next < p.nodes.size()) {
        const std::string where = "model '" + model_name + "', layer '" + p.layer->name() + "', node " + std::to_string(p.next);
        auto refs = parse_node(p.nodes[p.next], where);
        std::vector<SymbolicTensor> ins;
        for (const auto& r : refs) {
          auto it = produced.find(r.layer);
          if (it == produced.end() || r.node >= static_cast<int>(it->second.size())) break;
          if (r.tensor != 0) throw ConfigError(where + ": tensor index " + std::to_string(r.tensor) + " of layer '" + r.layer + "' (layers have one output)");
          ins.push_back(it->second[static_cast<std::size_t>(r.node)]);
        }
        if (ins.size() != refs.size()) break;
        produced[p.layer->name()].push_back(detail::call_symbolic(p.layer, ins));
        ++p.next;
        progress = true;
      }
    }
  }
  for (const auto& p : pending) {
    if (p.next < p.nodes.size()) {
      const std::string where = "model '" + model_name + "', layer '" + p.layer->name() + "'";
      std::string missing;
      for (const auto& r : parse_node(p.nodes[p.next], where)) {
        auto it = produced.find(r.layer);
        if (it == produced.end() || r.node >= static_cast<int>(it->second.size()))
          missing = std::find(names.begin(), names.end(), r.layer) == names.end()
                        ? unknown_name_message("layer", r.layer, names)
                        : "layer '" + r.layer + "' node " + std::to_string(r.node) + " is never computed (a cycle?)";
      }
      throw ConfigError(where + ": cannot compute its input: " + missing);
    }
  }
  auto lookup = [&](const std::vector<TensorRef>& refs, const char* what) {
    std::vector<SymbolicTensor> out;
    for (const auto& r : refs) {
      auto it = produced.find(r.layer);
      if (it == produced.end() || r.node >= static_cast<int>(it->second.size()))
        throw ConfigError("model '" + model_name + "': " + what + " names " + unknown_name_message("layer", r.layer, names));
      out.push_back(it->second[static_cast<std::size_t>(r.node)]);
    }
    return out;
  };
  auto ins = lookup(parse_endpoints(c.value("input_layers", Config()), "input_layers"), "input_layers");
  auto outs = lookup(parse_endpoints(c.value("output_layers", Config()), "output_layers"), "output_layers");
  auto m = std::make_shared<Model>(ins, outs, ModelOptions{model_name, std::nullopt});
  if (c.contains("trainable") && c["trainable"].is_boolean() && !c["trainable"].get<bool>()) m->set_trainable(false);
  return m;
}

}  // namespace temper
