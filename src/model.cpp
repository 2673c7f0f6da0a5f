// The training loop shared by every model: compile, fit, evaluate, predict.
#include "temper/model.hpp"

#include <cmath>
#include <random>

#include "temper/autograd.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper {

// ---- argument wrappers ----------------------------------------------------------------------
OptimizerArg::OptimizerArg(const char* name) : ptr_(optimizers::get(name)) {}
OptimizerArg::OptimizerArg(const std::string& name) : ptr_(optimizers::get(name)) {}
LossArg::LossArg(const char* name) : ptr_(losses::get(name)) {}
LossArg::LossArg(const std::string& name) : ptr_(losses::get(name)) {}

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

void check_xy(const Tensor& x, const Tensor& y, const char* what) {
  if (!x.defined()) throw ValueError(std::string(what) + ": x is undefined");
  if (x.rank() == 0) throw ShapeError(std::string(what) + ": x must have a batch axis, got a scalar");
  if (y.defined() && (y.rank() == 0 || y.shape()[0] != x.shape()[0]))
    throw ShapeError(std::string(what) + ": x and y must have the same number of samples, got x " +
                     shape_to_string(x.shape()) + " and y " + shape_to_string(y.shape()));
}
}  // namespace

Model::Model(std::string name, std::optional<std::uint64_t> seed)
    : name_(std::move(name)), rng_(seed ? *seed : fresh_seed()) {}
Model::~Model() = default;

void Model::set_seed(std::uint64_t seed) { rng_ = Generator(seed); }

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
                     "' is used twice in model '" + name_ + "'");
  }
  if (!layer.built()) layer.set_generator(rng_.spawn());
}

LayerPtr Model::get_layer(const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& l : layers()) {
    if (l->name() == name) return l;
    names.push_back(l->name());
  }
  throw ValueError(unknown_name_message("layer", name, names) + " (in model '" + name_ + "')");
}

LayerPtr Model::get_layer(std::size_t index) const {
  auto ls = layers();
  if (index >= ls.size())
    throw ValueError("get_layer: index " + std::to_string(index) + " is out of range: model '" + name_ +
                     "' has " + std::to_string(ls.size()) + " layers");
  return ls[index];
}

Tensor Model::operator()(const Tensor& x, bool training) {
  ensure_built(x);
  return call(x, training);
}

void Model::ensure_built(const Tensor& x) {
  if (built()) return;
  Shape s = x.shape();
  if (!s.empty()) s[0] = -1;
  build(s);
}

// ---- weights --------------------------------------------------------------------------------
std::vector<VariablePtr> Model::weights() const {
  std::vector<VariablePtr> out;
  for (const auto& l : layers())
    for (auto& w : l->weights()) out.push_back(w);
  return out;
}

std::vector<VariablePtr> Model::trainable_weights() const {
  std::vector<VariablePtr> out;
  for (const auto& l : layers())
    for (auto& w : l->trainable_weights()) out.push_back(w);
  return out;
}

std::vector<VariablePtr> Model::non_trainable_weights() const {
  std::vector<VariablePtr> out;
  for (const auto& l : layers())
    for (auto& w : l->non_trainable_weights()) out.push_back(w);
  return out;
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& w : weights()) out.push_back(w->value.clone());
  return out;
}

void Model::set_weights(const std::vector<Tensor>& values) {
  auto ws = weights();
  if (values.size() != ws.size())
    throw ShapeError("set_weights: model '" + name_ + "' has " + std::to_string(ws.size()) +
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
  for (const auto& l : layers()) n += l->count_params();
  return n;
}

// ---- compile --------------------------------------------------------------------------------
void Model::compile(OptimizerArg optimizer, LossArg loss, std::vector<MetricArg> metrics,
                    CompileOptions options) {
  if (!optimizer.get()) throw ValueError("compile: optimizer is null");
  if (!loss.get()) throw ValueError("compile: loss is null");
  // Resolve named metrics that do not depend on shapes now, so a typo fails at compile time
  // and leaves the model as it was.
  auto shape_dependent = [](const std::string& n) {
    return n == "accuracy" || n == "acc" || n == "crossentropy" || n == "ce";
  };
  for (const auto* list : {&metrics, &options.weighted_metrics})
    for (const auto& m : *list)
      if (!m.ptr() && !shape_dependent(m.name())) (void)metrics::get(m.name());
  optimizer_ = optimizer.get();
  loss_ = loss.get();
  metric_args_ = std::move(metrics);
  weighted_metric_args_ = std::move(options.weighted_metrics);
  metrics_.clear();
  weighted_metrics_.clear();
  metrics_resolved_ = false;
  loss_tracker_ = std::make_shared<metrics::Mean>();
  loss_tracker_->set_name("loss");
  if (built()) trainable_at_compile_ = trainable_weights();
}

void Model::require_compiled(const char* what) const {
  if (!compiled())
    throw StateError(std::string(what) + ": model '" + name_ + "' must be compiled first (call compile())");
}

void Model::resolve_metrics(const Tensor& y, const Tensor& y_pred) {
  if (metrics_resolved_) return;
  auto resolve = [&](const std::vector<MetricArg>& args, std::vector<metrics::MetricPtr>& out,
                     const std::string& prefix) {
    for (const auto& m : args) {
      if (m.ptr()) {
        out.push_back(m.ptr());
      } else {
        auto r = metrics::resolve(m.name(), y.shape(), y_pred.shape());
        if (!prefix.empty()) r->set_name(prefix + r->name());
        out.push_back(r);
      }
    }
  };
  resolve(metric_args_, metrics_, "");
  resolve(weighted_metric_args_, weighted_metrics_, "weighted_");
  metrics_resolved_ = true;
}

std::vector<metrics::MetricPtr> Model::metrics() const {
  std::vector<metrics::MetricPtr> out;
  if (loss_tracker_) out.push_back(loss_tracker_);
  out.insert(out.end(), metrics_.begin(), metrics_.end());
  out.insert(out.end(), weighted_metrics_.begin(), weighted_metrics_.end());
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
Tensor Model::total_loss(const Tensor& y, const Tensor& y_pred, const Tensor& sample_weight) {
  Tensor loss = (*loss_)(y, y_pred, sample_weight);
  for (const auto& l : layers())
    for (const auto& r : l->regularization_losses()) loss = ops::add(loss, ops::cast(r, loss.dtype()));
  return loss;
}

void Model::train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  Tensor y_pred = call(x, true);
  Tensor loss = total_loss(y, y_pred, sample_weight);
  loss.backward();
  optimizer_->apply_gradients(trainable_at_compile_);
  for (const auto& w : trainable_at_compile_) w->value.zero_grad();
  NoGradGuard no_grad;
  const double value = loss.item();
  loss_tracker_->update_state(value, static_cast<double>(x.shape()[0]));
  Tensor yp = y_pred.detach();
  resolve_metrics(y, yp);
  for (const auto& m : metrics_) m->update_state(y, yp);
  for (const auto& m : weighted_metrics_) m->update_state(y, yp, sample_weight);
}

void Model::test_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  NoGradGuard no_grad;
  Tensor y_pred = call(x, false);
  Tensor loss = total_loss(y, y_pred, sample_weight);
  loss_tracker_->update_state(loss.item(), static_cast<double>(x.shape()[0]));
  resolve_metrics(y, y_pred);
  for (const auto& m : metrics_) m->update_state(y, y_pred);
  for (const auto& m : weighted_metrics_) m->update_state(y, y_pred, sample_weight);
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

Logs Model::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
                           const std::map<int, double>& class_weight) {
  require_compiled("train_on_batch");
  check_xy(x, y, "train_on_batch");
  ensure_built(x);
  if (trainable_at_compile_.empty()) trainable_at_compile_ = trainable_weights();
  reset_metrics();
  train_step(x, y, class_weights_to_sample_weights(y, class_weight, sample_weight));
  return current_logs();
}

Logs Model::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  require_compiled("test_on_batch");
  check_xy(x, y, "test_on_batch");
  ensure_built(x);
  reset_metrics();
  test_step(x, y, sample_weight);
  return current_logs();
}

Tensor Model::predict_on_batch(const Tensor& x) {
  if (!x.defined()) throw ValueError("predict_on_batch: x is undefined");
  ensure_built(x);
  NoGradGuard no_grad;
  return call(x, false).detach();
}

// ---- loops ----------------------------------------------------------------------------------
History Model::fit(const Tensor& x, const Tensor& y, FitOptions opt) {
  require_compiled("fit");
  check_xy(x, y, "fit");
  check_batch_size(opt.batch_size, "fit");
  if (opt.epochs < 0) throw ValueError("fit: epochs must be >= 0, got " + std::to_string(opt.epochs));
  if (opt.validation_split < 0.0 || opt.validation_split >= 1.0)
    throw ValueError("fit: validation_split must be in [0, 1), got " + std::to_string(opt.validation_split));
  if (opt.validation_freq <= 0)
    throw ValueError("fit: validation_freq must be >= 1, got " + std::to_string(opt.validation_freq));
  if (opt.sample_weight.defined() && opt.sample_weight.shape()[0] != x.shape()[0])
    throw ShapeError("fit: sample_weight has shape " + shape_to_string(opt.sample_weight.shape()) +
                     " but x has " + std::to_string(x.shape()[0]) + " samples");
  ensure_built(x);
  trainable_at_compile_ = trainable_weights();
  optimizer_->build(trainable_at_compile_);

  Tensor sw = class_weights_to_sample_weights(y, opt.class_weight, opt.sample_weight);
  datasets::Dataset all(x, y, sw);
  datasets::Dataset train = all, val;
  bool has_val = false;
  if (opt.validation_data) {
    check_xy(opt.validation_data->x, opt.validation_data->y, "fit(validation_data)");
    val = datasets::Dataset(opt.validation_data->x, opt.validation_data->y, opt.validation_data->sample_weight);
    has_val = true;
  } else if (opt.validation_split > 0.0) {
    auto [tr, va] = all.split(opt.validation_split);
    if (tr.size() == 0 || va.size() == 0)
      throw ValueError("fit: validation_split " + std::to_string(opt.validation_split) + " of " +
                       std::to_string(x.shape()[0]) + " samples leaves an empty training or validation set");
    train = tr;
    val = va;
    has_val = true;
  }
  train = train.batch(opt.batch_size).shuffle(opt.shuffle, rng_.next_u64());
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
  callbacks.on_train_begin();
  Logs epoch_logs;
  for (int epoch = opt.initial_epoch; epoch < opt.epochs; ++epoch) {
    reset_metrics();
    callbacks.on_epoch_begin(epoch);
    train.start_epoch(epoch);
    for (std::int64_t step = 0; step < steps; ++step) {
      callbacks.on_train_batch_begin(step);
      auto batch = train.get_batch(step);
      train_step(batch.x, batch.y, batch.sample_weight);
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

Logs Model::run_evaluation(const datasets::Dataset& data0, CallbackList& callbacks) {
  datasets::Dataset data = data0;
  data.start_epoch(0);
  reset_metrics();
  callbacks.on_test_begin();
  for (std::int64_t i = 0; i < data.num_batches(); ++i) {
    callbacks.on_test_batch_begin(i);
    auto b = data.get_batch(i);
    test_step(b.x, b.y, b.sample_weight);
    callbacks.on_test_batch_end(i, current_logs());
  }
  Logs logs = current_logs();
  callbacks.on_test_end(logs);
  return logs;
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions opt) {
  require_compiled("evaluate");
  check_xy(x, y, "evaluate");
  check_batch_size(opt.batch_size, "evaluate");
  ensure_built(x);
  datasets::Dataset data(x, y, opt.sample_weight);
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

Tensor Model::predict(const Tensor& x, PredictOptions opt) {
  if (!x.defined() || x.rank() == 0) throw ShapeError("predict: x must be a tensor with a batch axis");
  check_batch_size(opt.batch_size, "predict");
  ensure_built(x);
  const std::int64_t n = x.shape()[0];
  std::int64_t steps = batch_count(n, opt.batch_size);
  if (opt.steps) steps = std::min(steps, *opt.steps);
  CallbackList callbacks(opt.callbacks);
  if (opt.verbose > 0) callbacks.add(std::make_shared<ProgbarLogger>());
  callbacks.set_model(this);
  callbacks.set_params({{"verbose", opt.verbose}, {"epochs", 1}, {"steps", steps}});
  NoGradGuard no_grad;
  callbacks.on_predict_begin();
  Tensor out;
  const std::int64_t rows = std::min(n, steps * opt.batch_size);
  for (std::int64_t i = 0; i < steps; ++i) {
    callbacks.on_predict_batch_begin(i);
    const std::int64_t b = i * opt.batch_size, e = std::min(rows, b + opt.batch_size);
    Tensor yb = call(x.slice_rows(b, e), false);
    if (!out.defined()) {
      Shape s = yb.shape();
      s[0] = rows;
      out = Tensor::empty(s, yb.dtype(), &yb.backend());
    }
    out.backend().copy_axis_block(yb, 0, 0, out, b, e - b, false);
    callbacks.on_predict_batch_end(i);
  }
  callbacks.on_predict_end();
  if (!out.defined()) out = Tensor::empty({0}, DType::Float32);
  return out;
}

}  // namespace temper
