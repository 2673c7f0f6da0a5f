// ops/normalization.hpp — differentiable normalization and noise ops (channels last, NHWC).
//
// Each normalization is one fused backend kernel forward and one backward (never a graph of
// small ops). Parameters gamma / beta may be undefined tensors (Keras scale=False /
// center=False); they are cast to the input's dtype, as Keras does.
#pragma once
#include <cstdint>
#include <vector>

#include "temper/random.hpp"
#include "temper/tensor.hpp"

namespace temper::ops {

/// Batch normalization with the batch's own statistics (Keras: BatchNormalization called
/// with training=True, i.e. keras.ops.moments followed by keras.ops.batch_normalization).
/// Every axis but `axis` (the channels, default last) is reduced; the variance is the biased
/// one. The gradient flows through the statistics. When `batch_mean` / `batch_variance` are
/// given they receive the statistics (C,) in x's dtype, detached, for the moving averages.
Tensor batch_normalization_training(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    double epsilon, int axis = -1, Tensor* batch_mean = nullptr,
                                    Tensor* batch_variance = nullptr);

/// Batch normalization with given per-channel statistics (Keras:
/// keras.ops.batch_normalization(x, mean, variance, axis, offset=beta, scale=gamma, epsilon),
/// as used by BatchNormalization at inference). mean and variance are constants here: no
/// gradient flows to them (they are the non-trainable moving statistics).
Tensor batch_normalization(const Tensor& x, const Tensor& mean, const Tensor& variance,
                           const Tensor& gamma, const Tensor& beta, double epsilon,
                           int axis = -1);

/// Layer normalization over `axes` (Keras: keras.ops.layer_normalization /
/// LayerNormalization): each sample is normalized over the given axes (default the last),
/// then scaled by gamma and shifted by beta, whose shape is those axes' extents.
Tensor layer_normalization(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                           std::vector<int> axes = {-1}, double epsilon = 1e-3);

/// Group normalization (Keras: GroupNormalization): the channels on `axis` (default last)
/// are split into `groups` groups, and each sample's group is normalized over all its
/// positions and channels; gamma / beta are per channel. Throws ValueError when the channels
/// are not divisible by `groups`.
Tensor group_normalization(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                           std::int64_t groups, double epsilon = 1e-3, int axis = -1);

/// Dropout of whole channels (Keras: SpatialDropout1D/2D/3D): one keep-or-drop draw per
/// (sample, channel) on `channel_axis`, shared by every position, with the kept channels
/// scaled by 1 / (1 - rate). Identity when rate == 0.
Tensor spatial_dropout(const Tensor& x, double rate, Generator& rng, int channel_axis = -1);

/// x + N(0, stddev) noise (Keras: GaussianNoise in training).
Tensor gaussian_noise(const Tensor& x, double stddev, Generator& rng);

/// x * N(1, rate / (1 - rate)) noise (Keras: GaussianDropout in training; the standard
/// deviation is sqrt(rate / (1 - rate))).
Tensor gaussian_dropout(const Tensor& x, double rate, Generator& rng);

}  // namespace temper::ops
