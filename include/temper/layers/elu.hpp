// elu.hpp — the ELU layer (Keras: keras.layers.ELU).
#pragma once
#include <string>

#include "temper/layer.hpp"

namespace temper::layers {

/// Exponential linear unit: `x` for x > 0, `alpha * (exp(x) - 1)` otherwise (Keras:
/// keras.layers.ELU). Keras 3 before 3.12 writes `alpha` only when it was passed; a config
/// without it means 1.0. No weights.
class ELU final : public Layer {
 public:
  struct Options {
    double alpha = 1.0;
    std::string name{};
  };
  ELU();
  explicit ELU(Options options);
  /// `layers::ELU(0.5)`.
  explicit ELU(double alpha);

  std::string class_name() const override { return "ELU"; }
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
