// reshape.hpp — reshapes each sample (Keras: keras.layers.Reshape).
#pragma once
#include "temper/layer.hpp"

namespace temper::layers {

/// Reshapes each sample to `target_shape` (batch axis kept; one extent may be -1)
/// (Keras: keras.layers.Reshape).
class Reshape final : public Layer {
 public:
  struct Options {
    Shape target_shape{};
    std::string name{};
  };
  explicit Reshape(Options options);
  explicit Reshape(Shape target_shape) : Reshape(Options{std::move(target_shape), ""}) {}

  std::string class_name() const override { return "Reshape"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace temper::layers
