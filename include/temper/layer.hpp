// layer.hpp — the base class of every layer (Keras: keras.layers.Layer).
#pragma once
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "temper/config.hpp"
#include "temper/initializers.hpp"
#include "temper/random.hpp"
#include "temper/regularizers.hpp"
#include "temper/tensor.hpp"
#include "temper/variable.hpp"

namespace temper {

class SymbolicTensor;  // temper/functional.hpp
template <class Options> class Arguments;  // temper/arguments.hpp: a class's argument table
namespace detail {
struct LayerAccess;  // lets the functional graph and models reach build state (src/ only)
}  // namespace detail

/// The base of all layers (Keras: keras.layers.Layer).
///
/// A layer is built lazily: the first call (or the model's build) passes the input shape,
/// with -1 for the batch axis, to `build()`, which creates the weights through `add_weight`.
/// `call()` composes differentiable ops, so a subclass never writes a backward pass.
/// `operator()` checks every later input against the shape the layer was built for and
/// reports a mismatch as a ShapeError naming the layer and both shapes.
class Layer : public std::enable_shared_from_this<Layer> {
 public:
  explicit Layer(std::string name = "", bool trainable = true);
  virtual ~Layer();
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;
  Layer(Layer&&) = default;
  Layer& operator=(Layer&&) = default;

  /// Keras class name, e.g. "Dense" (also the registry key).
  virtual std::string class_name() const = 0;

  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  bool trainable() const noexcept { return trainable_; }
  virtual void set_trainable(bool t);
  virtual bool built() const noexcept { return built_; }

  /// Creates the weights for inputs of `input_shape` (batch axis -1). Subclasses override
  /// `build` and must call `Layer::build` (or set_built) at the end.
  virtual void build(const Shape& input_shape);
  /// Keras Layer.call: the forward computation on a built layer.
  virtual Tensor call(const Tensor& inputs, bool training) = 0;
  /// Keras Layer.__call__: builds on first use, validates the input shape, calls.
  Tensor operator()(const Tensor& inputs, bool training = false);
  /// Output shape for an input shape (batch axis may be -1). Throws ShapeError naming the
  /// layer when the input does not fit. Default: identity.
  virtual Shape compute_output_shape(const Shape& input_shape) const;
  /// Checks an input shape against what this layer accepts (and, once built, against the
  /// shape it was built for). Default: a layer with weights must keep receiving the non-batch
  /// shape it was built for; a layer without weights accepts any shape, as in Keras.
  virtual void check_input_shape(const Shape& input_shape) const;

  // ---- several inputs (merge layers, nested models) -------------------------------------
  /// Keras call() with a list of inputs. Default: exactly one input, forwarded to call().
  virtual Tensor call_multi(const std::vector<Tensor>& inputs, bool training);
  /// Keras build() with a list of input shapes. Default: exactly one, forwarded to build().
  virtual void build_multi(const std::vector<Shape>& input_shapes);
  /// Keras compute_output_shape() for a list of input shapes. Default: exactly one.
  virtual Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const;
  /// Keras __call__ on a list of tensors: builds on first use, then call_multi().
  Tensor operator()(const std::vector<Tensor>& inputs, bool training = false);

  // ---- the functional API (temper/functional.hpp) ---------------------------------------
  /// Calling a layer on symbolic tensors records a node of the graph (Keras functional API).
  /// An lvalue layer must be owned by a shared_ptr (temper::make_layer) so that every call
  /// site shares it; a temporary is moved into the graph.
  SymbolicTensor operator()(const SymbolicTensor& x) &;
  SymbolicTensor operator()(const SymbolicTensor& x) &&;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs) &;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs) &&;
  /// Moves this (unbuilt, temporary) layer into shared ownership. The default rebuilds it
  /// from get_config() through the registry; layers holding state a config cannot carry
  /// (Lambda, custom layers not registered) override it as
  /// `return std::make_shared<MyLayer>(std::move(*this));`.
  virtual std::shared_ptr<Layer> move_into_shared();

  /// Keras get_config(): name, trainable, dtype and the layer's constructor arguments.
  virtual Config get_config() const;

  /// All weights, trainable first then non-trainable (Keras `layer.weights` order).
  virtual std::vector<VariablePtr> weights() const;
  virtual std::vector<VariablePtr> trainable_weights() const;
  virtual std::vector<VariablePtr> non_trainable_weights() const;
  /// Regularization penalties of this layer's weights (Keras `layer.losses`).
  virtual std::vector<Tensor> regularization_losses() const;
  virtual std::int64_t count_params() const;

  /// The shape the layer was built for (empty optional until built).
  const std::optional<Shape>& build_input_shape() const noexcept { return build_shape_; }

  /// Seeds the stream the layer draws its initial weights and noise from. Models hand each
  /// layer a child of their own seeded generator so that runs are reproducible.
  void set_generator(Generator g) { rng_ = g; }
  Generator& generator() noexcept { return rng_; }
  const Generator& generator() const noexcept { return rng_; }

 protected:
  /// Keras add_weight: creates, initialises and registers a variable named
  /// `<layer name>/<name>`.
  VariablePtr add_weight(const std::string& name, const Shape& shape,
                         const initializers::Initializer& initializer,
                         const regularizers::Regularizer& regularizer = {},
                         bool trainable = true);
  void set_built(const Shape& input_shape);
  /// Keras add_loss: a penalty computed during the current call (activity regularizers);
  /// cleared at the start of each call.
  void add_loss(Tensor loss) { call_losses_.push_back(std::move(loss)); }
  /// Base config keys (name, trainable, dtype) to which subclasses add their own.
  Config base_config() const;
  /// "layer 'dense_1' (Dense)" for error messages.
  std::string describe() const;

 private:
  friend struct detail::LayerAccess;
  std::string name_;
  bool trainable_ = true;
  bool built_ = false;
  std::optional<Shape> build_shape_;
  std::vector<VariablePtr> weights_;
  std::vector<regularizers::Regularizer> regularizers_;
  std::vector<Tensor> call_losses_;
  Generator rng_{0};
};

using LayerPtr = std::shared_ptr<Layer>;

/// A layer argument: any layer value (moved into shared ownership) or an existing shared
/// layer. Lets `Sequential({layers::Dense(10), my_shared_layer})` mix both.
class LayerRef {
 public:
  template <class L>
    requires std::is_base_of_v<Layer, std::decay_t<L>> && (!std::is_lvalue_reference_v<L>)
  LayerRef(L&& layer)  // NOLINT(google-explicit-constructor)
      : ptr_(std::make_shared<std::decay_t<L>>(std::forward<L>(layer))) {}
  template <class L>
    requires std::is_base_of_v<Layer, L>
  LayerRef(std::shared_ptr<L> layer) : ptr_(std::move(layer)) {}  // NOLINT
  /// A symbolic input (`temper::Input(shape)`) stands for its InputLayer, so that
  /// `Sequential({Input({28, 28}), ...})` reads as in Keras.
  template <class S>
    requires requires(const S& s) {
      { s.layer() } -> std::convertible_to<std::shared_ptr<Layer>>;
    }
  LayerRef(const S& symbolic) : ptr_(symbolic.layer()) {}  // NOLINT
  const LayerPtr& get() const noexcept { return ptr_; }

 private:
  LayerPtr ptr_;
};

}  // namespace temper
