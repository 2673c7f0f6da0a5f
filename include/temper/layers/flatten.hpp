// flatten.hpp — flattens every axis but the batch axis (Keras: keras.layers.Flatten).
#pragma once
#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Flatten, with Keras's names and defaults.
struct FlattenOptions {
  std::string data_format = "channels_last";
  std::string name{};
};

/// Flattens each sample to one axis, keeping the batch axis (Keras: keras.layers.Flatten).
/// The layout is channels_last, so no transposition is ever needed.
class Flatten final : public LayerClass<Flatten, FlattenOptions> {
 public:
  static constexpr const char* keras_class = "Flatten";
  using LayerClass::LayerClass;
  Flatten() : LayerClass(Options{}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
