// softmax.hpp — the Softmax layer (Keras: keras.layers.Softmax).
#pragma once
#include <string>
#include <vector>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Softmax, with Keras's names and defaults.
struct SoftmaxOptions {
  std::vector<int> axis{-1};
  std::string name{};
};

/// Softmax over `axis` (Keras: keras.layers.Softmax): `exp(x) / sum(exp(x), axis)`, computed
/// stably. `axis` is one axis (default -1) or several, normalized jointly. No weights.
///
/// Temper's layers do not carry Keras masks from layer to layer; call_masked applies a mask
/// given explicitly, exactly as Keras's `Softmax()(inputs, mask=mask)`.
class Softmax final : public LayerClass<Softmax, SoftmaxOptions> {
 public:
  static constexpr const char* keras_class = "Softmax";
  using LayerClass::LayerClass;
  Softmax() : LayerClass(Options{}) {}
  /// `layers::Softmax(1)`.
  explicit Softmax(int axis);

  Tensor call(const Tensor& inputs, bool training) override;
  /// Keras's masked softmax: entries where `mask` (broadcastable to the inputs; 1 keeps, 0
  /// masks) is 0 get -1e9 added before the softmax and are zeroed after it, so a fully masked
  /// slice gives zeros.
  Tensor call_masked(const Tensor& inputs, const Tensor& mask);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  Tensor softmax(const Tensor& x) const;
};

}  // namespace temper::layers
