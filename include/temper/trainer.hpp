// trainer.hpp — the arguments of compile / fit / evaluate / predict (Keras: the keyword
// arguments of Model.compile, Model.fit, ...). The trainer itself — the loops, the step
// functions a subclass overrides (train_step, compute_loss, ...) and the metric bookkeeping —
// is part of temper::Model (temper/model.hpp, docs/custom-training.md), as Keras 3's Model
// is a Trainer. Included by temper/model.hpp.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "temper/callbacks.hpp"
#include "temper/losses.hpp"
#include "temper/metrics.hpp"
#include "temper/optimizers.hpp"
#include "temper/tensor.hpp"

namespace temper {

/// An optimizer argument for compile: a name ("adam"), an optimizer value
/// (`optimizers::Adam(1e-3)`) or a shared optimizer.
class OptimizerArg {
 public:
  OptimizerArg(const char* name);         // NOLINT(google-explicit-constructor)
  OptimizerArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class O>
    requires std::is_base_of_v<optimizers::Optimizer, std::decay_t<O>>
  OptimizerArg(O&& o) : ptr_(std::make_shared<std::decay_t<O>>(std::forward<O>(o))) {}  // NOLINT
  OptimizerArg(optimizers::OptimizerPtr p) : ptr_(std::move(p)) {}  // NOLINT
  const optimizers::OptimizerPtr& get() const noexcept { return ptr_; }

 private:
  optimizers::OptimizerPtr ptr_;
};

/// A loss argument for compile: a name ("sparse_categorical_crossentropy", "mse"), a loss
/// value (`losses::SparseCategoricalCrossentropy({.from_logits = true})`) or a shared loss.
class LossArg {
 public:
  LossArg(const char* name);         // NOLINT(google-explicit-constructor)
  LossArg(const std::string& name);  // NOLINT(google-explicit-constructor)
  template <class L>
    requires std::is_base_of_v<losses::Loss, std::decay_t<L>>
  LossArg(L&& l) : ptr_(std::make_shared<std::decay_t<L>>(std::forward<L>(l))) {}  // NOLINT
  LossArg(losses::LossPtr p) : ptr_(std::move(p)) {}  // NOLINT
  const losses::LossPtr& get() const noexcept { return ptr_; }

 private:
  losses::LossPtr ptr_;
};

/// A metric argument for compile: a name ("accuracy", "mae") resolved once shapes are known,
/// or a metric object.
class MetricArg {
 public:
  MetricArg(const char* name) : name_(name) {}         // NOLINT(google-explicit-constructor)
  MetricArg(std::string name) : name_(std::move(name)) {}  // NOLINT(google-explicit-constructor)
  template <class M>
    requires std::is_base_of_v<metrics::Metric, std::decay_t<M>>
  MetricArg(M&& m) : ptr_(std::make_shared<std::decay_t<M>>(std::forward<M>(m))) {}  // NOLINT
  MetricArg(metrics::MetricPtr p) : ptr_(std::move(p)) {}  // NOLINT
  const std::string& name() const noexcept { return name_; }
  const metrics::MetricPtr& ptr() const noexcept { return ptr_; }

 private:
  std::string name_;
  metrics::MetricPtr ptr_;
};

/// Model data: one tensor, a list of tensors (one per model input or output, in order) or a
/// name -> tensor map keyed by input/output names (Keras: a nested structure of arrays).
///
///   model.fit(x, y);                                  // one input, one output
///   model.fit({x_text, x_meta}, {y_main, y_aux});     // lists, in model order
///   model.fit(Tensors::named({{"text", xt}, {"meta", xm}}), ...);
class Tensors {
 public:
  Tensors() = default;
  Tensors(Tensor t) { list_.push_back(std::move(t)); }                       // NOLINT
  Tensors(std::vector<Tensor> list) : list_(std::move(list)) {}              // NOLINT
  Tensors(std::initializer_list<Tensor> list) : list_(list) {}               // NOLINT
  Tensors(std::map<std::string, Tensor> named);                              // NOLINT
  /// A name -> tensor map (the names of the model's inputs or outputs).
  static Tensors named(std::map<std::string, Tensor> named) { return Tensors(std::move(named)); }

  bool empty() const noexcept { return list_.empty(); }
  std::size_t size() const noexcept { return list_.size(); }
  bool is_named() const noexcept { return !names_.empty(); }
  const std::vector<Tensor>& list() const noexcept { return list_; }
  const std::vector<std::string>& names() const noexcept { return names_; }
  /// The tensors in the order of `expected` names; a missing or unknown name throws
  /// ValueError naming it and the expected names. `what` is "inputs" or "targets".
  std::vector<Tensor> resolve(const std::vector<std::string>& expected, const std::string& what) const;

 private:
  std::vector<Tensor> list_;
  std::vector<std::string> names_;  // parallel to list_ when built from a map
};

/// Validation data given explicitly to fit (Keras: `validation_data=(x, y[, sample_weight])`).
struct ValidationData {
  Tensors x{}, y{};
  Tensor sample_weight{};
};

/// Keras fit() arguments with Keras's defaults. `epochs` is the index of the final epoch
/// (training runs epochs initial_epoch .. epochs-1), as in Keras.
struct FitOptions {
  std::int64_t batch_size = 32;
  int epochs = 1;
  int verbose = 1;  ///< 0 silent, 1 progress bar, 2 one line per epoch
  std::vector<CallbackPtr> callbacks{};
  double validation_split = 0.0;  ///< the last fraction of the samples, taken before shuffling
  std::optional<ValidationData> validation_data{};
  bool shuffle = true;
  std::map<int, double> class_weight{};  ///< class index -> weight of its samples in the loss
  Tensor sample_weight{};              ///< (N,) per-sample loss weights
  int initial_epoch = 0;
  std::optional<std::int64_t> steps_per_epoch{};
  int validation_freq = 1;
  std::optional<std::int64_t> validation_batch_size{};
};

/// Keras evaluate() arguments.
struct EvaluateOptions {
  std::int64_t batch_size = 32;
  int verbose = 1;
  Tensor sample_weight{};
  std::optional<std::int64_t> steps{};
  std::vector<CallbackPtr> callbacks{};
};

/// Keras predict() arguments.
struct PredictOptions {
  std::int64_t batch_size = 32;
  int verbose = 1;
  std::optional<std::int64_t> steps{};
  std::vector<CallbackPtr> callbacks{};
};

/// Keras compile() extras, including the per-output forms of a multi-output model
/// (Keras: `loss={"main": ..., "aux": ...}`, `loss_weights`, `metrics={"aux": [...]}`).
/// Outputs are named by the layer that produces them.
struct CompileOptions {
  std::vector<MetricArg> weighted_metrics{};
  /// Per-output losses by output name; outputs not listed use the `loss` argument.
  std::map<std::string, LossArg> losses{};
  /// Per-output loss weights by output name (default 1).
  std::map<std::string, double> loss_weights{};
  /// Per-output loss weights in output order (alternative to the map).
  std::vector<double> loss_weights_list{};
  /// Per-output metrics by output name; the `metrics` argument applies to every output.
  std::map<std::string, std::vector<MetricArg>> output_metrics{};
};

}  // namespace temper
