// dropout.hpp — inverted dropout (Keras: keras.layers.Dropout).
#pragma once
#include <optional>

#include "temper/layer.hpp"

namespace temper::layers {

/// Zeroes a fraction `rate` of the inputs during training and scales the rest by
/// 1 / (1 - rate); the identity at inference (Keras: keras.layers.Dropout). The mask comes
/// from the layer's seeded generator (or `seed`), so seeded runs repeat exactly.
class Dropout final : public Layer {
 public:
  struct Options {
    double rate = 0.0;
    std::optional<std::uint64_t> seed{};
    std::string name{};
  };
  explicit Dropout(Options options);
  explicit Dropout(double rate) : Dropout(Options{rate, std::nullopt, ""}) {}

  std::string class_name() const override { return "Dropout"; }
  void build(const Shape& input_shape) override;
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
