// pooling.hpp — pooling layers (Keras: keras.layers.MaxPooling1D/2D/3D, AveragePooling1D/2D/3D,
// GlobalAveragePooling1D/2D/3D, GlobalMaxPooling1D/2D/3D).
//
// Inputs are channels_last: (batch, steps, channels) for the 1-D layers, (batch, height,
// width, channels) for the 2-D ones and (batch, depth, height, width, channels) for the 3-D
// ones. Output sizes follow Keras: "valid" gives floor((n - pool) / stride) + 1, "same"
// ceil(n / stride); average pooling with "same" padding divides each border window by the
// number of positions inside the input. One class template, Pooling<Rank, Kind> (Keras
// BasePooling), gives every windowed pooling layer; GlobalPoolingND<Rank, Kind> (Keras
// BaseGlobalPooling) every global one.
#pragma once
#include <optional>
#include <string>

#include "temper/layer.hpp"
#include "temper/layers/sizes.hpp"

namespace temper::layers {

/// What a pooling window computes.
enum class PoolKind { max, average };

/// Constructor arguments of the windowed pooling layers (Keras names and defaults).
template <int Rank> struct PoolingOptions {
  SizeN<Rank> pool_size = 2;
  std::optional<SizeN<Rank>> strides{};  ///< null (Keras None) = pool_size
  std::string padding = "valid";         ///< "valid" or "same"
  std::string data_format = "channels_last";
  std::string name{};
};
using Pooling1DOptions = PoolingOptions<1>;
using Pooling2DOptions = PoolingOptions<2>;
using Pooling3DOptions = PoolingOptions<3>;

/// Max or mean over each pool_size window, moved by strides (Keras: BasePooling; use the
/// names below, e.g. MaxPooling2D). The 3-D layers pool height and width, then depth.
template <int Rank, PoolKind Kind> class Pooling final : public Layer {
 public:
  using Options = PoolingOptions<Rank>;
  explicit Pooling(Options options = {});
  /// `layers::MaxPooling2D(2)`: windows of 2 along every axis, strides 2.
  Pooling(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : Pooling(Options{.pool_size = pool_size}) {}
  Pooling(SizeN<Rank> pool_size, std::optional<SizeN<Rank>> strides, std::string padding = "valid")
      : Pooling(Options{.pool_size = pool_size, .strides = strides, .padding = std::move(padding)}) {}

  std::string class_name() const override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }
  /// The effective strides (pool_size when none were given, as Keras stores them).
  SizeN<Rank> strides() const noexcept { return options_.strides.value_or(options_.pool_size); }

 private:
  Options options_;
};

/// Keras: keras.layers.MaxPooling1D / MaxPooling2D / MaxPooling3D.
using MaxPooling1D = Pooling<1, PoolKind::max>;
using MaxPooling2D = Pooling<2, PoolKind::max>;
using MaxPooling3D = Pooling<3, PoolKind::max>;
/// Keras: keras.layers.AveragePooling1D / AveragePooling2D / AveragePooling3D.
using AveragePooling1D = Pooling<1, PoolKind::average>;
using AveragePooling2D = Pooling<2, PoolKind::average>;
using AveragePooling3D = Pooling<3, PoolKind::average>;

/// Constructor arguments of the global pooling layers (Keras names and defaults).
struct GlobalPoolingOptions {
  std::string data_format = "channels_last";
  bool keepdims = false;  ///< keep the pooled axes with extent 1
  std::string name{};
};

/// Shared implementation of the global pooling layers (Keras: BaseGlobalPooling): max or mean
/// over every spatial axis, (batch, spatial..., channels) -> (batch, channels).
class GlobalPooling : public Layer {
 public:
  using Options = GlobalPoolingOptions;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  const Options& options() const noexcept { return options_; }

 protected:
  GlobalPooling(Options options, PoolKind kind, int rank, const Arguments<Options>& args);

 private:
  const Arguments<Options>* args_;
  Options options_;
  PoolKind kind_;
  int rank_;  ///< spatial axes
};

/// One global pooling layer (use the names below, e.g. GlobalAveragePooling2D).
template <int Rank, PoolKind Kind> class GlobalPoolingND final : public GlobalPooling {
 public:
  explicit GlobalPoolingND(Options options = {}) : GlobalPooling(std::move(options), Kind, Rank, arguments()) {}
  std::string class_name() const override;
  static LayerPtr from_config(const Config& config);
  static const Arguments<Options>& arguments();
};

/// Keras: keras.layers.GlobalAveragePooling1D / 2D / 3D.
using GlobalAveragePooling1D = GlobalPoolingND<1, PoolKind::average>;
using GlobalAveragePooling2D = GlobalPoolingND<2, PoolKind::average>;
using GlobalAveragePooling3D = GlobalPoolingND<3, PoolKind::average>;
/// Keras: keras.layers.GlobalMaxPooling1D / 2D / 3D.
using GlobalMaxPooling1D = GlobalPoolingND<1, PoolKind::max>;
using GlobalMaxPooling2D = GlobalPoolingND<2, PoolKind::max>;
using GlobalMaxPooling3D = GlobalPoolingND<3, PoolKind::max>;

extern template class Pooling<1, PoolKind::max>;
extern template class Pooling<2, PoolKind::max>;
extern template class Pooling<3, PoolKind::max>;
extern template class Pooling<1, PoolKind::average>;
extern template class Pooling<2, PoolKind::average>;
extern template class Pooling<3, PoolKind::average>;
extern template class GlobalPoolingND<1, PoolKind::average>;
extern template class GlobalPoolingND<2, PoolKind::average>;
extern template class GlobalPoolingND<3, PoolKind::average>;
extern template class GlobalPoolingND<1, PoolKind::max>;
extern template class GlobalPoolingND<2, PoolKind::max>;
extern template class GlobalPoolingND<3, PoolKind::max>;

}  // namespace temper::layers
