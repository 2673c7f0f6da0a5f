// relu.hpp — the ReLU layer (Keras: keras.layers.ReLU).
#pragma once
#include <optional>
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of ReLU, with Keras's names and defaults.
struct ReLUOptions {
  std::optional<double> max_value{};
  double negative_slope = 0.0;
  double threshold = 0.0;
  std::string name{};
};

/// Rectified linear unit with Keras's three arguments (Keras: keras.layers.ReLU):
///
///     f(x) = min(x, max_value)                 if x > threshold
///     f(x) = negative_slope * (x - threshold)  otherwise
///
/// With the defaults it is max(x, 0). `max_value` (null: no cap), `negative_slope` and
/// `threshold` must be >= 0, as Keras requires. No weights.
class ReLU final : public LayerClass<ReLU, ReLUOptions> {
 public:
  static constexpr const char* keras_class = "ReLU";
  using LayerClass::LayerClass;
  ReLU() : LayerClass(Options{}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
