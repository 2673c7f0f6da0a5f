// softmax.hpp — the Softmax layer (Keras: keras.layers.Softmax).
#pragma once
#include <string>
#include <vector>

#include "temper/layer.hpp"

namespace temper::layers {

/// Softmax over `axis` (Keras: keras.layers.Softmax): `exp(x) / sum(exp(x), axis)`, computed
/// stably. `axis` is one axis (default -1) or several, normalized jointly. No weights.
///
/// Temper's layers do not carry Keras masks from layer to layer; call_masked applies a mask
/// given explicitly, exactly as Keras's `Softmax()(inputs, mask=mask)`.
class Softmax final : public Layer {
 public:
  struct Options {
    std::vector<int> axis{-1};
    std::string name{};
  };
  Softmax();
  explicit Softmax(Options options);
  /// `layers::Softmax(1)`.
  explicit Softmax(int axis);

  std::string class_name() const override { return "Softmax"; }
  Tensor call(const Tensor& inputs, bool training) override;
  /// Keras's masked softmax: entries where `mask` (broadcastable to the inputs; 1 keeps, 0
  /// masks) is 0 get -1e9 added before the softmax and are zeroed after it, so a fully masked
  /// slice gives zeros.
  Tensor call_masked(const Tensor& inputs, const Tensor& mask);
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }

 private:
  Tensor softmax(const Tensor& x) const;
  Options options_;
};

}  // namespace temper::layers
