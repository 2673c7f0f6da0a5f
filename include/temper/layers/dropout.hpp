// dropout.hpp — inverted dropout (Keras: keras.layers.Dropout).
#pragma once
#include <optional>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of Dropout, with Keras's names and defaults.
struct DropoutOptions {
  double rate = 0.0;
  std::optional<std::uint64_t> seed{};
  std::string name{};
};

/// Zeroes a fraction `rate` of the inputs during training and scales the rest by
/// 1 / (1 - rate); the identity at inference (Keras: keras.layers.Dropout). The mask comes
/// from the layer's seeded generator (or `seed`), so seeded runs repeat exactly.
class Dropout final : public LayerClass<Dropout, DropoutOptions> {
 public:
  static constexpr const char* keras_class = "Dropout";
  using LayerClass::LayerClass;
  explicit Dropout(double rate) : LayerClass(Options{rate, std::nullopt, ""}) {}

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
