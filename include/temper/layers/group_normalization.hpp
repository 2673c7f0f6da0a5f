// group_normalization.hpp — group normalization (Keras: keras.layers.GroupNormalization).
#pragma once
#include <cstdint>
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Arguments of GroupNormalization, with Keras's names and defaults.
struct GroupNormalizationOptions {
  std::int64_t groups = 32;  ///< -1: one group per channel (instance normalization)
  int axis = -1;             ///< the channels axis
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  initializers::Initializer beta_initializer = "zeros";
  initializers::Initializer gamma_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  std::string name{};
};

/// Splits the channels into `groups` groups and normalizes each sample's group over all its
/// positions and channels, then applies per-channel gamma and beta (Keras:
/// keras.layers.GroupNormalization). The same in training and inference. The channel count
/// must be a multiple of `groups` (a ValueError names both otherwise). One fused kernel
/// forward and backward over the NHWC layout.
class GroupNormalization final : public LayerClass<GroupNormalization, GroupNormalizationOptions> {
 public:
  static constexpr const char* keras_class = "GroupNormalization";
  using LayerClass::LayerClass;
  GroupNormalization() : LayerClass(Options{}) {}
  /// `layers::GroupNormalization(8)`.
  explicit GroupNormalization(std::int64_t groups);

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const VariablePtr& gamma() const noexcept { return gamma_; }
  const VariablePtr& beta() const noexcept { return beta_; }

 private:
  VariablePtr gamma_, beta_;
};

}  // namespace temper::layers
