// leaky_relu.hpp — the LeakyReLU layer (Keras: keras.layers.LeakyReLU).
#pragma once
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of LeakyReLU, with Keras's names and defaults.
struct LeakyReLUOptions {
  double negative_slope = 0.3;
  std::string name{};
};

/// `x` for x >= 0, `negative_slope * x` otherwise (Keras: keras.layers.LeakyReLU). The layer's
/// default slope is 0.3 (the leaky_relu *function* defaults to 0.2). tf.keras 2 named the
/// argument `alpha`; configs with `alpha` are read as `negative_slope`. No weights.
class LeakyReLU final : public LayerClass<LeakyReLU, LeakyReLUOptions> {
 public:
  static constexpr const char* keras_class = "LeakyReLU";
  using LayerClass::LayerClass;
  LeakyReLU() : LayerClass(Options{}) {}
  /// `layers::LeakyReLU(0.1)`.
  explicit LeakyReLU(double negative_slope);

  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
