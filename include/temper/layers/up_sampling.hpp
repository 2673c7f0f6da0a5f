// up_sampling.hpp — image upsampling (Keras: keras.layers.UpSampling2D).
#pragma once
#include "temper/layer.hpp"
#include "temper/ops/convolution.hpp"

namespace temper::layers {

/// Constructor arguments of UpSampling2D (Keras names and defaults).
struct UpSampling2DOptions {
  ops::Size2 size = 2;  ///< repeat factors for rows and columns
  std::string data_format = "channels_last";
  std::string interpolation = "nearest";  ///< "nearest" or "bilinear"
  std::string name{};
};

/// Repeats rows and columns (or interpolates bilinearly with half-pixel centres):
/// (batch, h, w, c) -> (batch, h * size_h, w * size_w, c) (Keras: keras.layers.UpSampling2D).
class UpSampling2D final : public Layer {
 public:
  using Options = UpSampling2DOptions;
  explicit UpSampling2D(Options options = {});
  explicit UpSampling2D(ops::Size2 size) : UpSampling2D(Options{.size = size}) {}

  std::string class_name() const override { return "UpSampling2D"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace temper::layers
