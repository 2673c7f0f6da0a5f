// gaussian_noise.hpp — additive Gaussian noise (Keras: keras.layers.GaussianNoise).
#pragma once
#include <optional>
#include <string>

#include "temper/layer.hpp"

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
class GaussianNoise final : public Layer {
 public:
  using Options = GaussianNoiseOptions;
  explicit GaussianNoise(Options options);
  explicit GaussianNoise(double stddev);

  std::string class_name() const override { return "GaussianNoise"; }
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
