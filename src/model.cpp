// The training loop shared by every model: compile, fit, evaluate, predict.
#include "temper/model.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "temper/autograd.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"
#include "src/graph.hpp"
#include "src/training_data.hpp"
#include "temper/saving.hpp"

namespace temper {

// ---- argument wrappers ----------------------------------------------------------------------
OptimizerArg::OptimizerArg(const char* name) : ptr_(optimizers::get(name)) {}
OptimizerArg::OptimizerArg(const std::string& name) : ptr_(optimizers::get(name)) {}
LossArg::LossArg(const char* name) : ptr_(losses::get(name)) {}
LossArg::LossArg(const std::string& name) : ptr_(losses::get(name)) {}

// ---- Tensors ------------------------------------------------------------------------------
Tensors::Tensors(std::map<std::string, Tensor> named) {
  for (auto& [k, v] : named) {
    names_.push_back(k);
    list_.push_back(std::move(v));
  }
}

std::vector<Tensor> Tensors::resolve(const std::vector<std::string>& expected, const std::string& what) const {
  if (!is_named()) {
    if (list_.size() != expected.size()) {
      std::string names;
      for (const auto& n : expected) names += (names.empty() ? "" : ", ") + n;
      throw ValueError("the model has " + std::to_string(expected.size()) + " " + what + " [" + names +
                       "] but " + std::to_string(list_.size()) + " arrays were given");
    }
    return list_;
  }
  std::vector<Tensor> out;
  for (const auto& e : expected) {
    auto it = std::find(names_.begin(), names_.end(), e);
    if (it == names_.end()) {
      std::string names;
      for (const auto& n : expected) names += (names.empty() ? "" : ", ") + n;
      throw ValueError("no array given for " + what + " '" + e + "'; the model's " + what + " are [" + names + "]");
    }
    out.push_back(list_[static_cast<std::size_t>(it - names_.begin())]);
  }
  for (const auto& n : names_)
    if (std::find(expected.begin(), expected.end(), n) == expected.end())
      throw ValueError(unknown_name_message(what == "inputs" ? "input" : "output", n, expected));
  return out;
}

// ---- construction ---------------------------------------------------------------------------
namespace {
std::uint64_t fresh_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::int64_t batch_count(std::int64_t n, std::int64_t batch) { return (n + batch - 1) / batch; }

void check_batch_size(std::int64_t b, const char* what) {
  if (b <= 0)
    throw ValueError(std::string(what) + ": batch_size must be a positive integer, got " + std::to_string(b));
}

Shape symbolic_shape(const Tensor& t) {
  Shape s = t.shape();
  if (!s.empty()) s[0] = -1;
  return s;
}

void check_inputs_defined(const std::vector<Tensor>& xs, const char* what) {
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].defined()) throw ValueError(std::string(what) + ": x[" + std::to_string(i) + "] is undefined");
    if (xs[i].rank() == 0) throw ShapeError(std::string(what) + ": x must have a batch axis, got a scalar");
  }
}

void check_same_rows(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const char* what) {
  check_inputs_defined(xs, what);
  const std::int64_t n = xs[0].shape()[0];
  for (std::size_t i = 0; i < ys.size(); ++i)
    if (!ys[i].defined() || ys[i].rank() == 0 || ys[i].shape()[0] != n)
      throw ShapeError(std::string(what) + ": x and y must have the same number of samples, got x " +
                       shape_to_string(xs[0].shape()) + " and y " +
                       (ys[i].defined() ? shape_to_string(ys[i].shape()) : std::string("undefined")));
}
}  // namespace

/// One output's loss, weight and metrics.
struct Model::OutputHead {
  std::string name;      // output name (the producing layer's name)
  std::string prefix;    // "" for a one-output model, "<name>_" otherwise
  losses::LossPtr loss;
  double weight = 1.0;
  std::vector<MetricArg> metric_args;
  std::vector<metrics::MetricPtr> metrics, weighted_metrics;
  std::shared_ptr<metrics::Mean> loss_tracker;  // per-output loss (multi-output only)
};

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

std::vector<Tensor> Model::resolve_inputs(const Tensors& x, const char* what) const {
  if (x.empty()) throw ValueError(std::string(what) + ": x is empty");
  if (!graph_ && !x.is_named()) {
    if (x.size() != 1)
      throw ValueError(std::string(what) + ": model '" + name() + "' takes 1 input but " +
                       std::to_string(x.size()) + " arrays were given");
    return x.list();
  }
  auto xs = x.resolve(input_names(), "inputs");
  check_inputs_defined(xs, what);
  return xs;
}

std::vector<Tensor> Model::resolve_targets(const Tensors& y, const char* what) const {
  (void)what;
  if (y.empty()) return {};
  return y.resolve(output_names(), "outputs");
}

// ---- weights --------------------------------------------------------------------------------
namespace {
void append_unique(std::vector<VariablePtr>& out, const std::vector<VariablePtr>& ws) {
  for (const auto& w : ws)
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
}
}  // namespace

std::vector<VariablePtr> Model::weights() const {
  auto out = trainable_weights();
  append_unique(out, non_trainable_weights());
  return out;
}

std::vector<VariablePtr> Model::trainable_weights() const {
  std::vector<VariablePtr> out;
  if (!trainable()) return out;
  for (const auto& l : layers()) append_unique(out, l->trainable_weights());
  return out;
}

std::vector<VariablePtr> Model::non_trainable_weights() const {
  std::vector<VariablePtr> out;
  for (const auto& l : layers()) append_unique(out, trainable() ? l->non_trainable_weights() : l->weights());
  return out;
}

std::vector<Tensor> Model::regularization_losses() const {
  std::vector<Tensor> out;
  for (const auto& l : layers())
    for (auto& r : l->regularization_losses()) out.push_back(std::move(r));
  return out;
}

void Model::set_trainable(bool t) {
  Layer::set_trainable(t);
  for (const auto& l : layers()) l->set_trainable(t);
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& w : weights()) out.push_back(w->value.clone());
  return out;
}

void Model::set_weights(const std::vector<Tensor>& values) {
  auto ws = weights();
  if (values.size() != ws.size())
    throw ShapeError("set_weights: model '" + name() + "' has " + std::to_string(ws.size()) +
                     " weights but " + std::to_string(values.size()) + " values were given");
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (values[i].shape() != ws[i]->shape())
      throw ShapeError("set_weights: weight '" + ws[i]->path + "' has shape " + shape_to_string(ws[i]->shape()) +
                       " but the value has shape " + shape_to_string(values[i].shape()));
    ws[i]->value.assign(values[i].astype(ws[i]->value.dtype()));
  }
}

std::int64_t Model::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights()) n += w->numel();
  return n;
}

// ---- compile --------------------------------------------------------------------------------
namespace {
bool shape_dependent_metric(const std::string& n) {
  return n == "accuracy" || n == "acc" || n == "crossentropy" || n == "ce";
}

Config metric_config(const MetricArg& m) {
  if (!m.ptr()) return m.name();
  return {{"class_name", m.ptr()->class_name()}, {"config", m.ptr()->get_config()}};
}
}  // namespace

void Model::compile(OptimizerArg optimizer, CompileOptions options) {
  const auto outs = output_names();
  for (const auto& n : outs)
    if (!options.losses.count(n))
      throw ValueError("compile: no loss given for output '" + n + "' of model '" + name() +
                       "'; name every output in options.losses or pass one loss for all");
  LossArg first = options.losses.at(outs[0]);
  compile(std::move(optimizer), first, {}, std::move(options));
}

void Model::compile(OptimizerArg optimizer, LossArg loss, std::vector<MetricArg> metrics,
                    CompileOptions options) {
  if (!optimizer.get()) throw ValueError("compile: optimizer is null");
  if (!loss.get()) throw ValueError("compile: loss is null");
  const auto outs = output_names();
  // Validate everything before touching the model, so a typo leaves it as it was.
  for (const auto* list : {&metrics, &options.weighted_metrics})
    for (const auto& m : *list)
      if (!m.ptr() && !shape_dependent_metric(m.name())) (void)metrics::get(m.name());
  auto check_output = [&](const std::string& n, const char* what) {
    if (std::find(outs.begin(), outs.end(), n) == outs.end())
      throw ValueError("compile: " + std::string(what) + " names " + unknown_name_message("output", n, outs));
  };
  for (const auto& [n, l] : options.losses) {
    check_output(n, "losses");
    if (!l.get()) throw ValueError("compile: the loss of output '" + n + "' is null");
  }
  for (const auto& [n, w] : options.loss_weights) check_output(n, "loss_weights");
  for (const auto& [n, ms] : options.output_metrics) {
    check_output(n, "output_metrics");
    for (const auto& m : ms)
      if (!m.ptr() && !shape_dependent_metric(m.name())) (void)metrics::get(m.name());
  }
  if (!options.loss_weights_list.empty() && options.loss_weights_list.size() != outs.size())
    throw ValueError("compile: loss_weights_list has " + std::to_string(options.loss_weights_list.size()) +
                     " entries but model '" + name() + "' has " + std::to_string(outs.size()) + " outputs");

  std::vector<std::shared_ptr<OutputHead>> heads;
  const bool multi = outs.size() > 1;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    auto h = std::make_shared<OutputHead>();
    h->name = outs[k];
    h->prefix = multi ? outs[k] + "_" : "";
    auto it = options.losses.find(outs[k]);
    h->loss = it != options.losses.end() ? it->second.get() : (k == 0 ? loss.get() : loss.get()->clone());
    if (!options.loss_weights_list.empty()) h->weight = options.loss_weights_list[k];
    if (auto w = options.loss_weights.find(outs[k]); w != options.loss_weights.end()) h->weight = w->second;
    // Metric objects are cloned for every output after the first, so each has its own state.
    for (const auto& m : metrics) h->metric_args.push_back(k == 0 || !m.ptr() ? m : MetricArg(m.ptr()->clone()));
    if (auto om = options.output_metrics.find(outs[k]); om != options.output_metrics.end())
      for (const auto& m : om->second) h->metric_args.push_back(m);
    if (multi) {
      h->loss_tracker = std::make_shared<metrics::Mean>();
      h->loss_tracker->set_name(h->prefix + "loss");
    }
    heads.push_back(h);
  }

  Config cc = {{"optimizer", {{"module", "keras.optimizers"}, {"class_name", optimizer.get()->class_name()},
                              {"config", optimizer.get()->get_config()}, {"registered_name", nullptr}}}};
  if (!multi) {
    cc["loss"] = losses::serialize(*heads[0]->loss);
    cc["loss_weights"] = heads[0]->weight == 1.0 ? Config(nullptr) : Config(heads[0]->weight);
    Config ms = Config::array();
    for (const auto& m : heads[0]->metric_args) ms.push_back(metric_config(m));
    cc["metrics"] = ms.empty() ? Config(nullptr) : ms;
  } else {
    Config ls = Config::object(), ws = Config::object(), ms = Config::object();
    for (const auto& h : heads) {
      ls[h->name] = losses::serialize(*h->loss);
      ws[h->name] = h->weight;
      Config m = Config::array();
      for (const auto& a : h->metric_args) m.push_back(metric_config(a));
      ms[h->name] = m;
    }
    cc["loss"] = ls;
    cc["loss_weights"] = ws;
    cc["metrics"] = ms;
  }
  Config wm = Config::array();
  for (const auto& m : options.weighted_metrics) wm.push_back(metric_config(m));
  cc["weighted_metrics"] = wm.empty() ? Config(nullptr) : wm;
  cc["run_eagerly"] = false;
  cc["steps_per_execution"] = 1;
  cc["jit_compile"] = false;

  optimizer_ = optimizer.get();
  heads_ = std::move(heads);
  weighted_metric_args_ = std::move(options.weighted_metrics);
  metrics_resolved_ = false;
  loss_tracker_ = std::make_shared<metrics::Mean>();
  loss_tracker_->set_name("loss");
  compile_config_ = std::move(cc);
  compiled_ = true;
  if (built()) trainable_at_compile_ = trainable_weights();
}

Config Model::compile_config() const { return compiled_ ? compile_config_ : Config::object(); }

losses::LossPtr Model::loss() const { return heads_.empty() ? nullptr : heads_[0]->loss; }

std::vector<losses::LossPtr> Model::output_losses() const {
  std::vector<losses::LossPtr> out;
  for (const auto& h : heads_) out.push_back(h->loss);
  return out;
}

std::vector<double> Model::loss_weights() const {
  std::vector<double> out;
  for (const auto& h : heads_) out.push_back(h->weight);
  return out;
}

void Model::require_compiled(const char* what) const {
  if (!compiled())
    throw StateError(std::string(what) + ": model '" + name() + "' must be compiled first (call compile())");
}

void Model::resolve_metrics(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds) {
  if (metrics_resolved_) return;
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    auto& h = *heads_[k];
    auto resolve = [&](const std::vector<MetricArg>& args, std::vector<metrics::MetricPtr>& out,
                       const std::string& extra) {
      for (const auto& m : args) {
        metrics::MetricPtr r = m.ptr() ? m.ptr() : metrics::resolve(m.name(), ys[k].shape(), preds[k].shape());
        if (!h.prefix.empty() || !extra.empty()) r->set_name(h.prefix + extra + r->name());
        out.push_back(r);
      }
    };
    h.metrics.clear();
    h.weighted_metrics.clear();
    resolve(h.metric_args, h.metrics, "");
    std::vector<MetricArg> weighted;
    for (const auto& m : weighted_metric_args_)
      weighted.push_back(k == 0 || !m.ptr() ? m : MetricArg(m.ptr()->clone()));
    resolve(weighted, h.weighted_metrics, "weighted_");
  }
  metrics_resolved_ = true;
}

std::vector<metrics::MetricPtr> Model::metrics() const {
  std::vector<metrics::MetricPtr> out;
  if (loss_tracker_) out.push_back(loss_tracker_);
  for (const auto& h : heads_)
    if (h->loss_tracker) out.push_back(h->loss_tracker);
  for (const auto& h : heads_) {
    out.insert(out.end(), h->metrics.begin(), h->metrics.end());
    out.insert(out.end(), h->weighted_metrics.begin(), h->weighted_metrics.end());
  }
  return out;
}

std::vector<std::string> Model::metrics_names() const {
  std::vector<std::string> out;
  for (const auto& m : metrics()) out.push_back(m->name());
  return out;
}

void Model::reset_metrics() {
  for (const auto& m : metrics()) m->reset_state();
}

Logs Model::current_logs() const {
  Logs logs;
  for (const auto& m : metrics()) logs[m->name()] = m->result();
  return logs;
}

// ---- one step -------------------------------------------------------------------------------
Tensor Model::total_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds,
                         const Tensor& sample_weight, std::vector<double>* per_output) {
  if (ys.size() != heads_.size())
    throw ValueError("model '" + name() + "' has " + std::to_string(heads_.size()) + " outputs but " +
                     std::to_string(ys.size()) + " target arrays were given");
  Tensor loss;
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    const auto& h = *heads_[k];
    Tensor lk = (*h.loss)(ys[k], preds[k], sample_weight);
    if (per_output) per_output->push_back(heads_.size() > 1 ? lk.detach().item() : 0.0);
    if (h.weight != 1.0) lk = ops::multiply(lk, h.weight);
    loss = loss.defined() ? ops::add(loss, lk) : lk;
  }
  for (const auto& r : regularization_losses()) loss = ops::add(loss, ops::cast(r, loss.dtype()));
  return loss;
}

void Model::update_metrics(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds,
                           const Tensor& sample_weight, double loss, const std::vector<double>& per_output,
                           std::int64_t batch) {
  loss_tracker_->update_state(loss, static_cast<double>(batch));
  resolve_metrics(ys, preds);
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    auto& h = *heads_[k];
    if (h.loss_tracker) h.loss_tracker->update_state(per_output[k], static_cast<double>(batch));
    for (const auto& m : h.metrics) m->update_state(ys[k], preds[k]);
    for (const auto& m : h.weighted_metrics) m->update_state(ys[k], preds[k], sample_weight);
  }
}

void Model::train_step(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight) {
  std::vector<Tensor> preds = call_outputs(xs, true);
  std::vector<double> per_output;
  Tensor loss = total_loss(ys, preds, sample_weight, &per_output);
  loss.backward();
  optimizer_->apply_gradients(trainable_at_compile_);
  for (const auto& w : trainable_at_compile_) w->value.zero_grad();
  NoGradGuard no_grad;
  for (auto& p : preds) p = p.detach();
  update_metrics(ys, preds, sample_weight, loss.item(), per_output, xs[0].shape()[0]);
}

void Model::test_step(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  std::vector<Tensor> preds = call_outputs(xs, false);
  std::vector<double> per_output;
  Tensor loss = total_loss(ys, preds, sample_weight, &per_output);
  update_metrics(ys, preds, sample_weight, loss.item(), per_output, xs[0].shape()[0]);
}

Tensor Model::class_weights_to_sample_weights(const Tensor& y, const std::map<int, double>& cw,
                                              const Tensor& sample_weight) const {
  if (cw.empty()) return sample_weight;
  if (!y.defined()) throw ValueError("class_weight needs targets y");
  // Keras maps each sample's class (its integer label, or the argmax of a one-hot row).
  std::vector<std::int32_t> labels;
  if (y.dtype() == DType::Int32 && (y.rank() == 1 || (y.rank() == 2 && y.shape()[1] == 1))) {
    labels = y.to_vector<std::int32_t>();
  } else if (y.rank() == 2 && y.shape()[1] > 1) {
    labels = ops::argmax(y, -1).to_vector<std::int32_t>();
  } else {
    Tensor yi = y.astype(DType::Float32);
    for (float v : yi.to_vector<float>()) labels.push_back(static_cast<std::int32_t>(std::lround(v)));
  }
  std::vector<float> w(labels.size(), 1.0f);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto it = cw.find(labels[i]);
    if (it != cw.end()) w[i] = static_cast<float>(it->second);
  }
  Tensor cwt = Tensor::from_vector(w, Shape{static_cast<std::int64_t>(w.size())}, &y.backend());
  if (sample_weight.defined()) return ops::multiply(cwt, sample_weight.reshape({-1}).astype(DType::Float32));
  return cwt;
}

Logs Model::train_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight,
                           const std::map<int, double>& class_weight) {
  require_compiled("train_on_batch");
  auto xs = resolve_inputs(x, "train_on_batch");
  auto ys = resolve_targets(y, "train_on_batch");
  check_same_rows(xs, ys, "train_on_batch");
  ensure_built(xs);
  if (trainable_at_compile_.empty()) trainable_at_compile_ = trainable_weights();
  if (class_weight.size() && ys.size() != 1)
    throw ValueError("train_on_batch: class_weight is only supported for models with one output");
  reset_metrics();
  train_step(xs, ys, class_weights_to_sample_weights(ys.empty() ? Tensor() : ys[0], class_weight, sample_weight));
  return current_logs();
}

Logs Model::test_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight) {
  require_compiled("test_on_batch");
  auto xs = resolve_inputs(x, "test_on_batch");
  auto ys = resolve_targets(y, "test_on_batch");
  check_same_rows(xs, ys, "test_on_batch");
  ensure_built(xs);
  reset_metrics();
  test_step(xs, ys, sample_weight);
  return current_logs();
}

Tensor Model::predict_on_batch(const Tensors& x) {
  auto xs = resolve_inputs(x, "predict_on_batch");
  ensure_built(xs);
  NoGradGuard no_grad;
  auto outs = call_outputs(xs, false);
  if (outs.size() != 1)
    throw ValueError("predict_on_batch: model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; use call_outputs()");
  return outs[0].detach();
}

// ---- loops ----------------------------------------------------------------------------------
History Model::fit(const Tensors& x, const Tensors& y, FitOptions opt) {
  require_compiled("fit");
  auto xs = resolve_inputs(x, "fit");
  auto ys = resolve_targets(y, "fit");
  if (ys.empty()) throw ValueError("fit: targets y are required");
  check_same_rows(xs, ys, "fit");
  check_batch_size(opt.batch_size, "fit");
  if (opt.epochs < 0) throw ValueError("fit: epochs must be >= 0, got " + std::to_string(opt.epochs));
  if (opt.validation_split < 0.0 || opt.validation_split >= 1.0)
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(opt.validation_split));
  if (opt.validation_freq <= 0)
    throw ValueError("fit: validation_freq must be >= 1, got " + std::to_string(opt.validation_freq));
  if (opt.sample_weight.defined() && opt.sample_weight.shape()[0] != xs[0].shape()[0])
    throw ShapeError("fit: sample_weight has shape " + shape_to_string(opt.sample_weight.shape()) +
                     " but x has " + std::to_string(xs[0].shape()[0]) + " samples");
  if (!opt.class_weight.empty() && ys.size() != 1)
    throw ValueError("fit: class_weight is only supported for models with one output (use sample_weight)");
  ensure_built(xs);
  trainable_at_compile_ = trainable_weights();
  optimizer_->build(trainable_at_compile_);

  Tensor sw = class_weights_to_sample_weights(ys[0], opt.class_weight, opt.sample_weight);
  TrainingData all(xs, ys, sw);
  TrainingData train = all, val;
  bool has_val = false;
  if (opt.validation_data) {
    auto vx = resolve_inputs(opt.validation_data->x, "fit(validation_data)");
    auto vy = resolve_targets(opt.validation_data->y, "fit(validation_data)");
    check_same_rows(vx, vy, "fit(validation_data)");
    val = TrainingData(vx, vy, opt.validation_data->sample_weight);
    has_val = true;
  } else if (opt.validation_split > 0.0) {
    auto [tr, va] = all.split(opt.validation_split);
    train = tr;
    val = va;
    has_val = true;
  }
  train = train.batch(opt.batch_size);
  if (has_val) val = val.batch(opt.validation_batch_size.value_or(opt.batch_size));
  std::int64_t steps = train.num_batches();
  if (opt.steps_per_epoch) steps = std::min(steps, *opt.steps_per_epoch);

  history_ = History();
  auto history = std::make_shared<History>();
  CallbackList callbacks(opt.callbacks);
  callbacks.add(history);
  if (opt.verbose > 0) callbacks.add(std::make_shared<ProgbarLogger>());
  callbacks.set_model(this);
  callbacks.set_params({{"verbose", opt.verbose}, {"epochs", opt.epochs}, {"steps", steps}});

  stop_training = false;
  resume_epoch.reset();
  callbacks.on_train_begin();
  const int first_epoch = resume_epoch.value_or(opt.initial_epoch);
  resume_epoch.reset();
  // Drawn after on_train_begin, so that a callback restoring the random stream
  // (BackupAndRestore) also restores the shuffling of a resumed run.
  train = train.shuffle(opt.shuffle, generator().next_u64());
  Logs epoch_logs;
  for (int epoch = first_epoch; epoch < opt.epochs; ++epoch) {
    reset_metrics();
    callbacks.on_epoch_begin(epoch);
    train.start_epoch(epoch);
    for (std::int64_t step = 0; step < steps; ++step) {
      callbacks.on_train_batch_begin(step);
      auto batch = train.get_batch(step);
      train_step(batch.xs, batch.ys, batch.sample_weight);
      callbacks.on_train_batch_end(step, current_logs());
      if (stop_training) break;
    }
    epoch_logs = current_logs();
    if (has_val && (epoch + 1) % opt.validation_freq == 0) {
      Logs val_logs = run_evaluation(val, callbacks);
      for (const auto& [k, v] : val_logs) epoch_logs["val_" + k] = v;
    }
    callbacks.on_epoch_end(epoch, epoch_logs);
    if (stop_training) break;
  }
  callbacks.on_train_end(epoch_logs);
  history->set_model(nullptr);
  history_ = *history;
  return history_;
}

Logs Model::run_evaluation(TrainingData& data0, CallbackList& callbacks) {
  TrainingData data = data0;
  data.start_epoch(0);
  reset_metrics();
  callbacks.on_test_begin();
  for (std::int64_t i = 0; i < data.num_batches(); ++i) {
    callbacks.on_test_batch_begin(i);
    auto b = data.get_batch(i);
    test_step(b.xs, b.ys, b.sample_weight);
    callbacks.on_test_batch_end(i, current_logs());
  }
  Logs logs = current_logs();
  callbacks.on_test_end(logs);
  return logs;
}

Logs Model::evaluate(const Tensors& x, const Tensors& y, EvaluateOptions opt) {
  require_compiled("evaluate");
  auto xs = resolve_inputs(x, "evaluate");
  auto ys = resolve_targets(y, "evaluate");
  if (ys.empty()) throw ValueError("evaluate: targets y are required");
  check_same_rows(xs, ys, "evaluate");
  check_batch_size(opt.batch_size, "evaluate");
  ensure_built(xs);
  TrainingData data(xs, ys, opt.sample_weight);
  data = data.batch(opt.batch_size);
  CallbackList callbacks(opt.callbacks);
  if (opt.verbose > 0) callbacks.add(std::make_shared<ProgbarLogger>());
  std::int64_t steps = data.num_batches();
  if (opt.steps) steps = std::min(steps, *opt.steps);
  callbacks.set_model(this);
  callbacks.set_params({{"verbose", opt.verbose}, {"epochs", 1}, {"steps", steps}});
  if (steps < data.num_batches()) data = data.take(0, std::min(data.size(), steps * opt.batch_size));
  return run_evaluation(data, callbacks);
}

Tensor Model::predict(const Tensors& x, PredictOptions opt) {
  auto outs = predict_outputs(x, std::move(opt));
  if (outs.size() != 1)
    throw ValueError("predict: model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; use predict_outputs()");
  return outs[0];
}

std::vector<Tensor> Model::predict_outputs(const Tensors& x, PredictOptions opt) {
  auto xs = resolve_inputs(x, "predict");
  check_same_rows(xs, {}, "predict");
  check_batch_size(opt.batch_size, "predict");
  ensure_built(xs);
  const std::int64_t n = xs[0].shape()[0];
  for (const auto& t : xs)
    if (t.shape()[0] != n)
      throw ShapeError("predict: all inputs must have the same number of samples, got " +
                       shape_to_string(xs[0].shape()) + " and " + shape_to_string(t.shape()));
  std::int64_t steps = batch_count(n, opt.batch_size);
  if (opt.steps) steps = std::min(steps, *opt.steps);
  CallbackList callbacks(opt.callbacks);
  if (opt.verbose > 0) callbacks.add(std::make_shared<ProgbarLogger>());
  callbacks.set_model(this);
  callbacks.set_params({{"verbose", opt.verbose}, {"epochs", 1}, {"steps", steps}});
  NoGradGuard no_grad;
  callbacks.on_predict_begin();
  std::vector<Tensor> outs;
  const std::int64_t rows = std::min(n, steps * opt.batch_size);
  std::vector<Tensor> batch_in(xs.size());
  for (std::int64_t i = 0; i < steps; ++i) {
    callbacks.on_predict_batch_begin(i);
    const std::int64_t b = i * opt.batch_size, e = std::min(rows, b + opt.batch_size);
    for (std::size_t k = 0; k < xs.size(); ++k) batch_in[k] = xs[k].slice_rows(b, e);
    auto ybs = call_outputs(batch_in, false);
    if (outs.empty()) {
      for (const auto& yb : ybs) {
        Shape s = yb.shape();
        s[0] = rows;
        outs.push_back(Tensor::empty(s, yb.dtype(), &yb.backend()));
      }
    }
    for (std::size_t k = 0; k < ybs.size(); ++k)
      outs[k].backend().copy_axis_block(ybs[k], 0, 0, outs[k], b, e - b, false);
    callbacks.on_predict_batch_end(i);
  }
  callbacks.on_predict_end();
  if (outs.empty()) outs.push_back(Tensor::empty({0}, DType::Float32));
  return outs;
}

// ---- files ----------------------------------------------------------------------------------
void Model::save(const std::string& path) const { save_model(*this, path); }
void Model::save_weights(const std::string& path) const { temper::save_weights(*this, path); }
void Model::load_weights(const std::string& path) { temper::load_weights(*this, path); }

}  // namespace temper
