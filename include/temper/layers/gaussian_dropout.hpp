// gaussian_dropout.hpp — multiplicative Gaussian noise (Keras: keras.layers.GaussianDropout).
#pragma once
#include <optional>
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Arguments of GaussianDropout, with Keras's names.
struct GaussianDropoutOptions {
  double rate = 0.0;                    ///< in [0, 1): the noise stddev is sqrt(rate / (1 - rate))
  std::optional<std::uint64_t> seed{};
  std::string name{};
};

/// Multiplies the inputs by 1-centred Gaussian noise of standard deviation
/// sqrt(rate / (1 - rate)) in training; the identity at inference (Keras:
/// keras.layers.GaussianDropout). Noise comes from the layer's seeded generator (or `seed`).
class GaussianDropout final : public LayerClass<GaussianDropout, GaussianDropoutOptions> {
 public:
  static constexpr const char* keras_class = "GaussianDropout";
  using LayerClass::LayerClass;
  explicit GaussianDropout(double rate);

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
