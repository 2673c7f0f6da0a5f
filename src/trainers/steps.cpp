// The step functions (Keras 3 Trainer: train_step, test_step, predict_step, compute_loss,
// compute_metrics), the metric bookkeeping they use, and the single-batch entry points
// (train_on_batch, test_on_batch, predict_on_batch). A subclass overrides the virtual steps;
// fit / evaluate / predict (fit_loop.cpp) only ever call them.
#include "src/trainers/trainer_internal.hpp"
#include "temper/autograd.hpp"
#include "temper/denormals.hpp"
#include "temper/ops.hpp"

namespace temper {

// ---- metrics ----------------------------------------------------------------------------------
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
  // Two Precision() log as "precision" and "precision_1", as in Keras.
  std::vector<metrics::MetricPtr> compiled;
  for (const auto& h : heads_) {
    compiled.insert(compiled.end(), h->metrics.begin(), h->metrics.end());
    compiled.insert(compiled.end(), h->weighted_metrics.begin(), h->weighted_metrics.end());
  }
  metrics::make_names_unique(compiled);
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

Logs Model::get_metrics_result() const {
  Logs logs;
  for (const auto& m : metrics()) logs[m->name()] = m->result();
  return logs;
}

metrics::Mean& Model::loss_tracker() {
  if (!loss_tracker_)
    throw StateError("loss_tracker: model '" + name() + "' must be compiled first (call compile())");
  return *loss_tracker_;
}

// ---- loss, metrics and gradients of one batch ---------------------------------------------------
Tensor Model::compute_loss(const Batch& batch, const std::vector<Tensor>& y_pred) {
  require_compiled("compute_loss");
  const auto& ys = batch.y;
  if (ys.size() != heads_.size())
    throw ValueError("model '" + name() + "' has " + std::to_string(heads_.size()) + " outputs but " +
                     std::to_string(ys.size()) + " target arrays were given" +
                     (ys.empty() ? " (the compiled loss needs targets y; a model trained without them "
                                   "overrides train_step / test_step)"
                                 : ""));
  if (y_pred.size() != heads_.size())
    throw ValueError("compute_loss: model '" + name() + "' has " + std::to_string(heads_.size()) +
                     " outputs but " + std::to_string(y_pred.size()) + " predictions were given");
  const double rows = static_cast<double>(batch.size());
  Tensor loss;
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    const auto& h = *heads_[k];
    Tensor lk = (*h.loss)(ys[k], y_pred[k], batch.sample_weight);
    if (h.loss_tracker) h.loss_tracker->update_state(lk.detach().item(), rows);
    if (h.weight != 1.0) lk = ops::multiply(lk, h.weight);
    loss = loss.defined() ? ops::add(loss, lk) : lk;
  }
  for (const auto& r : regularization_losses()) loss = ops::add(loss, ops::cast(r, loss.dtype()));
  return loss;
}

Logs Model::compute_metrics(const Batch& batch, const std::vector<Tensor>& y_pred) {
  const auto& ys = batch.y;
  if (!ys.empty()) {  // without targets there is nothing to compare the predictions with
    if (ys.size() != heads_.size() || y_pred.size() != heads_.size())
      throw ValueError("compute_metrics: model '" + name() + "' has " + std::to_string(heads_.size()) +
                       " outputs but was given " + std::to_string(ys.size()) + " targets and " +
                       std::to_string(y_pred.size()) + " predictions");
    resolve_metrics(ys, y_pred);
    for (std::size_t k = 0; k < heads_.size(); ++k) {
      const auto& h = *heads_[k];
      for (const auto& m : h.metrics) m->update_state(ys[k], y_pred[k]);
      for (const auto& m : h.weighted_metrics) m->update_state(ys[k], y_pred[k], batch.sample_weight);
    }
  }
  return get_metrics_result();
}

void Model::apply_gradients(const Tensor& loss) {
  require_compiled("apply_gradients");
  loss.backward();
  optimizer_->apply_gradients(trainable_at_compile_);
  for (const auto& w : trainable_at_compile_) w->value.zero_grad();
}

void Model::apply_gradients(const Tensor& loss, const std::vector<VariablePtr>& variables,
                            optimizers::Optimizer& optimizer) {
  std::vector<Tensor> wrt;
  wrt.reserve(variables.size());
  for (const auto& v : variables) wrt.push_back(v->value);
  optimizer.apply(gradients(loss, wrt), variables);
}

// ---- the steps ----------------------------------------------------------------------------------
Logs Model::train_step(const Batch& batch) {
  std::vector<Tensor> y_pred = call_outputs(batch.x, true);
  Tensor loss = compute_loss(batch, y_pred);
  apply_gradients(loss);
  NoGradGuard no_grad;
  loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
  for (auto& p : y_pred) p = p.detach();
  return compute_metrics(batch, y_pred);
}

Logs Model::test_step(const Batch& batch) {
  NoGradGuard no_grad;
  std::vector<Tensor> y_pred = call_outputs(batch.x, false);
  Tensor loss = compute_loss(batch, y_pred);
  loss_tracker().update_state(loss.item(), static_cast<double>(batch.size()));
  return compute_metrics(batch, y_pred);
}

std::vector<Tensor> Model::predict_step(const Batch& batch) { return call_outputs(batch.x, false); }

// ---- one batch ----------------------------------------------------------------------------------
Logs Model::train_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight,
                           const std::map<int, double>& class_weight) {
  FlushDenormalScope flush;
  require_compiled("train_on_batch");
  Batch batch;
  batch.x = resolve_inputs(x, "train_on_batch");
  batch.y = resolve_targets(y, "train_on_batch");
  trainer_detail::check_same_rows(batch.x, batch.y, "train_on_batch");
  ensure_built(batch.x);
  if (trainable_at_compile_.empty()) trainable_at_compile_ = trainable_weights();
  if (class_weight.size() && batch.y.size() > 1)
    throw ValueError("train_on_batch: class_weight is only supported for models with one output");
  batch.sample_weight =
      class_weights_to_sample_weights(batch.y.empty() ? Tensor() : batch.y[0], class_weight, sample_weight);
  reset_metrics();
  return train_step(batch);
}

Logs Model::test_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight) {
  FlushDenormalScope flush;
  require_compiled("test_on_batch");
  Batch batch;
  batch.x = resolve_inputs(x, "test_on_batch");
  batch.y = resolve_targets(y, "test_on_batch");
  trainer_detail::check_same_rows(batch.x, batch.y, "test_on_batch");
  ensure_built(batch.x);
  batch.sample_weight = sample_weight;
  reset_metrics();
  NoGradGuard no_grad;
  return test_step(batch);
}

Tensor Model::predict_on_batch(const Tensors& x) {
  FlushDenormalScope flush;
  Batch batch;
  batch.x = resolve_inputs(x, "predict_on_batch");
  ensure_built(batch.x);
  NoGradGuard no_grad;
  auto outs = predict_step(batch);
  if (outs.size() != 1)
    throw ValueError("predict_on_batch: model '" + name() + "' has " + std::to_string(outs.size()) +
                     " outputs; use call_outputs()");
  return outs[0].detach();
}

}  // namespace temper
