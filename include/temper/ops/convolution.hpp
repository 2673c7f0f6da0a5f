// ops/convolution.hpp — differentiable convolution, pooling, padding and resampling ops (NHWC).
//
// Every op works on channels_last tensors, (batch, length, channels) for the 1-D forms and
// (batch, height, width, channels) for the 2-D ones, with kernels stored exactly as Keras
// stores them, so Keras weights map one to one. Padding is "valid" or "same" (and "causal"
// for 1-D convolutions); output sizes follow Keras to the element, odd sizes included.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "temper/tensor.hpp"

namespace temper::ops {

/// A per-axis size of a 2-D window, given like Keras's int-or-tuple arguments: `3` means
/// (3, 3), `{3, 1}` means height 3 and width 1 (Keras: `kernel_size=3` or `(3, 1)`).
struct Size2 {
  std::int64_t h = 1;  ///< along the height (rows)
  std::int64_t w = 1;  ///< along the width (columns)
  constexpr Size2() = default;
  constexpr Size2(std::int64_t both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  constexpr Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};

/// Output length of a convolution or pooling window along one axis (Keras:
/// `compute_conv_output_shape` / `compute_pooling_output_shape`): "valid" gives
/// floor((n - dilation * (k - 1) - 1) / stride) + 1, "same" and "causal" give ceil(n / stride).
/// Throws ValueError for an unknown padding; the result may be <= 0 for a too-small input.
std::int64_t conv_output_length(std::int64_t input_length, std::int64_t kernel_size,
                                std::string_view padding, std::int64_t stride,
                                std::int64_t dilation = 1);

/// Zeros added before the input along one axis: 0 for "valid", TensorFlow's
/// `pad_total / 2` for "same", `dilation * (kernel - 1)` for "causal".
std::int64_t conv_padding_before(std::int64_t input_length, std::int64_t kernel_size,
                                 std::string_view padding, std::int64_t stride,
                                 std::int64_t dilation = 1);

/// Output length of a transposed convolution along one axis (Keras:
/// `compute_conv_transpose_output_shape`), with or without an explicit output_padding.
std::int64_t conv_transpose_output_length(std::int64_t input_length, std::int64_t kernel_size,
                                          std::string_view padding, std::int64_t stride,
                                          std::int64_t dilation,
                                          std::optional<std::int64_t> output_padding);

/// 2-D convolution (Keras: keras.ops.conv + bias): x (N, H, W, C), kernel
/// (kh, kw, C / groups, filters), optional bias (filters,) -> (N, OH, OW, filters).
/// `fuse_relu` applies relu inside the kernel (what Conv2D(activation="relu") does, in one pass).
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias = Tensor(),
              Size2 strides = 1, std::string_view padding = "valid", Size2 dilation_rate = 1,
              std::int64_t groups = 1, bool fuse_relu = false);

/// 1-D convolution (Keras: keras.ops.conv on 3-D inputs): x (N, L, C), kernel
/// (k, C / groups, filters) -> (N, OL, filters). Padding "valid", "same" or "causal".
Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias = Tensor(),
              std::int64_t stride = 1, std::string_view padding = "valid",
              std::int64_t dilation_rate = 1, std::int64_t groups = 1, bool fuse_relu = false);

/// Depthwise 2-D convolution (Keras: keras.ops.depthwise_conv): kernel (kh, kw, C, M) gives
/// (N, OH, OW, C * M), output channel c * M + m from input channel c.
Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias = Tensor(),
                        Size2 strides = 1, std::string_view padding = "valid",
                        Size2 dilation_rate = 1);

/// Transposed 2-D convolution (Keras: keras.ops.conv_transpose): x (N, H, W, C), kernel
/// (kh, kw, filters, C) -> (N, OH, OW, filters) with Keras's output size and padding rules.
Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias = Tensor(),
                        Size2 strides = 1, std::string_view padding = "valid",
                        std::optional<Size2> output_padding = std::nullopt,
                        Size2 dilation_rate = 1);

/// 2-D max pooling (Keras: keras.ops.max_pool): x (N, H, W, C) -> (N, OH, OW, C).
Tensor max_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, std::string_view padding = "valid");
/// 2-D average pooling (Keras: keras.ops.average_pool); with "same" padding the border
/// windows average only the positions inside the input, as in Keras.
Tensor avg_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, std::string_view padding = "valid");
/// 1-D max pooling over (N, L, C).
Tensor max_pool1d(const Tensor& x, std::int64_t pool_size, std::int64_t stride,
                  std::string_view padding = "valid");
/// 1-D average pooling over (N, L, C).
Tensor avg_pool1d(const Tensor& x, std::int64_t pool_size, std::int64_t stride,
                  std::string_view padding = "valid");

/// Mean over every axis but the first and last (Keras GlobalAveragePooling1D/2D):
/// (N, ..., C) -> (N, C), or (N, 1, ..., 1, C) with keepdims.
Tensor global_avg_pool(const Tensor& x, bool keepdims = false);
/// Max over every axis but the first and last (Keras GlobalMaxPooling1D/2D).
Tensor global_max_pool(const Tensor& x, bool keepdims = false);

/// Zero padding of the height and width (Keras ZeroPadding2D): (N, H, W, C) ->
/// (N, top + H + bottom, left + W + right, C).
Tensor zero_pad2d(const Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left,
                  std::int64_t right);
/// Cropping of the height and width (Keras Cropping2D): (N, H, W, C) ->
/// (N, H - top - bottom, W - left - right, C).
Tensor crop2d(const Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left,
              std::int64_t right);
/// Upsampling by whole factors (Keras UpSampling2D): "nearest" repeats rows and columns,
/// "bilinear" interpolates with half-pixel centres (keras.ops.image.resize).
Tensor upsample2d(const Tensor& x, Size2 size, std::string_view interpolation = "nearest");

}  // namespace temper::ops
