// The functional model's graph side (Keras: keras.src.models.functional): construction and
// validation of the layer graph, layers, input/output names and shapes, building and the
// forward pass. The trainer (compile, fit, ...) is in src/trainers/.
#include <random>

#include "src/graph.hpp"
#include "temper/error.hpp"
#include "temper/model.hpp"
#include "temper/names.hpp"

namespace temper {

namespace {
std::uint64_t fresh_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

Shape symbolic_shape(const Tensor& t) {
  Shape s = t.shape();
  if (!s.empty()) s[0] = -1;
  return s;
}
}  // namespace


Model::Model(std::string name, std::optional<std::uint64_t> seed) : Layer(std::move(name)) {
  set_generator(Generator(seed ? *seed : fresh_seed()));
}

Model::Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
             ModelOptions options)
    : Model(options.name, options.seed) {
  graph_ = detail::build_graph(inputs, outputs, this->name());
  // Name unnamed layers (dense, dense_1, ...), reject duplicates, seed and build each layer
  // in execution order with the shapes the graph inferred.
  std::vector<LayerPtr> seen;
  for (const auto& l : graph_->layers) {
    adopt_layer(*l, seen);  // InputLayers become input_layer, input_layer_1, ... as in Keras
    seen.push_back(l);
  }
  for (const auto& node : graph_->nodes) {
    Layer& layer = *node->layer;
    if (layer.built()) continue;
    std::vector<Shape> shapes;
    for (const auto& x : node->inputs) shapes.push_back(x.shape());
    if (shapes.size() == 1)
      layer.build(shapes[0]);
    else
      layer.build_multi(shapes);
    if (!layer.built()) detail::LayerAccess::set_built(layer, shapes.empty() ? Shape{} : shapes[0]);
  }
  detail::LayerAccess::set_built(*this, graph_->inputs[0].shape());
}

Model::Model(const SymbolicTensor& input, const SymbolicTensor& output, ModelOptions options)
    : Model(std::vector<SymbolicTensor>{input}, std::vector<SymbolicTensor>{output}, std::move(options)) {}
Model::Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
             const std::string& name)
    : Model(inputs, outputs, ModelOptions{name, std::nullopt}) {}
Model::Model(const SymbolicTensor& input, const SymbolicTensor& output, const std::string& name)
    : Model(std::vector<SymbolicTensor>{input}, std::vector<SymbolicTensor>{output}, ModelOptions{name, std::nullopt}) {}

Model::~Model() = default;

void Model::set_seed(std::uint64_t seed) { set_generator(Generator(seed)); }

std::string Model::class_name() const { return "Functional"; }

void Model::adopt_layer(Layer& layer, const std::vector<LayerPtr>& existing) {
  auto taken = [&](const std::string& n) {
    for (const auto& l : existing)
      if (l->name() == n) return true;
    return false;
  };
  if (layer.name().empty()) {
    const std::string base = to_snake_case(layer.class_name());
    std::string candidate = base;
    for (int k = 1; taken(candidate); ++k) candidate = base + "_" + std::to_string(k);
    layer.set_name(candidate);
  } else if (taken(layer.name())) {
    throw ValueError("all layers in a model must have unique names: '" + layer.name() +
                     "' is used twice in model '" + name() + "'");
  }
  if (!layer.built()) layer.set_generator(generator().spawn());
}

std::vector<LayerPtr> Model::layers() const {
  if (!graph_) return {};
  return graph_->layers;
}

LayerPtr Model::get_layer(const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& l : layers()) {
    if (l->name() == name) return l;
    names.push_back(l->name());
  }
  throw ValueError(unknown_name_message("layer", name, names) + " (in model '" + this->name() + "')");
}

LayerPtr Model::get_layer(std::size_t index) const {
  auto ls = layers();
  if (index >= ls.size())
    throw ValueError("get_layer: index " + std::to_string(index) + " is out of range: model '" + name() +
                     "' has " + std::to_string(ls.size()) + " layers");
  return ls[index];
}

bool Model::built() const noexcept { return Layer::built(); }

void Model::build(const Shape& input_shape) {
  if (graph_) {
    detail::infer_graph_shapes(*graph_, {input_shape});
    return;
  }
  detail::LayerAccess::set_built(*this, input_shape);
}

void Model::build_multi(const std::vector<Shape>& input_shapes) {
  if (graph_) {
    detail::infer_graph_shapes(*graph_, input_shapes);
    return;
  }
  Layer::build_multi(input_shapes);
}

const std::vector<SymbolicTensor>& Model::inputs() const {
  static const std::vector<SymbolicTensor> none;
  return graph_ ? graph_->inputs : none;
}
const std::vector<SymbolicTensor>& Model::outputs() const {
  static const std::vector<SymbolicTensor> none;
  return graph_ ? graph_->outputs : none;
}

std::vector<std::string> Model::input_names() const {
  if (!graph_) return {"input_layer"};
  std::vector<std::string> out;
  for (const auto& t : graph_->inputs) out.push_back(t.layer()->name());
  return out;
}

std::vector<std::string> Model::output_names() const {
  if (!graph_) {
    auto ls = layers();
    return {ls.empty() ? std::string("output") : ls.back()->name()};
  }
  std::vector<std::string> out;
  for (const auto& t : graph_->outputs) out.push_back(t.layer()->name());
  return out;
}

std::vector<Shape> Model::input_shapes() const {
  if (!graph_) return {input_shape()};
  std::vector<Shape> out;
  for (const auto& t : graph_->inputs) out.push_back(t.shape());
  return out;
}

std::vector<Shape> Model::output_shapes() const {
  if (!graph_) return {output_shape()};
  std::vector<Shape> out;
  for (const auto& t : graph_->outputs) out.push_back(t.shape());
  return out;
}

Shape Model::input_shape() const {
  if (!graph_) return build_input_shape().value_or(Shape{});
  return graph_->inputs[0].shape();
}

Shape Model::output_shape() const {
  if (!graph_) throw StateError("model '" + name() + "' does not define its output shape");
  return graph_->outputs[0].shape();
}

Shape Model::compute_output_shape(const Shape& input_shape) const {
  return compute_output_shape_multi({input_shape});
}

Shape Model::compute_output_shape_multi(const std::vector<Shape>& input_shapes) const {
  if (!graph_) return Layer::compute_output_shape_multi(input_shapes);
  if (input_shapes.size() != graph_->inputs.size())
    throw ValueError("model '" + name() + "' takes " + std::to_string(graph_->inputs.size()) +
                     " inputs but was given " + std::to_string(input_shapes.size()));
  if (graph_->outputs.size() != 1)
    throw ValueError("model '" + name() + "' has " + std::to_string(graph_->outputs.size()) +
                     " outputs; only a one-output model can be used as a layer");
  return detail::infer_graph_shapes(*graph_, input_shapes)[0];
}

std::vector<Tensor> Model::call_outputs(const std::vector<Tensor>& inputs, bool training) {
  if (!graph_) {
    if (inputs.size() != 1)
      throw ValueError("model '" + name() + "' takes 1 input but was given " + std::to_string(inputs.size()));
    return {call(inputs[0], training)};
  }
  if (inputs.size() != graph_->inputs.size())
    throw ValueError("model '" + name() + "' takes " + std::to_string(graph_->inputs.size()) +
                     " inputs but was given " + std::to_string(inputs.size()));
  std::vector<Tensor> xs = inputs;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto& in = graph_->inputs[i];
    if (!xs[i].defined()) throw ValueError("model '" + name() + "': input '" + in.layer()->name() + "' is undefined");
    in.layer()->check_input_shape(symbolic_shape(xs[i]));
    if (is_floating(in.dtype()) && !is_floating(xs[i].dtype())) xs[i] = xs[i].astype(in.dtype());
  }
  return detail::run_graph(*graph_, xs, training);
}

Tensor Model::call(const Tensor& x, bool training) {
  auto outs = call_outputs({x}, training);
  if (outs.size() != 1)
    throw ValueError("model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; use call_outputs() or predict_outputs()");
  return outs[0];
}

Tensor Model::call_multi(const std::vector<Tensor>& inputs, bool training) {
  auto outs = call_outputs(inputs, training);
  if (outs.size() != 1)
    throw ValueError("model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; use call_outputs() or predict_outputs()");
  return outs[0];
}

Tensor Model::operator()(const Tensor& x, bool training) {
  ensure_built({x});
  return call(x, training);
}

void Model::ensure_built(const std::vector<Tensor>& xs) {
  if (built()) return;
  if (xs.size() == 1) {
    build(symbolic_shape(xs[0]));
  } else {
    std::vector<Shape> shapes;
    for (const auto& x : xs) shapes.push_back(symbolic_shape(x));
    build_multi(shapes);
  }
}

}  // namespace temper
