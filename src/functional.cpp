// The functional API: symbolic tensors, layer calls on them, and graph validation/execution.
#include <algorithm>
#include <atomic>
#include <set>

#include "src/graph.hpp"
#include "temper/error.hpp"
#include "temper/layers/input_layer.hpp"

namespace temper {

// ---- SymbolicTensor ---------------------------------------------------------------------
namespace {
const detail::SymbolicValue& checked(const std::shared_ptr<detail::SymbolicValue>& v) {
  if (!v) throw StateError("use of an undefined SymbolicTensor (create inputs with temper::Input)");
  return *v;
}

// Creation order of graph nodes; only used to number a shared layer's calls in the order they
// were made (Keras's node_index), never to make a decision.
std::atomic<std::uint64_t> node_sequence{0};

std::shared_ptr<detail::GraphNode> new_node(LayerPtr layer, std::vector<SymbolicTensor> inputs) {
  auto n = std::make_shared<detail::GraphNode>();
  n->layer = std::move(layer);
  n->inputs = std::move(inputs);
  n->sequence = node_sequence.fetch_add(1, std::memory_order_relaxed);
  return n;
}
}  // namespace

const Shape& SymbolicTensor::shape() const { return checked(v_).shape; }
DType SymbolicTensor::dtype() const { return checked(v_).dtype; }
LayerPtr SymbolicTensor::layer() const { return checked(v_).node->layer; }
std::string SymbolicTensor::describe() const {
  const auto& v = checked(v_);
  std::string s = v.node->layer->name().empty() ? v.node->layer->class_name() : v.node->layer->name();
  s += " ";
  s += shape_to_string(v.shape);
  return s;
}

SymbolicTensor Input(const Shape& shape, const InputOptions& options) {
  auto layer = std::make_shared<layers::InputLayer>(
      layers::InputLayer::Options{shape, options.batch_size, options.dtype, options.name});
  auto v = std::make_shared<detail::SymbolicValue>();
  v->shape = layer->batch_shape();
  v->dtype = options.dtype;
  v->node = new_node(layer, {});
  return SymbolicTensor(v);
}

namespace detail {
SymbolicTensor input_tensor(const LayerPtr& input_layer) {
  auto in = std::dynamic_pointer_cast<layers::InputLayer>(input_layer);
  if (!in) throw ValueError("input_tensor: layer " + input_layer->name() + " is not an InputLayer");
  auto v = std::make_shared<SymbolicValue>();
  v->shape = in->batch_shape();
  v->dtype = in->dtype();
  v->node = new_node(in, {});
  return SymbolicTensor(v);
}
}  // namespace detail

SymbolicTensor Input(const Shape& shape, const std::string& name) {
  return Input(shape, InputOptions{name, DType::Float32, std::nullopt});
}

// ---- calling a layer on symbolic tensors ------------------------------------------------------
SymbolicTensor Layer::operator()(const SymbolicTensor& x) & { return (*this)(std::vector<SymbolicTensor>{x}); }
SymbolicTensor Layer::operator()(const SymbolicTensor& x) && {
  return detail::call_symbolic(move_into_shared(), {x});
}
SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& xs) & {
  LayerPtr self = weak_from_this().lock();
  if (!self)
    throw StateError(describe() + " is called on a symbolic tensor but is not owned by a "
                     "shared_ptr, so the graph cannot keep it. Create it with "
                     "temper::make_layer<" + class_name() + ">(...) (to share it between call "
                     "sites) or call a temporary: layers::" + class_name() + "(...)(x).");
  return detail::call_symbolic(self, xs);
}
SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& xs) && {
  return detail::call_symbolic(move_into_shared(), xs);
}

namespace detail {

SymbolicTensor call_symbolic(const LayerPtr& layer, const std::vector<SymbolicTensor>& inputs) {
  const std::string who = LayerAccess::describe(*layer);
  if (inputs.empty()) throw ValueError(who + " was called on an empty list of symbolic tensors");
  if (layer->class_name() == "InputLayer")
    throw ValueError(who + " cannot be called on tensors; use temper::Input(shape) to create inputs");
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined())
      throw ValueError(who + " was called on an undefined symbolic tensor (input " + std::to_string(i) + ")");
    shapes.push_back(inputs[i].shape());
  }
  // Infer (and so check) the output shape now, so that a misfit is reported where the layer
  // is called. Building waits for the model, which seeds every layer's weights.
  Shape out;
  if (shapes.size() == 1) {
    layer->check_input_shape(shapes[0]);
    out = layer->compute_output_shape(shapes[0]);
  } else {
    out = layer->compute_output_shape_multi(shapes);
  }
  auto v = std::make_shared<SymbolicValue>();
  v->shape = std::move(out);
  v->dtype = DType::Float32;
  v->node = new_node(layer, inputs);
  return SymbolicTensor(v);
}

// ---- graph construction (Keras functional.py map_graph) --------------------------------------
namespace {

std::string layer_label(const LayerPtr& l) {
  return "'" + (l->name().empty() ? l->class_name() : l->name()) + "' (" + l->class_name() + ")";
}

struct MapState {
  std::set<const GraphNode*> finished, in_progress;
  std::vector<std::shared_ptr<GraphNode>> decreasing_depth;
  std::map<const Layer*, int> layer_index;
  std::set<const SymbolicValue*> inputs;
};

void build_map(MapState& st, const SymbolicTensor& t) {
  const auto& node = t.value()->node;
  if (st.finished.count(node.get())) return;
  if (st.in_progress.count(node.get()))
    throw ValueError("the graph has a cycle: the output of layer " + layer_label(node->layer) +
                     " is one of its own inputs");
  st.layer_index.emplace(node->layer.get(), static_cast<int>(st.layer_index.size()));
  st.in_progress.insert(node.get());
  if (!st.inputs.count(t.value().get()))
    for (const auto& x : node->inputs) build_map(st, x);
  st.finished.insert(node.get());
  st.in_progress.erase(node.get());
  st.decreasing_depth.push_back(node);
}

}  // namespace

std::shared_ptr<Graph> build_graph(const std::vector<SymbolicTensor>& inputs,
                                   const std::vector<SymbolicTensor>& outputs,
                                   const std::string& model_name) {
  const std::string where = " (model '" + model_name + "')";
  if (inputs.empty()) throw ValueError("a functional model needs at least one input" + where);
  if (outputs.empty()) throw ValueError("a functional model needs at least one output" + where);
  MapState st;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw ValueError("input " + std::to_string(i) + " is undefined" + where);
    if (inputs[i].layer()->class_name() != "InputLayer")
      throw ValueError("model inputs must come from temper::Input(), but input " + std::to_string(i) +
                       " is the output of layer " + layer_label(inputs[i].layer()) + where);
    if (!st.inputs.insert(inputs[i].value().get()).second)
      throw ValueError("input " + layer_label(inputs[i].layer()) + " is listed twice" + where);
  }
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].defined()) throw ValueError("output " + std::to_string(i) + " is undefined" + where);
  for (const auto& o : outputs) build_map(st, o);

  // Depths: outputs are at depth 0, a node's parents one deeper (Keras map_graph).
  std::map<const GraphNode*, int> node_depth;
  std::map<const Layer*, int> layer_depth;
  std::map<const GraphNode*, std::shared_ptr<GraphNode>> owner;
  for (auto it = st.decreasing_depth.rbegin(); it != st.decreasing_depth.rend(); ++it) {
    const GraphNode* node = it->get();
    owner[node] = *it;
    int depth = node_depth[node];
    depth = std::max(depth, layer_depth[node->layer.get()]);
    layer_depth[node->layer.get()] = depth;
    node_depth[node] = depth;
    for (const auto& x : node->inputs) {
      const GraphNode* parent = x.value()->node.get();
      node_depth[parent] = std::max(depth + 1, node_depth.count(parent) ? node_depth[parent] : 0);
    }
  }
  for (const auto& in : inputs) {
    if (!node_depth.count(in.value()->node.get()))
      throw ValueError("input " + layer_label(in.layer()) + " is not connected to any output" + where +
                       ": every input must be used to compute at least one output");
  }

  auto g = std::make_shared<Graph>();
  g->inputs = inputs;
  g->outputs = outputs;
  int max_depth = 0;
  for (const auto& [n, d] : node_depth) max_depth = std::max(max_depth, d);
  for (int d = max_depth; d >= 0; --d) {
    // Within a depth, keep the order of the traversal (reverse of decreasing_depth).
    std::vector<std::shared_ptr<GraphNode>> at;
    for (auto it = st.decreasing_depth.rbegin(); it != st.decreasing_depth.rend(); ++it)
      if (node_depth[it->get()] == d) at.push_back(*it);
    std::reverse(at.begin(), at.end());
    for (auto& n : at) g->nodes.push_back(n);
    std::vector<LayerPtr> layers_at;
    for (const auto& n : at)
      if (layer_depth[n->layer.get()] == d &&
          std::find(layers_at.begin(), layers_at.end(), n->layer) == layers_at.end())
        layers_at.push_back(n->layer);
    std::sort(layers_at.begin(), layers_at.end(), [&](const LayerPtr& a, const LayerPtr& b) {
      return st.layer_index[a.get()] < st.layer_index[b.get()];
    });
    for (auto& l : layers_at)
      if (std::find(g->layers.begin(), g->layers.end(), l) == g->layers.end()) g->layers.push_back(l);
  }

  // Every tensor a node reads must be computable from the inputs ("graph disconnected").
  std::set<const SymbolicValue*> computable(st.inputs.begin(), st.inputs.end());
  std::vector<std::string> ok_layers;
  for (const auto& n : g->nodes) {
    if (n->layer->class_name() == "InputLayer") {
      bool is_input = false;
      for (const auto& in : inputs) is_input = is_input || in.value()->node == n;
      if (!is_input)
        throw ValueError("graph disconnected: layer " + layer_label(n->layer) +
                         " is an input of the graph but is not listed in the model's inputs" + where);
      continue;
    }
    for (const auto& x : n->inputs) {
      if (!computable.count(x.value().get())) {
        std::string seen;
        for (const auto& s : ok_layers) seen += (seen.empty() ? "" : ", ") + s;
        throw ValueError("graph disconnected: cannot compute the input of layer " + layer_label(n->layer) +
                         " from the model's inputs; it comes from " + layer_label(x.layer()) +
                         ". Layers reached without issue: [" + seen + "]" + where);
      }
    }
    ok_layers.push_back(n->layer->name().empty() ? n->layer->class_name() : n->layer->name());
    // The output value of a node is found through the consumers' references.
    for (const auto& m : g->nodes)
      for (const auto& x : m->inputs)
        if (x.value()->node == n) computable.insert(x.value().get());
    for (const auto& o : outputs)
      if (o.value()->node == n) computable.insert(o.value().get());
  }

  // Node numbering per layer, in call order, counting this model's nodes only.
  std::map<const Layer*, std::vector<const GraphNode*>> by_layer;
  for (const auto& n : g->nodes) by_layer[n->layer.get()].push_back(n.get());
  for (auto& [l, ns] : by_layer) {
    std::sort(ns.begin(), ns.end(), [](const GraphNode* a, const GraphNode* b) { return a->sequence < b->sequence; });
    for (std::size_t i = 0; i < ns.size(); ++i) g->node_index[ns[i]] = static_cast<int>(i);
  }

  // Summary layout: a chain with one node per depth, one input each, no shared layers.
  for (int d = max_depth; d >= 0; --d) {
    int count = 0;
    for (const auto& n : g->nodes)
      if (node_depth[n.get()] == d) {
        ++count;
        if (n->inputs.size() > 1) g->sequential_like = false;
      }
    if (count > 1) g->sequential_like = false;
  }
  for (const auto& [l, ns] : by_layer)
    if (ns.size() > 1) g->sequential_like = false;

  // Execution plan: one slot per value, released after its last reader.
  std::map<const SymbolicValue*, int> slot;
  auto slot_of = [&](const SymbolicValue* v) {
    auto it = slot.find(v);
    if (it != slot.end()) return it->second;
    const int s = g->num_slots++;
    slot[v] = s;
    return s;
  };
  for (const auto& in : inputs) g->input_slots.push_back(slot_of(in.value().get()));
  // The symbolic value each node produces: any reference to it (consumer input or output).
  std::map<const GraphNode*, const SymbolicValue*> value_of;
  for (const auto& n : g->nodes)
    for (const auto& x : n->inputs) value_of[x.value()->node.get()] = x.value().get();
  for (const auto& o : outputs) value_of[o.value()->node.get()] = o.value().get();
  std::map<int, std::size_t> last_use;
  for (const auto& n : g->nodes) {
    if (n->layer->class_name() == "InputLayer") continue;
    Graph::Step step;
    step.node = n.get();
    for (const auto& x : n->inputs) step.in.push_back(slot_of(x.value().get()));
    step.out = slot_of(value_of.at(n.get()));
    for (int s : step.in) last_use[s] = g->steps.size();
    g->steps.push_back(std::move(step));
  }
  for (const auto& o : outputs) g->output_slots.push_back(slot_of(o.value().get()));
  std::set<int> keep(g->output_slots.begin(), g->output_slots.end());
  for (const auto& [s, i] : last_use)
    if (!keep.count(s)) g->steps[i].release.push_back(s);
  return g;
}

std::vector<Tensor> run_graph(const Graph& g, const std::vector<Tensor>& inputs, bool training) {
  std::vector<Tensor> slots(static_cast<std::size_t>(g.num_slots));
  for (std::size_t i = 0; i < inputs.size(); ++i) slots[static_cast<std::size_t>(g.input_slots[i])] = inputs[i];
  std::vector<Tensor> args;
  for (const auto& step : g.steps) {
    Layer& layer = *step.node->layer;
    Tensor out;
    if (step.in.size() == 1) {
      out = layer(slots[static_cast<std::size_t>(step.in[0])], training);
    } else {
      args.clear();
      for (int s : step.in) args.push_back(slots[static_cast<std::size_t>(s)]);
      out = layer(args, training);
    }
    // Forward activations are dropped as soon as no later layer reads them; what the
    // backward pass needs is held by the autograd graph and released as it runs.
    for (int s : step.release) slots[static_cast<std::size_t>(s)] = Tensor();
    slots[static_cast<std::size_t>(step.out)] = std::move(out);
  }
  std::vector<Tensor> outs;
  for (int s : g.output_slots) outs.push_back(slots[static_cast<std::size_t>(s)]);
  return outs;
}

std::vector<Shape> infer_graph_shapes(const Graph& g, const std::vector<Shape>& input_shapes) {
  std::vector<Shape> slots(static_cast<std::size_t>(g.num_slots));
  for (std::size_t i = 0; i < input_shapes.size(); ++i) {
    g.inputs[i].layer()->check_input_shape(input_shapes[i]);
    slots[static_cast<std::size_t>(g.input_slots[i])] = input_shapes[i];
  }
  for (const auto& step : g.steps) {
    const Layer& layer = *step.node->layer;
    std::vector<Shape> in;
    for (int s : step.in) in.push_back(slots[static_cast<std::size_t>(s)]);
    if (in.size() == 1) {
      layer.check_input_shape(in[0]);
      slots[static_cast<std::size_t>(step.out)] = layer.compute_output_shape(in[0]);
    } else {
      slots[static_cast<std::size_t>(step.out)] = layer.compute_output_shape_multi(in);
    }
  }
  std::vector<Shape> outs;
  for (int s : g.output_slots) outs.push_back(slots[static_cast<std::size_t>(s)]);
  return outs;
}

}  // namespace detail
}  // namespace temper
