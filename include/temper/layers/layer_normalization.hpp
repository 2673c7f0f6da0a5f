// layer_normalization.hpp — layer normalization (Keras: keras.layers.LayerNormalization).
#pragma once
#include <string>
#include <vector>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Arguments of LayerNormalization, with Keras's names and defaults.
struct LayerNormalizationOptions {
  std::vector<int> axis = {-1};  ///< the axes normalized over (Keras: an int or a list)
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  /// Keras's (deprecated) rms_scaling: x * rsqrt(var(x) + epsilon) * gamma, no beta.
  bool rms_scaling = false;
  initializers::Initializer beta_initializer = "zeros";
  initializers::Initializer gamma_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  std::string name{};
};

/// Normalizes each sample over `axis` (default the last), then scales by gamma and shifts by
/// beta (Keras: keras.layers.LayerNormalization). The same in training and inference. gamma
/// and beta have the extents of the normalized axes. One fused kernel forward and backward
/// (axes that are not trailing are transposed to the end first).
class LayerNormalization final : public LayerClass<LayerNormalization, LayerNormalizationOptions> {
 public:
  static constexpr const char* keras_class = "LayerNormalization";
  using LayerClass::LayerClass;
  LayerNormalization() : LayerClass(Options{}) {}

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const VariablePtr& gamma() const noexcept { return gamma_; }
  const VariablePtr& beta() const noexcept { return beta_; }

 private:
  std::vector<int> axes_for(std::size_t rank) const;
  VariablePtr gamma_, beta_;
};

}  // namespace temper::layers
