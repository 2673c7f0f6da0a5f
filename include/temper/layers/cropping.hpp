// cropping.hpp — cropping of images (Keras: keras.layers.Cropping2D).
#pragma once
#include "temper/layers/zero_padding.hpp"

namespace temper::layers {

/// Constructor arguments of Cropping2D (Keras names and defaults).
struct Cropping2DOptions {
  Pad2 cropping = 0;  ///< ((top, bottom), (left, right)) rows and columns removed
  std::string data_format = "channels_last";
  std::string name{};
};

/// Removes rows and columns at the borders of each image: (batch, h, w, c) ->
/// (batch, h - top - bottom, w - left - right, c) (Keras: keras.layers.Cropping2D).
class Cropping2D final : public LayerClass<Cropping2D, Cropping2DOptions> {
 public:
  static constexpr const char* keras_class = "Cropping2D";
  explicit Cropping2D(Options options = {});
  explicit Cropping2D(Pad2 cropping) : Cropping2D(Options{.cropping = cropping}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
