// input_layer.hpp — the model's entry point (Keras: keras.layers.InputLayer / keras.Input).
#pragma once
#include <optional>

#include "temper/layer.hpp"

namespace temper::layers {

/// Declares the per-sample shape a model takes (Keras: keras.layers.InputLayer). In a
/// Sequential model it fixes the input shape so the model builds (and checks every layer's
/// shapes) before any data is seen.
class InputLayer final : public Layer {
 public:
  struct Options {
    Shape shape{};                             ///< per-sample shape, without the batch axis
    std::optional<std::int64_t> batch_size{};  ///< fixed batch size, if any
    DType dtype = DType::Float32;
    std::string name{};
  };
  explicit InputLayer(Options options);

  std::string class_name() const override { return "InputLayer"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// Inputs must match the declared shape (unknown extents match anything).
  void check_input_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);

  /// Full shape with the batch axis (-1 when not fixed), e.g. (None, 28, 28).
  Shape batch_shape() const;
  DType dtype() const noexcept { return options_.dtype; }

 private:
  Options options_;
};

/// Keras: keras.Input(shape) — in a Sequential list, the layer that fixes the input shape.
InputLayer Input(Shape shape, std::string name = "");

}  // namespace temper::layers
