// The loops (Keras 3 Trainer: fit, evaluate, predict): validate the arrays, batch and shuffle
// them, drive the callbacks, and call the virtual step functions (steps.cpp) once per batch.
// One Model::Batch is filled in place for every step, so a step allocates no batch vectors.
#include <algorithm>

#include "src/trainers/trainer_internal.hpp"
#include "src/trainers/training_data.hpp"
#include "temper/autograd.hpp"
#include "temper/backend.hpp"
#include "temper/denormals.hpp"

namespace temper {

using trainer_detail::batch_count;
using trainer_detail::check_batch_size;
using trainer_detail::check_same_rows;

namespace {
// Keras _get_metrics_result_or_logs: the metric results when the last step's logs have the
// same keys (the default steps), else the last step's own logs (a custom step's).
Logs metrics_result_or(const Model& model, const Logs& last, bool any_step) {
  Logs metric_logs = model.get_metrics_result();
  if (!any_step) return metric_logs;
  bool same_keys = metric_logs.size() == last.size();
  for (auto a = metric_logs.cbegin(), b = last.cbegin(); same_keys && a != metric_logs.end(); ++a, ++b)
    same_keys = a->first == b->first;
  return same_keys ? metric_logs : last;
}
}  // namespace

History Model::fit(const Tensors& x, const Tensors& y, FitOptions opt) {
  FlushDenormalScope flush;
  require_compiled("fit");
  auto xs = resolve_inputs(x, "fit");
  auto ys = resolve_targets(y, "fit");  // may be empty: a custom train_step may need none
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
  if (!opt.class_weight.empty() && ys.size() > 1)
    throw ValueError("fit: class_weight is only supported for models with one output (use sample_weight)");
  ensure_built(xs);
  trainable_at_compile_ = trainable_weights();
  optimizer_->build(trainable_at_compile_);

  Tensor sw = class_weights_to_sample_weights(ys.empty() ? Tensor() : ys[0], opt.class_weight, opt.sample_weight);
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
  Batch batch;
  Logs logs, epoch_logs;
  for (int epoch = first_epoch; epoch < opt.epochs; ++epoch) {
    reset_metrics();
    callbacks.on_epoch_begin(epoch);
    train.start_epoch(epoch);
    bool any_step = false;
    for (std::int64_t step = 0; step < steps; ++step) {
      callbacks.on_train_batch_begin(step);
      train.get_batch(step, batch);
      logs = train_step(batch);
      any_step = true;
      callbacks.on_train_batch_end(step, logs);
      if (stop_training) break;
    }
    batch.x.clear();  // the last batch's rows are not kept through validation
    batch.y.clear();
    batch.sample_weight = Tensor();
    epoch_logs = metrics_result_or(*this, logs, any_step);
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
  Batch batch;
  Logs logs;
  for (std::int64_t i = 0; i < data.num_batches(); ++i) {
    callbacks.on_test_batch_begin(i);
    data.get_batch(i, batch);
    {
      NoGradGuard no_grad;  // a custom test_step need not remember it
      logs = test_step(batch);
    }
    callbacks.on_test_batch_end(i, logs);
  }
  logs = metrics_result_or(*this, logs, data.num_batches() > 0);
  callbacks.on_test_end(logs);
  return logs;
}

Logs Model::evaluate(const Tensors& x, const Tensors& y, EvaluateOptions opt) {
  FlushDenormalScope flush;
  require_compiled("evaluate");
  auto xs = resolve_inputs(x, "evaluate");
  auto ys = resolve_targets(y, "evaluate");  // may be empty: a custom test_step may need none
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
  FlushDenormalScope flush;
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
  Batch batch;
  batch.x.resize(xs.size());
  for (std::int64_t i = 0; i < steps; ++i) {
    callbacks.on_predict_batch_begin(i);
    const std::int64_t b = i * opt.batch_size, e = std::min(rows, b + opt.batch_size);
    for (std::size_t k = 0; k < xs.size(); ++k) batch.x[k] = xs[k].slice_rows(b, e);
    auto ybs = predict_step(batch);
    if (outs.empty()) {
      for (const auto& yb : ybs) {
        Shape s = yb.shape();
        if (s.empty()) throw ShapeError("predict: predict_step returned a scalar; outputs need a batch axis");
        s[0] = rows;
        outs.push_back(Tensor::empty(s, yb.dtype(), &yb.backend()));
      }
    }
    if (ybs.size() != outs.size())
      throw ValueError("predict: predict_step returned " + std::to_string(ybs.size()) + " outputs for batch " +
                       std::to_string(i) + " but " + std::to_string(outs.size()) + " for the first batch");
    for (std::size_t k = 0; k < ybs.size(); ++k) {
      if (ybs[k].rank() != outs[k].rank() || ybs[k].shape()[0] != e - b)
        throw ShapeError("predict: output " + std::to_string(k) + " of batch " + std::to_string(i) + " has shape " +
                         shape_to_string(ybs[k].shape()) + " for " + std::to_string(e - b) + " samples");
      outs[k].backend().copy_axis_block(ybs[k], 0, 0, outs[k], b, e - b, false);
    }
    callbacks.on_predict_batch_end(i);
  }
  callbacks.on_predict_end();
  if (outs.empty()) outs.push_back(Tensor::empty({0}, DType::Float32));
  return outs;
}

}  // namespace temper
