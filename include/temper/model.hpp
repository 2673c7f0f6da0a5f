// model.hpp — models and the training loop (Keras: keras.Model, keras.Sequential). The graph
// is implemented in src/models/, the trainer (compile, fit, evaluate, predict, the step
// functions) in src/trainers/; the arguments of compile/fit/... are in temper/trainer.hpp.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "temper/callbacks.hpp"
#include "temper/functional.hpp"
#include "temper/layer.hpp"
#include "temper/layers/input_layer.hpp"
#include "temper/losses.hpp"
#include "temper/metrics.hpp"
#include "temper/optimizers.hpp"
#include "temper/random.hpp"
#include "temper/trainer.hpp"

namespace temper {

namespace datasets { class Dataset; }

/// Options of a functional Model (Keras: keras.Model(inputs, outputs, name=...)).
struct ModelOptions {
  std::string name = "functional";
  std::optional<std::uint64_t> seed{};  ///< fixes initial weights, dropout and shuffling
};

namespace detail { struct Graph; }
class TrainingData;  // src/trainers/training_data.hpp

/// The trainable model (Keras: keras.Model): a graph of layers plus
/// compile/fit/evaluate/predict.
///
/// Built from symbolic tensors (`Model(inputs, outputs)`, the functional API of
/// temper/functional.hpp) it runs its layer graph in topological order; Sequential and other
/// subclasses define the forward computation themselves. A Model is a Layer, so it can be
/// called inside another model (nested models share their weights). It owns the training
/// loop, metrics, callbacks, the optimizer and its seeded random stream (initial weights,
/// dropout masks, shuffling), so the same seed gives the same weights and the same history.
///
/// What one step of fit / evaluate / predict does is a protected virtual member
/// (`train_step`, `test_step`, `predict_step`, and the `compute_loss` / `compute_metrics` they
/// call), so a subclass of Model or Sequential can change it and keep everything else of fit
/// — batching, shuffling, callbacks, the progress bar, History (Keras: "customizing what
/// happens in fit()"; docs/custom-training.md, lesson 8).
class Model : public Layer {
 public:
  /// The data of one step (Keras: the `data` a train_step receives, as unpacked by
  /// `keras.utils.unpack_x_y_sample_weight`). fit and evaluate reuse one Batch for every step.
  struct Batch {
    std::vector<Tensor> x;  ///< one tensor per model input, in input order
    std::vector<Tensor> y;  ///< one per output; empty in predict and when no targets were given
    Tensor sample_weight;   ///< (batch,) loss weights, class_weight included; undefined if none
    /// The number of samples (rows of the first input; 0 without inputs).
    std::int64_t size() const;
  };

  /// A functional model from its input and output symbolic tensors. Validates the graph:
  /// an output not computable from the inputs ("graph disconnected"), an input that no
  /// output uses, cycles and duplicate layer names are ValueErrors naming the layers.
  Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
        ModelOptions options = {});
  Model(const SymbolicTensor& input, const SymbolicTensor& output, ModelOptions options = {});
  Model(const std::vector<SymbolicTensor>& inputs, const std::vector<SymbolicTensor>& outputs,
        const std::string& name);
  Model(const SymbolicTensor& input, const SymbolicTensor& output, const std::string& name);
  ~Model() override;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // ---- structure -----------------------------------------------------------------------
  /// "Functional" for a graph model; subclasses name themselves.
  std::string class_name() const override;
  /// The model's layers in order (Keras model.layers: a functional model lists its
  /// InputLayers too; Sequential does not).
  virtual std::vector<LayerPtr> layers() const;
  /// Keras get_layer(name=...) / get_layer(index=...); ValueError naming the known layers.
  LayerPtr get_layer(const std::string& name) const;
  LayerPtr get_layer(std::size_t index) const;
  /// Builds every layer for inputs of `input_shape` (batch axis -1 or a number), checking
  /// each layer's input shape; a misfit throws ShapeError naming the layer and both shapes.
  void build(const Shape& input_shape) override;
  bool built() const noexcept override;
  /// The model's (first) input shape with a -1 batch axis (empty before build).
  virtual Shape input_shape() const;
  /// The model's (first) output shape.
  virtual Shape output_shape() const;
  /// Names and shapes of every input / output (functional models; one entry otherwise).
  std::vector<std::string> input_names() const;
  std::vector<std::string> output_names() const;
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  /// The functional graph's symbolic inputs and outputs (empty for other models).
  const std::vector<SymbolicTensor>& inputs() const;
  const std::vector<SymbolicTensor>& outputs() const;
  bool is_functional() const noexcept { return static_cast<bool>(graph_); }

  /// Forward pass (Keras Model.call) of a one-input, one-output model.
  Tensor call(const Tensor& x, bool training) override;
  /// Forward pass with several inputs (one output).
  Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
  /// Forward pass returning every output, inputs in model order.
  virtual std::vector<Tensor> call_outputs(const std::vector<Tensor>& inputs, bool training);
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  void build_multi(const std::vector<Shape>& input_shapes) override;
  using Layer::operator();
  /// Keras model(x, training=...): builds on first use.
  Tensor operator()(const Tensor& x, bool training = false);
  /// Keras get_config(): the functional graph config (layers with inbound_nodes,
  /// input_layers, output_layers) in Keras 3's layout.
  Config get_config() const override;
  /// Rebuilds a functional model from a Keras 3 or legacy (tf.keras) functional config.
  static std::shared_ptr<Model> from_config(const Config& config);

  // ---- weights -------------------------------------------------------------------------
  std::vector<VariablePtr> weights() const override;
  std::vector<VariablePtr> trainable_weights() const override;
  std::vector<VariablePtr> non_trainable_weights() const override;
  std::vector<Tensor> regularization_losses() const override;
  /// Keras model.trainable = ...: applies to every layer of the model.
  void set_trainable(bool t) override;
  /// Copies of the weight values in `weights()` order (Keras get_weights).
  std::vector<Tensor> get_weights() const;
  /// Keras set_weights: ShapeError naming the weight on a count or shape mismatch.
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t count_params() const override;

  // ---- training ------------------------------------------------------------------------
  /// Keras compile: resolves names and captures which weights are trainable. A bad name
  /// leaves the model unchanged.
  void compile(OptimizerArg optimizer = "rmsprop", LossArg loss = "mean_squared_error",
               std::vector<MetricArg> metrics = {}, CompileOptions options = {});
  /// Keras compile with per-output losses only (`options.losses` names every output).
  void compile(OptimizerArg optimizer, CompileOptions options);
  bool compiled() const noexcept { return compiled_; }
  /// Keras fit on in-memory arrays. Returns the History (also kept as `history()`). `y` may
  /// be empty (`{}`) for a model whose train_step needs no targets.
  History fit(const Tensors& x, const Tensors& y, FitOptions options = {});
  /// Keras evaluate: {"loss": ..., "<metric>": ...} (multi-output: "<output>_loss", ...), or
  /// what a custom test_step logs. `y` may be empty for a test_step that needs no targets.
  Logs evaluate(const Tensors& x, const Tensors& y, EvaluateOptions options = {});
  /// Keras predict for a one-output model: outputs of every batch concatenated.
  Tensor predict(const Tensors& x, PredictOptions options = {});
  /// Keras predict for any model: one tensor per output, in output order.
  std::vector<Tensor> predict_outputs(const Tensors& x, PredictOptions options = {});
  /// Keras train_on_batch: one optimizer step; returns the logs of that batch.
  Logs train_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight = Tensor(),
                      const std::map<int, double>& class_weight = {});
  /// Keras test_on_batch.
  Logs test_on_batch(const Tensors& x, const Tensors& y, const Tensor& sample_weight = Tensor());
  /// Keras predict_on_batch: one forward pass in inference mode, no progress bar.
  Tensor predict_on_batch(const Tensors& x);

  /// Keras model.stop_training: set by callbacks to end fit after the current batch.
  bool stop_training = false;
  /// Set by a callback in on_train_begin (BackupAndRestore) to make fit start at this epoch
  /// instead of FitOptions::initial_epoch (Keras: model._initial_epoch). Consumed by fit.
  std::optional<int> resume_epoch{};
  const History& history() const noexcept { return history_; }
  const optimizers::OptimizerPtr& optimizer() const noexcept { return optimizer_; }
  /// The loss of the first output (the only one for most models).
  losses::LossPtr loss() const;
  /// Per-output losses and their weights, in output order (after compile).
  std::vector<losses::LossPtr> output_losses() const;
  std::vector<double> loss_weights() const;
  /// Every metric the model tracks (Keras model.metrics): the loss tracker, the per-output
  /// loss trackers, then the compiled metrics (after the first batch resolved them).
  /// fit and evaluate reset these at the start of every epoch and evaluation. A model that
  /// tracks its own metrics in a custom train_step overrides this to add them.
  virtual std::vector<metrics::MetricPtr> metrics() const;
  /// Keras metrics_names: "loss" then compiled metric names.
  std::vector<std::string> metrics_names() const;
  void reset_metrics();
  /// Keras get_metrics_result(): {name: result()} of every metric in metrics().
  Logs get_metrics_result() const;
  /// The compile() arguments as Keras's compile_config / training_config JSON.
  Config compile_config() const;

  // ---- files (temper/saving.hpp) --------------------------------------------------------
  /// Keras model.save: the whole model — architecture, weights, optimizer state, compile
  /// arguments — as a `.keras` zip or a legacy `.h5` file (by extension). Atomic.
  void save(const std::string& path) const;
  /// Keras model.save_weights: `.weights.h5` (Keras 3 layout, optimizer state included) or a
  /// legacy weights-only `.h5`. Atomic.
  void save_weights(const std::string& path) const;
  /// Keras model.load_weights: reads `.weights.h5`, legacy `.h5` (full or weights-only) and
  /// `.keras`. A layer-count or shape mismatch names the layer and both shapes and leaves the
  /// model unchanged.
  void load_weights(const std::string& path);

  /// Prints Keras's summary table (layer, output shape, params; "Connected to" for graphs;
  /// totals) to `os`.
  void summary(std::ostream& os, int line_length = 0) const;
  /// Prints the summary to stdout.
  void summary() const;
  std::string summary_string(int line_length = 0) const;

  /// Reseeds the model's random stream (weights built after this, dropout, shuffling).
  void set_seed(std::uint64_t seed);

 protected:
  /// For subclasses (Sequential, user models) that define call() themselves.
  explicit Model(std::string name, std::optional<std::uint64_t> seed = std::nullopt);
  /// Gives a new layer a unique Keras-style name (`dense`, `dense_1`) within this model and a
  /// child of the model's random stream.
  void adopt_layer(Layer& layer, const std::vector<LayerPtr>& existing);

  // ---- the steps (Keras 3 Trainer; override to customise fit / evaluate / predict) ---------
  /// One optimizer step on one batch, called by fit (every step) and train_on_batch; returns
  /// the logs that the progress bar, callbacks' on_train_batch_end and (at the end of an
  /// epoch) History receive. The default runs call_outputs(x, training = true),
  /// compute_loss, updates the loss tracker with it, apply_gradients(loss), and returns
  /// compute_metrics on the (detached) predictions.
  virtual Logs train_step(const Batch& batch);
  /// One evaluation step, called by evaluate, fit's validation and test_on_batch: the same
  /// without gradients, in inference mode (under NoGradGuard).
  virtual Logs test_step(const Batch& batch);
  /// The outputs for one batch of inputs (`batch.y` is empty), called by predict,
  /// predict_outputs and predict_on_batch under NoGradGuard: call_outputs(x, false).
  virtual std::vector<Tensor> predict_step(const Batch& batch);
  /// The total loss of a batch (Keras compute_loss): the compiled loss of every output
  /// (times its loss weight) plus the layers' regularization losses, differentiable. It also
  /// updates the per-output loss trackers of a multi-output model. Override it to add a term
  /// that the default train_step / test_step then minimise and report as "loss".
  virtual Tensor compute_loss(const Batch& batch, const std::vector<Tensor>& y_pred);
  /// Updates the compiled metrics with this batch's predictions and returns
  /// get_metrics_result() (Keras compute_metrics). The loss trackers are updated by the steps
  /// and compute_loss, not here.
  virtual Logs compute_metrics(const Batch& batch, const std::vector<Tensor>& y_pred);

  // ---- helpers for writing a step ------------------------------------------------------
  /// The "loss" metric (a Mean) that the default steps update with compute_loss's value,
  /// weighted by the batch size: `loss_tracker().update_state(loss.item(), batch.size())`.
  /// StateError before compile.
  metrics::Mean& loss_tracker();
  /// Backpropagates `loss` and takes one step of the compiled optimizer on the model's
  /// trainable weights (as captured by compile / fit), then clears their gradients.
  void apply_gradients(const Tensor& loss);
  /// Takes one step of `optimizer` on `variables` only, with d(loss)/d(variables) (Keras:
  /// `optimizer.apply(tape.gradient(loss, variables), variables)`); no other variable's
  /// gradient is touched, so a GAN can step its generator and its discriminator separately.
  void apply_gradients(const Tensor& loss, const std::vector<VariablePtr>& variables,
                       optimizers::Optimizer& optimizer);

 private:
  struct OutputHead;
  void require_compiled(const char* what) const;
  void ensure_built(const std::vector<Tensor>& xs);
  std::vector<Tensor> resolve_inputs(const Tensors& x, const char* what) const;
  std::vector<Tensor> resolve_targets(const Tensors& y, const char* what) const;
  void resolve_metrics(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds);
  Logs run_evaluation(TrainingData& data, CallbackList& callbacks);
  Tensor class_weights_to_sample_weights(const Tensor& y, const std::map<int, double>& cw,
                                         const Tensor& sample_weight) const;

  std::shared_ptr<detail::Graph> graph_;
  optimizers::OptimizerPtr optimizer_;
  bool compiled_ = false;
  std::vector<std::shared_ptr<OutputHead>> heads_;     // one per output (after compile)
  std::vector<MetricArg> weighted_metric_args_;
  std::shared_ptr<metrics::Mean> loss_tracker_;
  bool metrics_resolved_ = false;
  std::vector<VariablePtr> trainable_at_compile_;
  Config compile_config_;
  History history_;
};

/// A linear stack of layers (Keras: keras.Sequential).
///
/// With an `layers::Input` first (or once the first batch is seen) the model builds every
/// layer in order, so a layer whose input shape does not fit is reported when the model is
/// constructed or compiled, not in the middle of training.
class Sequential : public Model {
 public:
  struct Options {
    std::string name = "sequential";
    std::optional<std::uint64_t> seed{};  ///< fixes initial weights, dropout and shuffling
  };
  Sequential();
  explicit Sequential(std::vector<LayerRef> layers);
  Sequential(std::vector<LayerRef> layers, Options options);
  Sequential(std::initializer_list<LayerRef> layers);
  Sequential(std::initializer_list<LayerRef> layers, Options options);

  std::string class_name() const override { return "Sequential"; }
  /// Keras Sequential.add: appends (and builds, when the input shape is known).
  void add(LayerRef layer);
  /// Keras Sequential.pop: removes the last layer.
  void pop();
  std::vector<LayerPtr> layers() const override { return layers_; }
  void build(const Shape& input_shape) override;
  bool built() const noexcept override { return built_; }
  Shape input_shape() const override { return input_shape_; }
  Shape output_shape() const override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Tensor call(const Tensor& x, bool training) override;
  Config get_config() const override;
  /// Rebuilds a Sequential from its Keras config (Keras 3 `batch_shape` or legacy
  /// `batch_input_shape` InputLayer, or `build_input_shape`).
  static std::shared_ptr<Sequential> from_config(const Config& config);

 private:
  std::vector<LayerPtr> layers_;
  std::shared_ptr<layers::InputLayer> input_;
  Shape input_shape_;
  bool built_ = false;
};

/// Rebuilds a model (Sequential or functional) from its Keras config object
/// {"class_name": ..., "config": {...}} (Keras: keras.models.model_from_config / deserialize).
/// Unknown layer classes throw UnknownNameError naming the class and the closest known ones.
std::shared_ptr<Model> model_from_config(const Config& config);

/// Keras: model.to_json() as an object — the model config wrapped with class_name / config /
/// module.
Config model_to_config(const Model& model);

/// Keras: model.to_json() — model_to_config as a JSON string (`indent` < 0: compact).
std::string model_to_json(const Model& model, int indent = -1);

/// Keras: keras.models.model_from_json — reads what model_to_json (or Keras's to_json())
/// wrote. Malformed JSON throws ConfigError with the parser's position.
std::shared_ptr<Model> model_from_json(const std::string& json);

}  // namespace temper
