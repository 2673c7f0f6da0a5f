// spatial_dropout.hpp — channel dropout (Keras: keras.layers.SpatialDropout1D/2D/3D).
#pragma once
#include <optional>
#include <string>

#include "temper/layer.hpp"

namespace temper::layers {

/// Arguments of the SpatialDropout layers, with Keras's names and defaults.
struct SpatialDropoutOptions {
  double rate = 0.0;                         ///< fraction of channels dropped, in [0, 1)
  std::optional<std::uint64_t> seed{};       ///< fixes the layer's stream
  std::string data_format = "channels_last"; ///< or "channels_first" (2D / 3D only)
  std::string name{};
};

/// Shared implementation of SpatialDropout1D/2D/3D (Keras: BaseSpatialDropout): in training
/// it drops whole feature maps — one keep-or-drop draw per (sample, channel), shared by every
/// position — and scales the kept ones by 1 / (1 - rate); the identity at inference. Masks
/// come from the layer's seeded generator (or `seed`), like Dropout.
class SpatialDropoutBase : public Layer {
 public:
  using Options = SpatialDropoutOptions;
  SpatialDropoutBase(Options options, int rank);

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
  int rank_;
};

/// Drops entire 1-D feature maps (Keras: keras.layers.SpatialDropout1D); inputs
/// (batch, steps, channels).
class SpatialDropout1D final : public SpatialDropoutBase {
 public:
  explicit SpatialDropout1D(Options options);
  explicit SpatialDropout1D(double rate);
  std::string class_name() const override { return "SpatialDropout1D"; }
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

/// Drops entire 2-D feature maps (Keras: keras.layers.SpatialDropout2D); inputs
/// (batch, rows, cols, channels), or (batch, channels, rows, cols) with channels_first.
class SpatialDropout2D final : public SpatialDropoutBase {
 public:
  explicit SpatialDropout2D(Options options);
  explicit SpatialDropout2D(double rate);
  std::string class_name() const override { return "SpatialDropout2D"; }
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

/// Drops entire 3-D feature maps (Keras: keras.layers.SpatialDropout3D); inputs
/// (batch, d1, d2, d3, channels), or channels first.
class SpatialDropout3D final : public SpatialDropoutBase {
 public:
  explicit SpatialDropout3D(Options options);
  explicit SpatialDropout3D(double rate);
  std::string class_name() const override { return "SpatialDropout3D"; }
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

}  // namespace temper::layers
