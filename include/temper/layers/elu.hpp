// elu.hpp — the ELU layer (Keras: keras.layers.ELU).
#pragma once
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of ELU, with Keras's names and defaults.
struct ELUOptions {
  double alpha = 1.0;
  std::string name{};
};

/// Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise (Keras:
/// keras.layers.ELU). Keras 3 before 3.12 writes `alpha` only when it was passed; a config
/// without it means 1.0. No weights.
class ELU final : public LayerClass<ELU, ELUOptions> {
 public:
  static constexpr const char* keras_class = "ELU";
  using LayerClass::LayerClass;
  ELU() : LayerClass(Options{}) {}
  /// `layers::ELU(0.5)`.
  explicit ELU(double alpha);

  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
