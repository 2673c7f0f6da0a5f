// up_sampling.hpp — image upsampling (Keras: keras.layers.UpSampling2D).
#pragma once
#include "temper/layers/layer_class.hpp"
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
class UpSampling2D final : public LayerClass<UpSampling2D, UpSampling2DOptions> {
 public:
  static constexpr const char* keras_class = "UpSampling2D";
  explicit UpSampling2D(Options options = {});
  explicit UpSampling2D(ops::Size2 size) : UpSampling2D(Options{.size = size}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
