// flatten.hpp — flattens every axis but the batch axis (Keras: keras.layers.Flatten).
#pragma once
#include "temper/layer.hpp"

namespace temper::layers {

/// Flattens each sample to one axis, keeping the batch axis (Keras: keras.layers.Flatten).
/// The layout is channels_last, so no transposition is ever needed.
class Flatten final : public Layer {
 public:
  struct Options {
    std::string data_format = "channels_last";
    std::string name{};
  };
  Flatten();
  explicit Flatten(Options options);

  std::string class_name() const override { return "Flatten"; }
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
