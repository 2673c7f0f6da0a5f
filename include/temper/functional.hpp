// functional.hpp — symbolic tensors and Input(): the Keras functional API.
//
//   auto inputs = temper::Input({784}, "pixels");
//   auto h = layers::Dense(64, "relu")(inputs);
//   auto outputs = layers::Dense(10, "softmax")(h);
//   temper::Model model(inputs, outputs, "mlp");
//
// Calling a layer on a SymbolicTensor records a node (which layer, on which inputs) and
// returns the symbolic output, with its shape inferred and checked at once, so a misfit is
// reported where the layer is called rather than when data first flows.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "temper/dtype.hpp"
#include "temper/layer.hpp"
#include "temper/shape.hpp"

namespace temper {

namespace detail {
struct GraphNode;
struct SymbolicValue;
}  // namespace detail

/// A placeholder for a tensor that will flow through a functional model (Keras: KerasTensor).
/// It knows its shape (batch axis -1) and dtype, and the layer call that produces it.
class SymbolicTensor {
 public:
  SymbolicTensor() = default;
  explicit SymbolicTensor(std::shared_ptr<detail::SymbolicValue> v) : v_(std::move(v)) {}

  bool defined() const noexcept { return static_cast<bool>(v_); }
  /// The shape, batch axis first (-1 when the batch size is not fixed).
  const Shape& shape() const;
  DType dtype() const;
  /// The layer that produced this tensor.
  LayerPtr layer() const;
  /// Keras-style "layer_name[node][tensor]" reference, as shown in summary().
  std::string describe() const;

  const std::shared_ptr<detail::SymbolicValue>& value() const noexcept { return v_; }
  friend bool operator==(const SymbolicTensor& a, const SymbolicTensor& b) noexcept {
    return a.v_ == b.v_;
  }

 private:
  std::shared_ptr<detail::SymbolicValue> v_;
};

/// Options of Input() beyond the shape (Keras: keras.Input keyword arguments).
struct InputOptions {
  std::string name{};                        ///< defaults to input_layer, input_layer_1, ...
  DType dtype = DType::Float32;
  std::optional<std::int64_t> batch_size{};  ///< a fixed batch size, if any
};

/// Creates a model input: a symbolic tensor of per-sample `shape` (without the batch axis)
/// (Keras: keras.Input(shape, name=...)).
SymbolicTensor Input(const Shape& shape, const std::string& name = "");
SymbolicTensor Input(const Shape& shape, const InputOptions& options);

/// A shared handle on a layer that is called at several places of a graph (shared weights),
/// created by make_layer. Calls forward to the layer; `->` reaches its members.
template <class L>
class LayerHandle {
 public:
  explicit LayerHandle(std::shared_ptr<L> layer) : layer_(std::move(layer)) {}
  SymbolicTensor operator()(const SymbolicTensor& x) const { return (*layer_)(x); }
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& xs) const { return (*layer_)(xs); }
  Tensor operator()(const Tensor& x, bool training = false) const { return (*layer_)(x, training); }
  L* operator->() const noexcept { return layer_.get(); }
  L& operator*() const noexcept { return *layer_; }
  const std::shared_ptr<L>& get() const noexcept { return layer_; }
  operator std::shared_ptr<L>() const { return layer_; }  // NOLINT(google-explicit-constructor)
  operator LayerPtr() const { return layer_; }             // NOLINT(google-explicit-constructor)

 private:
  std::shared_ptr<L> layer_;
};

/// Creates a layer in shared ownership so that it can be called at several places of a graph
/// and share its weights (Keras: keep a reference to the layer object and call it twice).
template <class L, class... Args>
LayerHandle<L> make_layer(Args&&... args) {
  return LayerHandle<L>(std::make_shared<L>(std::forward<Args>(args)...));
}

namespace detail {

/// One call of a layer in a graph (Keras: Node).
struct GraphNode {
  LayerPtr layer;
  std::vector<SymbolicTensor> inputs;  // empty for an InputLayer
  std::uint64_t sequence = 0;          // creation order: numbers a shared layer's calls
};

struct SymbolicValue {
  Shape shape;
  DType dtype = DType::Float32;
  std::shared_ptr<GraphNode> node;  // the call that produces it
};

}  // namespace detail

}  // namespace temper
