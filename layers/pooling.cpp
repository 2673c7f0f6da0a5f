// pooling.cpp — Pooling<Rank, Kind> (MaxPooling1D/2D/3D, AveragePooling1D/2D/3D) and the global
// pooling layers (GlobalAverage/GlobalMaxPooling1D/2D/3D).
#include "temper/layers/pooling.hpp"

#include "layers/conv_common.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

using namespace conv_detail;

namespace {

/// 3-D pooling from the 2-D and 1-D ops: each depth slice is pooled over height and width,
/// then each (height, width, channel) column over depth. A box window's max is the max of
/// its rows' maxima, and its mean (with Keras's "same" border rule) the mean of their means.
template <PoolKind K> Tensor pool3d(const Tensor& x, Size3 k, Size3 s, const std::string& padding) {
  const Shape& xs = x.shape();  // (N, D, H, W, C)
  const std::int64_t N = xs[0], D = xs[1];
  Tensor y = ops::reshape(x, {N * D, xs[2], xs[3], xs[4]});
  y = K == PoolKind::max ? ops::max_pool2d(y, Size2(k.h, k.w), Size2(s.h, s.w), padding)
                         : ops::avg_pool2d(y, Size2(k.h, k.w), Size2(s.h, s.w), padding);
  const Shape ys = y.shape();  // (N * D, OH, OW, C)
  y = ops::reshape(y, {N, D, ys[1] * ys[2] * ys[3]});
  y = K == PoolKind::max ? ops::max_pool1d(y, k.d, s.d, padding) : ops::avg_pool1d(y, k.d, s.d, padding);
  return ops::reshape(y, {N, y.shape()[1], ys[1], ys[2], ys[3]});
}

}  // namespace

// ---- Pooling<R, K> ----------------------------------------------------------------------------
template <int R, PoolKind K> const Arguments<PoolingOptions<R>>& Pooling<R, K>::arguments() {
  using O = Options;
  using S = SizeN<R>;
  static const auto args = Arguments<O>(keras_class)
                               .add("pool_size", &O::pool_size, positive_sizes<S>())
                               .add("padding", &O::padding, padding_names(false))
                               .add("strides", &O::strides, positive_sizes_or_null<S>())
                               .add("data_format", &O::data_format, channels_last());
  return args;
}

template <int R, PoolKind K> Pooling<R, K>::Pooling(Options o) : Base(layout_checked(std::move(o), keras_class)) {
  options_.padding = lower(options_.padding);
  if (!options_.strides) options_.strides = options_.pool_size;  // as Keras stores them
}

template <int R, PoolKind K> Shape Pooling<R, K>::compute_output_shape(const Shape& s) const {
  check_rank(s, R + 2, this->describe());
  const auto k = axes_of(options_.pool_size);
  std::array<std::int64_t, R> d;
  d.fill(1);
  return window_output(s, k, axes_of(strides()), d, options_.padding, s.back(), this->describe(), "pool_size");
}

template <int R, PoolKind K> Tensor Pooling<R, K>::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  const auto& k = options_.pool_size;
  const auto st = strides();
  const std::string& p = options_.padding;
  constexpr bool is_max = K == PoolKind::max;
  if constexpr (R == 1) return is_max ? ops::max_pool1d(x, k, st, p) : ops::avg_pool1d(x, k, st, p);
  else if constexpr (R == 2) return is_max ? ops::max_pool2d(x, k, st, p) : ops::avg_pool2d(x, k, st, p);
  else return pool3d<K>(x, k, st, p);
}

template class Pooling<1, PoolKind::max>;
template class Pooling<2, PoolKind::max>;
template class Pooling<3, PoolKind::max>;
template class Pooling<1, PoolKind::average>;
template class Pooling<2, PoolKind::average>;
template class Pooling<3, PoolKind::average>;

namespace {
const LayerRegistration<MaxPooling1D> max1_registered{{"MaxPooling1D", "MaxPool1D"}};
const LayerRegistration<MaxPooling2D> max2_registered{{"MaxPooling2D", "MaxPool2D"}};
const LayerRegistration<MaxPooling3D> max3_registered{{"MaxPooling3D", "MaxPool3D"}};
const LayerRegistration<AveragePooling1D> avg1_registered{{"AveragePooling1D", "AvgPool1D"}};
const LayerRegistration<AveragePooling2D> avg2_registered{{"AveragePooling2D", "AvgPool2D"}};
const LayerRegistration<AveragePooling3D> avg3_registered{{"AveragePooling3D", "AvgPool3D"}};
}  // namespace

// ---- global pooling ---------------------------------------------------------------------------
GlobalPooling::GlobalPooling(Options o, const Arguments<Options>& args, PoolKind kind, int rank)
    : LayerWithOptions(layout_checked(std::move(o), args.owner()), args), kind_(kind), rank_(rank) {}

Shape GlobalPooling::compute_output_shape(const Shape& s) const {
  check_rank(s, static_cast<std::size_t>(rank_ + 2), describe());
  Shape out{s[0]};
  if (options_.keepdims)
    for (int i = 0; i < rank_; ++i) out.push_back(1);
  out.push_back(s.back());
  return out;
}

Tensor GlobalPooling::call(const Tensor& x, bool) {
  compute_output_shape(x.shape());
  return kind_ == PoolKind::max ? ops::global_max_pool(x, options_.keepdims)
                                : ops::global_avg_pool(x, options_.keepdims);
}

template <int R, PoolKind K> const Arguments<GlobalPoolingOptions>& GlobalPoolingND<R, K>::arguments() {
  using O = GlobalPoolingOptions;
  static const auto args = Arguments<O>(keras_class)
                               .add("data_format", &O::data_format, channels_last())
                               .add("keepdims", &O::keepdims);
  return args;
}

template class GlobalPoolingND<1, PoolKind::average>;
template class GlobalPoolingND<2, PoolKind::average>;
template class GlobalPoolingND<3, PoolKind::average>;
template class GlobalPoolingND<1, PoolKind::max>;
template class GlobalPoolingND<2, PoolKind::max>;
template class GlobalPoolingND<3, PoolKind::max>;

namespace {
const LayerRegistration<GlobalAveragePooling1D> gavg1_registered{{"GlobalAveragePooling1D", "GlobalAvgPool1D"}};
const LayerRegistration<GlobalAveragePooling2D> gavg2_registered{{"GlobalAveragePooling2D", "GlobalAvgPool2D"}};
const LayerRegistration<GlobalAveragePooling3D> gavg3_registered{{"GlobalAveragePooling3D", "GlobalAvgPool3D"}};
const LayerRegistration<GlobalMaxPooling1D> gmax1_registered{{"GlobalMaxPooling1D", "GlobalMaxPool1D"}};
const LayerRegistration<GlobalMaxPooling2D> gmax2_registered{{"GlobalMaxPooling2D", "GlobalMaxPool2D"}};
const LayerRegistration<GlobalMaxPooling3D> gmax3_registered{{"GlobalMaxPooling3D", "GlobalMaxPool3D"}};
}  // namespace

}  // namespace temper::layers
