// model.hpp — models and the training loop (Keras: keras.Model, keras.Sequential).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "temper/callbacks.hpp"
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

/// Validation data given explicitly to fit (Keras: `validation_data=(x, y[, sample_weight])`).
struct ValidationData {
  Tensor x{}, y{}, sample_weight{};
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

/// Keras compile() extras.
struct CompileOptions {
  std::vector<MetricArg> weighted_metrics{};
};

/// The trainable model (Keras: keras.Model): layers plus compile/fit/evaluate/predict.
///
/// Subclasses define the forward computation (`call`) and the layer structure; this class
/// owns the training loop, metrics, callbacks, the optimizer and the model's seeded random
/// stream (initial weights, dropout masks, shuffling), so the same seed gives the same
/// weights and the same history.
class Model {
 public:
  explicit Model(std::string name, std::optional<std::uint64_t> seed = std::nullopt);
  virtual ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // ---- structure -----------------------------------------------------------------------
  const std::string& name() const noexcept { return name_; }
  virtual std::string class_name() const = 0;
  /// The model's layers in order (InputLayer excluded, as in Keras's Sequential.layers).
  virtual std::vector<LayerPtr> layers() const = 0;
  /// Keras get_layer(name=...) / get_layer(index=...); ValueError naming the known layers.
  LayerPtr get_layer(const std::string& name) const;
  LayerPtr get_layer(std::size_t index) const;
  /// Builds every layer for inputs of `input_shape` (batch axis -1 or a number), checking
  /// each layer's input shape; a misfit throws ShapeError naming the layer and both shapes.
  virtual void build(const Shape& input_shape) = 0;
  virtual bool built() const = 0;
  /// The model's input shape with a -1 batch axis (empty before build).
  virtual Shape input_shape() const = 0;
  virtual Shape output_shape() const = 0;
  /// Forward pass (Keras Model.call).
  virtual Tensor call(const Tensor& x, bool training) = 0;
  /// Keras model(x, training=...): builds on first use.
  Tensor operator()(const Tensor& x, bool training = false);
  virtual Config get_config() const = 0;

  // ---- weights -------------------------------------------------------------------------
  std::vector<VariablePtr> weights() const;
  std::vector<VariablePtr> trainable_weights() const;
  std::vector<VariablePtr> non_trainable_weights() const;
  /// Copies of the weight values in `weights()` order (Keras get_weights).
  std::vector<Tensor> get_weights() const;
  /// Keras set_weights: ShapeError naming the weight on a count or shape mismatch.
  void set_weights(const std::vector<Tensor>& values);
  std::int64_t count_params() const;

  // ---- training ------------------------------------------------------------------------
  /// Keras compile: resolves names and captures which weights are trainable.
  void compile(OptimizerArg optimizer = "rmsprop", LossArg loss = "mean_squared_error",
               std::vector<MetricArg> metrics = {}, CompileOptions options = {});
  bool compiled() const noexcept { return static_cast<bool>(loss_); }
  /// Keras fit on in-memory arrays. Returns the History (also kept as `history()`).
  History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
  /// Keras evaluate: {"loss": ..., "<metric>": ...}.
  Logs evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {});
  /// Keras predict: outputs of every batch concatenated.
  Tensor predict(const Tensor& x, PredictOptions options = {});
  /// Keras train_on_batch: one optimizer step; returns the logs of that batch.
  Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor(),
                      const std::map<int, double>& class_weight = {});
  /// Keras test_on_batch.
  Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = Tensor());
  /// Keras predict_on_batch: one forward pass in inference mode, no progress bar.
  Tensor predict_on_batch(const Tensor& x);

  /// Keras model.stop_training: set by callbacks to end fit after the current batch.
  bool stop_training = false;
  const History& history() const noexcept { return history_; }
  const optimizers::OptimizerPtr& optimizer() const noexcept { return optimizer_; }
  const losses::LossPtr& loss() const noexcept { return loss_; }
  /// Compiled metrics (after the first batch resolved them), loss tracker first.
  std::vector<metrics::MetricPtr> metrics() const;
  /// Keras metrics_names: "loss" then compiled metric names.
  std::vector<std::string> metrics_names() const;
  void reset_metrics();

  /// Prints Keras's summary table (layer, output shape, params; totals) to `os`.
  void summary(std::ostream& os, int line_length = 0) const;
  /// Prints the summary to stdout.
  void summary() const;
  std::string summary_string(int line_length = 0) const;

  /// Reseeds the model's random stream (weights built after this, dropout, shuffling).
  void set_seed(std::uint64_t seed);
  Generator& generator() noexcept { return rng_; }

 protected:
  /// Gives a new layer a unique Keras-style name (`dense`, `dense_1`) within this model and a
  /// child of the model's random stream.
  void adopt_layer(Layer& layer, const std::vector<LayerPtr>& existing);

 private:
  void require_compiled(const char* what) const;
  void ensure_built(const Tensor& x);
  void resolve_metrics(const Tensor& y, const Tensor& y_pred);
  Tensor total_loss(const Tensor& y, const Tensor& y_pred, const Tensor& sample_weight);
  void train_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
  void test_step(const Tensor& x, const Tensor& y, const Tensor& sample_weight);
  Logs current_logs() const;
  Logs run_evaluation(const datasets::Dataset& data, CallbackList& callbacks);
  Tensor class_weights_to_sample_weights(const Tensor& y, const std::map<int, double>& cw,
                                         const Tensor& sample_weight) const;

  std::string name_;
  Generator rng_;
  optimizers::OptimizerPtr optimizer_;
  losses::LossPtr loss_;
  std::vector<MetricArg> metric_args_;
  std::vector<MetricArg> weighted_metric_args_;
  std::vector<metrics::MetricPtr> metrics_;           // resolved compiled metrics
  std::vector<metrics::MetricPtr> weighted_metrics_;
  std::shared_ptr<metrics::Mean> loss_tracker_;
  bool metrics_resolved_ = false;
  std::vector<VariablePtr> trainable_at_compile_;
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
  bool built() const override { return built_; }
  Shape input_shape() const override { return input_shape_; }
  Shape output_shape() const override;
  Tensor call(const Tensor& x, bool training) override;
  Config get_config() const override;

 private:
  std::vector<LayerPtr> layers_;
  std::shared_ptr<layers::InputLayer> input_;
  Shape input_shape_;
  bool built_ = false;
};

}  // namespace temper
