// zero_padding.hpp — zero padding of images (Keras: keras.layers.ZeroPadding2D).
#pragma once
#include "temper/layers/layer_class.hpp"
#include "temper/ops/convolution.hpp"

namespace temper::layers {

/// Amounts added (or cut) around an image, given as Keras gives them: `1` means
/// ((1, 1), (1, 1)), `{2, 3}` means ((2, 2), (3, 3)) (symmetric height and width), and
/// `{{1, 2}, {3, 4}}` means ((top 1, bottom 2), (left 3, right 4)).
struct Pad2 {
  std::int64_t top = 0, bottom = 0, left = 0, right = 0;
  constexpr Pad2() = default;
  constexpr Pad2(std::int64_t all) : top(all), bottom(all), left(all), right(all) {}  // NOLINT
  constexpr Pad2(std::int64_t h, std::int64_t w) : top(h), bottom(h), left(w), right(w) {}
  constexpr Pad2(ops::Size2 top_bottom, ops::Size2 left_right)
      : top(top_bottom.h), bottom(top_bottom.w), left(left_right.h), right(left_right.w) {}
  friend constexpr bool operator==(const Pad2&, const Pad2&) = default;
};

/// Constructor arguments of ZeroPadding2D (Keras names and defaults).
struct ZeroPadding2DOptions {
  Pad2 padding = 1;
  std::string data_format = "channels_last";
  std::string name{};
};

/// Adds rows and columns of zeros around each image: (batch, h, w, c) ->
/// (batch, top + h + bottom, left + w + right, c) (Keras: keras.layers.ZeroPadding2D).
class ZeroPadding2D final : public LayerClass<ZeroPadding2D, ZeroPadding2DOptions> {
 public:
  static constexpr const char* keras_class = "ZeroPadding2D";
  explicit ZeroPadding2D(Options options = {});
  explicit ZeroPadding2D(Pad2 padding) : ZeroPadding2D(Options{.padding = padding}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
