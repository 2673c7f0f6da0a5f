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

#include "temper/layers/layer_class.hpp"
#include "temper/layers/sizes.hpp"

namespace temper::layers {

/// What a pooling window computes.
enum class PoolKind { max, average };

/// The Keras class name of a pooling layer: "MaxPooling2D", "GlobalAveragePooling1D", ...
constexpr const char* pooling_class_name(int rank, PoolKind kind, bool global) {
  constexpr const char* names[2][2][3] = {
      {{"AveragePooling1D", "AveragePooling2D", "AveragePooling3D"}, {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D"}},
      {{"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"},
       {"GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"}}};
  return names[global ? 1 : 0][kind == PoolKind::max ? 1 : 0][rank - 1];
}

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
template <int Rank, PoolKind Kind> class Pooling final : public LayerClass<Pooling<Rank, Kind>, PoolingOptions<Rank>> {
  using Base = LayerClass<Pooling, PoolingOptions<Rank>>;

 public:
  static constexpr const char* keras_class = pooling_class_name(Rank, Kind, false);
  using Options = PoolingOptions<Rank>;
  explicit Pooling(Options options = {});
  /// `layers::MaxPooling2D(2)`: windows of 2 along every axis, strides 2.
  Pooling(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : Pooling(Options{.pool_size = pool_size}) {}
  Pooling(SizeN<Rank> pool_size, std::optional<SizeN<Rank>> strides, std::string padding = "valid")
      : Pooling(Options{.pool_size = pool_size, .strides = strides, .padding = std::move(padding)}) {}

  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once: names, defaults and checks (arguments.hpp).
  static const Arguments<Options>& arguments();

  /// The effective strides (pool_size when none were given, as Keras stores them).
  SizeN<Rank> strides() const noexcept { return options_.strides.value_or(options_.pool_size); }

 private:
  using Base::options_;
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
/// Each concrete class derives from LayerClass<Itself, GlobalPoolingOptions, GlobalPooling>.
class GlobalPooling : public LayerWithOptions<GlobalPoolingOptions> {
 public:
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;

 protected:
  /// `args` is the class's argument table (its checks run here).
  GlobalPooling(Options options, const Arguments<Options>& args, PoolKind kind, int rank);

 private:
  PoolKind kind_;
  int rank_;  ///< spatial axes
};

/// One global pooling layer (use the names below, e.g. GlobalAveragePooling2D).
template <int Rank, PoolKind Kind>
class GlobalPoolingND final : public LayerClass<GlobalPoolingND<Rank, Kind>, GlobalPoolingOptions, GlobalPooling> {
 public:
  static constexpr const char* keras_class = pooling_class_name(Rank, Kind, true);
  using Options = GlobalPoolingOptions;
  explicit GlobalPoolingND(Options options = {})
      : LayerClass<GlobalPoolingND, GlobalPoolingOptions, GlobalPooling>(std::move(options), Kind, Rank) {}
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
