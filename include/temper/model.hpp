// model.hpp — models and the training loop (Keras: keras.Model, keras.Sequential).
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

namespace temper {

namespace datasets { class Dataset; }

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

/// Options of a functional Model (Keras: keras.Model(inputs, outputs, name=...)).
struct ModelOptions {
  std::string name = "functional";
  std::optional<std::uint64_t> seed{};  ///< fixes initial weights, dropout and shuffling
};

namespace detail { struct Graph; }
class TrainingData;  // src/training_data.hpp

/// The trainable model (Keras: keras.Model): a graph of layers plus
/// compile/fit/evaluate/predict.
///
/// Built from symbolic tensors (`Model(inputs, outputs)`, the functional API of
/// temper/functional.hpp) it runs its layer graph in topological order; Sequential and other
/// subclasses define the forward computation themselves. A Model is a Layer, so it can be
/// called inside another model (nested models share their weights). It owns the training
/// loop, metrics, callbacks, the optimizer and its seeded random stream (initial weights,
/// dropout masks, shuffling), so the same seed gives the same weights and the same history.
class Model : public Layer {
 public:
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
  /// Keras fit on in-memory arrays. Returns the History (also kept as `history()`).
  History fit(const Tensors& x, const Tensors& y, FitOptions options = {});
  /// Keras evaluate: {"loss": ..., "<metric>": ...} (multi-output: "<output>_loss", ...).
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
  /// Compiled metrics (after the first batch resolved them), loss trackers first.
  std::vector<metrics::MetricPtr> metrics() const;
  /// Keras metrics_names: "loss" then compiled metric names.
  std::vector<std::string> metrics_names() const;
  void reset_metrics();
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

 private:
  struct OutputHead;
  void require_compiled(const char* what) const;
  void ensure_built(const std::vector<Tensor>& xs);
  std::vector<Tensor> resolve_inputs(const Tensors& x, const char* what) const;
  std::vector<Tensor> resolve_targets(const Tensors& y, const char* what) const;
  void resolve_metrics(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds);
  Tensor total_loss(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds,
                    const Tensor& sample_weight, std::vector<double>* per_output);
  void train_step(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight);
  void test_step(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight);
  void update_metrics(const std::vector<Tensor>& ys, const std::vector<Tensor>& preds,
                      const Tensor& sample_weight, double loss, const std::vector<double>& per_output,
                      std::int64_t batch);
  Logs current_logs() const;
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
