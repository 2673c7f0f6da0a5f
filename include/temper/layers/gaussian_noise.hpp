// gaussian_noise.hpp — additive Gaussian noise (Keras: keras.layers.GaussianNoise).
#pragma once
#include <optional>
#include <string>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Arguments of GaussianNoise, with Keras's names.
struct GaussianNoiseOptions {
  double stddev = 0.0;                  ///< in [0, 1], as Keras requires
  std::optional<std::uint64_t> seed{};
  std::string name{};
};

/// Adds zero-centred Gaussian noise of standard deviation `stddev` in training; the identity
/// at inference (Keras: keras.layers.GaussianNoise). Noise comes from the layer's seeded
/// generator (or `seed`).
class GaussianNoise final : public LayerClass<GaussianNoise, GaussianNoiseOptions> {
 public:
  static constexpr const char* keras_class = "GaussianNoise";
  using LayerClass::LayerClass;
  explicit GaussianNoise(double stddev);

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
