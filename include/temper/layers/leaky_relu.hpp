// leaky_relu.hpp — the LeakyReLU layer (Keras: keras.layers.LeakyReLU).
#pragma once
#include <string>

#include "temper/layer.hpp"

namespace temper::layers {

/// `x` for x >= 0, `negative_slope * x` otherwise (Keras: keras.layers.LeakyReLU). The layer's
/// default slope is 0.3 (the leaky_relu *function* defaults to 0.2). tf.keras 2 named the
/// argument `alpha`; configs with `alpha` are read as `negative_slope`. No weights.
class LeakyReLU final : public Layer {
 public:
  struct Options {
    double negative_slope = 0.3;
    std::string name{};
  };
  LeakyReLU();
  explicit LeakyReLU(Options options);
  /// `layers::LeakyReLU(0.1)`.
  explicit LeakyReLU(double negative_slope);

  std::string class_name() const override { return "LeakyReLU"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace temper::layers
