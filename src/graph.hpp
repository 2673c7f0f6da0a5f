// graph.hpp — the functional model's layer graph: validation, ordering, execution plan
// (internal to src/).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "temper/functional.hpp"
#include "temper/layer.hpp"

namespace temper::detail {

/// Reaches the parts of Layer that only the engine may touch.
struct LayerAccess {
  static void set_built(Layer& l, const Shape& s) { l.set_built(s); }
  static std::string describe(const Layer& l) { return l.describe(); }
};

/// A validated functional graph (Keras: Functional's _nodes_by_depth / _operations).
struct Graph {
  std::vector<SymbolicTensor> inputs, outputs;
  /// Every node (input nodes included) in execution order: decreasing depth, as Keras.
  std::vector<std::shared_ptr<GraphNode>> nodes;
  /// Unique layers in Keras's model.layers order (by depth from the inputs, then by the
  /// order the traversal from the outputs first met them); InputLayers included.
  std::vector<LayerPtr> layers;
  /// Index of a node among its layer's nodes in this graph (Keras renumbers node indices to
  /// count only the model's own nodes).
  std::map<const GraphNode*, int> node_index;
  /// Whether summary() uses the plain layout (a chain with no shared layers).
  bool sequential_like = true;

  // Execution plan: each value lives in a slot, freed after its last use.
  struct Step {
    const GraphNode* node = nullptr;
    std::vector<int> in;
    int out = -1;
    std::vector<int> release;  // slots whose last reader is this step
  };
  std::vector<Step> steps;
  std::vector<int> input_slots, output_slots;
  int num_slots = 0;
};

/// Validates and orders the graph between `inputs` and `outputs` (Keras map_graph). Errors
/// name the layers involved.
std::shared_ptr<Graph> build_graph(const std::vector<SymbolicTensor>& inputs,
                                   const std::vector<SymbolicTensor>& outputs,
                                   const std::string& model_name);

/// Runs the graph on concrete inputs (in input order); returns the outputs in output order.
std::vector<Tensor> run_graph(const Graph& g, const std::vector<Tensor>& inputs, bool training);

/// Output shapes of the graph for the given input shapes (batch axis included).
std::vector<Shape> infer_graph_shapes(const Graph& g, const std::vector<Shape>& input_shapes);

/// The symbolic tensor of an existing InputLayer (used when a config is loaded).
SymbolicTensor input_tensor(const LayerPtr& input_layer);

/// Records a call of `layer` on symbolic inputs: checks and infers the output shape without
/// building the layer (the model builds it with its own seeded stream).
SymbolicTensor call_symbolic(const LayerPtr& layer, const std::vector<SymbolicTensor>& inputs);

}  // namespace temper::detail
