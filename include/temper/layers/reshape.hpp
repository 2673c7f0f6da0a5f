// reshape.hpp — reshapes each sample (Keras: keras.layers.Reshape).
#pragma once
#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Reshape, with Keras's names and defaults.
struct ReshapeOptions {
  Shape target_shape{};
  std::string name{};
};

/// Reshapes each sample to `target_shape` (batch axis kept; one extent may be -1)
/// (Keras: keras.layers.Reshape).
class Reshape final : public LayerClass<Reshape, ReshapeOptions> {
 public:
  static constexpr const char* keras_class = "Reshape";
  using LayerClass::LayerClass;
  explicit Reshape(Shape target_shape) : LayerClass(Options{std::move(target_shape), ""}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
