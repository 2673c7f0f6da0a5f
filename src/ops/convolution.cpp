// Differentiable convolution, pooling, padding and resampling ops (NHWC). Each op checks its
// arguments, runs one backend kernel and records a backward function made of the matching
// backend backward kernels.
#include "temper/ops/convolution.hpp"

#include <algorithm>
#include <string>

#include "temper/autograd.hpp"
#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::ops {

namespace {

using Window = Backend::Window2D;
using i64 = std::int64_t;

Tensor new_tensor(const Shape& shape, const Tensor& ref) { return Tensor::empty(shape, ref.dtype(), &ref.backend()); }

std::string str(i64 v) { return std::to_string(v); }

std::string size2(Size2 s) {
  std::string out = "(";
  out += str(s.h);
  out += ", ";
  out += str(s.w);
  out += ")";
  return out;
}

void require(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) {
    std::string m = op;
    m += ": ";
    m += what;
    m += " is an undefined tensor";
    throw ValueError(m);
  }
}

void check_padding(std::string_view padding, const char* op, bool allow_causal) {
  if (padding == "valid" || padding == "same" || (allow_causal && padding == "causal")) return;
  std::string m = op;
  m += ": padding must be ";
  m += allow_causal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"";
  m += ", got \"";
  m += padding;
  m += "\"";
  throw ValueError(m);
}

void check_positive(Size2 s, const char* op, const char* what) {
  if (s.h < 1 || s.w < 1) {
    std::string m = op;
    m += ": ";
    m += what;
    m += " must be positive integers, got ";
    m += size2(s);
    throw ValueError(m);
  }
}

void check_rank(const Tensor& x, int rank, const char* op, const char* layout) {
  if (x.rank() != rank) {
    std::string m = op;
    m += " expects a rank-";
    m += std::to_string(rank);
    m += " input ";
    m += layout;
    m += ", got shape ";
    m += shape_to_string(x.shape());
    throw ShapeError(m);
  }
}

Tensor as_float_like(const Tensor& x, DType dt) { return x.dtype() == dt ? x : cast(x, dt); }

/// The window of a convolution or pooling over (H, W) and its output size.
struct Plan {
  Window win;
  i64 oh = 0, ow = 0;
};

Plan plan_window(const char* op, i64 H, i64 W, Size2 k, Size2 s, Size2 d, std::string_view padding,
                 const Shape& in_shape) {
  Plan p;
  p.oh = conv_output_length(H, k.h, padding, s.h, d.h);
  p.ow = conv_output_length(W, k.w, padding, s.w, d.w);
  if (p.oh <= 0 || p.ow <= 0) {
    std::string m = op;
    m += ": input of shape ";
    m += shape_to_string(in_shape);
    m += " is too small for a window of ";
    m += size2(k);
    if (d.h != 1 || d.w != 1) {
      m += " dilated by ";
      m += size2(d);
    }
    m += " with padding \"";
    m += padding;
    m += "\" (the output would be ";
    m += str(p.oh);
    m += " x ";
    m += str(p.ow);
    m += ")";
    throw ShapeError(m);
  }
  p.win.kernel_h = k.h;
  p.win.kernel_w = k.w;
  p.win.stride_h = s.h;
  p.win.stride_w = s.w;
  p.win.dilation_h = d.h;
  p.win.dilation_w = d.w;
  p.win.pad_top = conv_padding_before(H, k.h, padding, s.h, d.h);
  p.win.pad_left = conv_padding_before(W, k.w, padding, s.w, d.w);
  return p;
}

}  // namespace

// ---- output geometry ------------------------------------------------------------------------
std::int64_t conv_output_length(std::int64_t n, std::int64_t k, std::string_view padding, std::int64_t s,
                                std::int64_t d) {
  check_padding(padding, "conv_output_length", true);
  if (k < 1 || s < 1 || d < 1)
    throw ValueError("conv_output_length: kernel size " + str(k) + ", stride " + str(s) + " and dilation " + str(d) +
                     " must all be positive");
  if (padding == "valid") {
    const i64 span = n - d * (k - 1) - 1;
    return span < 0 ? (span - s + 1) / s + 1 : span / s + 1;  // floor division
  }
  return (n + s - 1) / s;
}

std::int64_t conv_padding_before(std::int64_t n, std::int64_t k, std::string_view padding, std::int64_t s,
                                 std::int64_t d) {
  check_padding(padding, "conv_padding_before", true);
  const i64 keff = d * (k - 1) + 1;
  if (padding == "valid") return 0;
  if (padding == "causal") return keff - 1;
  const i64 out = (n + s - 1) / s;
  const i64 total = std::max<i64>((out - 1) * s + keff - n, 0);
  return total / 2;
}

std::int64_t conv_transpose_output_length(std::int64_t n, std::int64_t k, std::string_view padding, std::int64_t s,
                                          std::int64_t d, std::optional<std::int64_t> output_padding) {
  check_padding(padding, "conv_transpose_output_length", false);
  const i64 keff = k + (k - 1) * (d - 1);
  if (!output_padding) {
    if (padding == "valid") return n * s + std::max<i64>(keff - s, 0);
    return n * s;
  }
  const i64 pad = padding == "same" ? keff / 2 : 0;
  return (n - 1) * s + keff - 2 * pad + *output_padding;
}

namespace {

/// Zeros before the input in the convolution whose data gradient is this transposed
/// convolution (Keras's JAX padding rule, which TensorFlow's matches).
i64 transpose_pad_before(i64 k, i64 s, i64 d, std::string_view padding, std::optional<i64> output_padding) {
  const i64 keff = (k - 1) * d + 1;
  if (padding == "valid") return 0;
  const i64 pad_len = output_padding ? keff + keff % 2 - 2 + *output_padding : s + keff - 2;
  const i64 left = std::min(pad_len / 2 + pad_len % 2, keff - 1);
  return keff - 1 - left;
}

}  // namespace

// ---- convolutions ---------------------------------------------------------------------------
Tensor conv2d(const Tensor& x0, const Tensor& kernel, const Tensor& bias0, Size2 strides, std::string_view padding,
              Size2 dilation_rate, std::int64_t groups, bool fuse_relu) {
  const char* op = "conv2d";
  require(x0, op, "input");
  require(kernel, op, "kernel");
  check_rank(x0, 4, op, "(batch, height, width, channels)");
  check_padding(padding, op, false);
  check_positive(strides, op, "strides");
  check_positive(dilation_rate, op, "dilation_rate");
  if (kernel.rank() != 4 || !is_floating(kernel.dtype()))
    throw ShapeError(std::string("conv2d: kernel must be a float tensor (kh, kw, in / groups, filters), got ") +
                     shape_to_string(kernel.shape()));
  Tensor x = as_float_like(x0, kernel.dtype());
  const i64 N = x.shape()[0], H = x.shape()[1], W = x.shape()[2], C = x.shape()[3];
  const i64 KH = kernel.shape()[0], KW = kernel.shape()[1], O = kernel.shape()[3];
  if (groups < 1 || C % groups != 0 || O % groups != 0 || kernel.shape()[2] * groups != C)
    throw ShapeError("conv2d: input " + shape_to_string(x.shape()) + " with groups " + str(groups) +
                     " does not match kernel " + shape_to_string(kernel.shape()) +
                     " (expected kernel (kh, kw, " + (groups >= 1 && C % groups == 0 ? str(C / groups) : std::string("C / groups")) +
                     ", filters) with filters divisible by groups)");
  Tensor bias = bias0;
  if (bias.defined() && (bias.numel() != O || bias.rank() != 1))
    throw ShapeError("conv2d: bias " + shape_to_string(bias.shape()) + " does not match " + str(O) + " filters");
  if (bias.defined()) bias = as_float_like(bias, kernel.dtype());
  const Plan p = plan_window(op, H, W, {KH, KW}, strides, dilation_rate, padding, x.shape());
  Tensor y = new_tensor({N, p.oh, p.ow, O}, kernel);
  x.backend().conv2d_forward(x, kernel, bias.defined() ? &bias : nullptr, y, p.win, groups, fuse_relu);
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  const Window win = p.win;
  return record("conv2d", y, inputs, [x, kernel, bias, y, win, groups, fuse_relu](const Tensor& g0) {
    Tensor g = g0;
    if (fuse_relu) {
      g = new_tensor(y.shape(), y);
      y.backend().unary_backward(UnaryOp::Relu, y, y, g0, g, 0.0);
    }
    std::vector<Tensor> grads(bias.defined() ? 3 : 2);
    if (x.requires_grad()) {
      grads[0] = new_tensor(x.shape(), x);
      x.backend().conv2d_backward_data(g, kernel, grads[0], win, groups);
    }
    if (kernel.requires_grad()) {
      grads[1] = new_tensor(kernel.shape(), kernel);
      x.backend().conv2d_backward_filter(x, g, grads[1], win, groups);
    }
    if (bias.defined() && bias.requires_grad()) {
      grads[2] = new_tensor(bias.shape(), bias);
      x.backend().bias_grad(g, grads[2]);
    }
    return grads;
  });
}

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, std::int64_t stride, std::string_view padding,
              std::int64_t dilation_rate, std::int64_t groups, bool fuse_relu) {
  const char* op = "conv1d";
  require(x, op, "input");
  require(kernel, op, "kernel");
  check_rank(x, 3, op, "(batch, steps, channels)");
  check_padding(padding, op, true);
  if (kernel.rank() != 3)
    throw ShapeError("conv1d: kernel must be (kernel_size, in / groups, filters), got " +
                     shape_to_string(kernel.shape()));
  Tensor xin = x;
  std::string_view pad2 = padding;
  if (padding == "causal") {
    // Keras: pad dilation * (kernel - 1) zeros on the left, then a "valid" convolution.
    const i64 left = dilation_rate * (kernel.shape()[0] - 1);
    if (left > 0) {
      Tensor x4 = reshape(x, {x.shape()[0], 1, x.shape()[1], x.shape()[2]});
      xin = reshape(zero_pad2d(x4, 0, 0, left, 0), {x.shape()[0], x.shape()[1] + left, x.shape()[2]});
    }
    pad2 = "valid";
  }
  Tensor x4 = reshape(xin, {xin.shape()[0], 1, xin.shape()[1], xin.shape()[2]});
  Tensor k4 = reshape(kernel, {1, kernel.shape()[0], kernel.shape()[1], kernel.shape()[2]});
  Tensor y4 = conv2d(x4, k4, bias, Size2(1, stride), pad2, Size2(1, dilation_rate), groups, fuse_relu);
  return reshape(y4, {y4.shape()[0], y4.shape()[2], y4.shape()[3]});
}

Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, Size2 strides,
                        std::string_view padding, Size2 dilation_rate) {
  const char* op = "depthwise_conv2d";
  require(x, op, "input");
  require(kernel, op, "kernel");
  check_rank(x, 4, op, "(batch, height, width, channels)");
  if (kernel.rank() != 4 || kernel.shape()[2] != x.shape()[3])
    throw ShapeError("depthwise_conv2d: kernel " + shape_to_string(kernel.shape()) +
                     " does not match input " + shape_to_string(x.shape()) +
                     " (expected (kh, kw, " + str(x.shape()[3]) + ", depth_multiplier))");
  const i64 C = kernel.shape()[2], M = kernel.shape()[3];
  // (kh, kw, C, M) and (kh, kw, 1, C * M) are the same memory: a grouped convolution with
  // one group per input channel.
  Tensor k = reshape(kernel, {kernel.shape()[0], kernel.shape()[1], 1, C * M});
  return conv2d(x, k, bias, strides, padding, dilation_rate, C, false);
}

Tensor conv2d_transpose(const Tensor& x0, const Tensor& kernel, const Tensor& bias0, Size2 strides,
                        std::string_view padding, std::optional<Size2> output_padding, Size2 dilation_rate) {
  const char* op = "conv2d_transpose";
  require(x0, op, "input");
  require(kernel, op, "kernel");
  check_rank(x0, 4, op, "(batch, height, width, channels)");
  check_padding(padding, op, false);
  check_positive(strides, op, "strides");
  check_positive(dilation_rate, op, "dilation_rate");
  if (kernel.rank() != 4 || !is_floating(kernel.dtype()) || kernel.shape()[3] != x0.shape()[3])
    throw ShapeError("conv2d_transpose: kernel " + shape_to_string(kernel.shape()) + " does not match input " +
                     shape_to_string(x0.shape()) + " (expected (kh, kw, filters, " + str(x0.shape()[3]) + "))");
  Tensor x = as_float_like(x0, kernel.dtype());
  const i64 N = x.shape()[0], H = x.shape()[1], W = x.shape()[2];
  const i64 KH = kernel.shape()[0], KW = kernel.shape()[1], F = kernel.shape()[2];
  std::optional<i64> oph, opw;
  if (output_padding) {
    oph = output_padding->h;
    opw = output_padding->w;
  }
  const i64 OH = conv_transpose_output_length(H, KH, padding, strides.h, dilation_rate.h, oph);
  const i64 OW = conv_transpose_output_length(W, KW, padding, strides.w, dilation_rate.w, opw);
  if (OH <= 0 || OW <= 0)
    throw ShapeError("conv2d_transpose: input " + shape_to_string(x.shape()) + " gives an empty output " + str(OH) +
                     " x " + str(OW));
  Tensor bias = bias0;
  if (bias.defined() && bias.numel() != F)
    throw ShapeError("conv2d_transpose: bias " + shape_to_string(bias.shape()) + " does not match " + str(F) +
                     " filters");
  if (bias.defined()) bias = as_float_like(bias, kernel.dtype());
  Window win;
  win.kernel_h = KH;
  win.kernel_w = KW;
  win.stride_h = strides.h;
  win.stride_w = strides.w;
  win.dilation_h = dilation_rate.h;
  win.dilation_w = dilation_rate.w;
  win.pad_top = transpose_pad_before(KH, strides.h, dilation_rate.h, padding, oph);
  win.pad_left = transpose_pad_before(KW, strides.w, dilation_rate.w, padding, opw);
  Tensor y = new_tensor({N, OH, OW, F}, kernel);
  x.backend().conv2d_backward_data(x, kernel, y, win, 1);
  if (bias.defined()) x.backend().bias_add(y, bias);
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  return record("conv2d_transpose", y, inputs, [x, kernel, bias, win](const Tensor& g) {
    std::vector<Tensor> grads(bias.defined() ? 3 : 2);
    if (x.requires_grad()) {
      grads[0] = new_tensor(x.shape(), x);
      x.backend().conv2d_forward(g, kernel, nullptr, grads[0], win, 1, false);
    }
    if (kernel.requires_grad()) {
      grads[1] = new_tensor(kernel.shape(), kernel);
      x.backend().conv2d_backward_filter(g, x, grads[1], win, 1);
    }
    if (bias.defined() && bias.requires_grad()) {
      grads[2] = new_tensor(bias.shape(), bias);
      x.backend().bias_grad(g, grads[2]);
    }
    return grads;
  });
}

// ---- pooling --------------------------------------------------------------------------------
namespace {
Tensor pool2d(bool is_max, const Tensor& x0, Size2 pool, Size2 strides, std::string_view padding) {
  const char* op = is_max ? "max_pool2d" : "avg_pool2d";
  require(x0, op, "input");
  check_rank(x0, 4, op, "(batch, height, width, channels)");
  check_padding(padding, op, false);
  check_positive(pool, op, "pool_size");
  check_positive(strides, op, "strides");
  Tensor x = is_floating(x0.dtype()) ? x0 : x0.astype(DType::Float32);
  const Plan p = plan_window(op, x.shape()[1], x.shape()[2], pool, strides, 1, padding, x.shape());
  Tensor y = new_tensor({x.shape()[0], p.oh, p.ow, x.shape()[3]}, x);
  x.backend().pool2d_forward(is_max, x, y, p.win);
  const Window win = p.win;
  return record(op, y, {x}, [is_max, x, y, win](const Tensor& g) {
    Tensor dx = new_tensor(x.shape(), x);
    x.backend().pool2d_backward(is_max, x, y, g, dx, win);
    return std::vector<Tensor>{dx};
  });
}

Tensor pool1d(bool is_max, const Tensor& x, i64 pool, i64 stride, std::string_view padding) {
  const char* op = is_max ? "max_pool1d" : "avg_pool1d";
  require(x, op, "input");
  check_rank(x, 3, op, "(batch, steps, channels)");
  Tensor y = pool2d(is_max, reshape(x, {x.shape()[0], 1, x.shape()[1], x.shape()[2]}), Size2(1, pool),
                    Size2(1, stride), padding);
  return reshape(y, {y.shape()[0], y.shape()[2], y.shape()[3]});
}

Tensor global_pool(bool is_max, const Tensor& x0, bool keepdims) {
  const char* op = is_max ? "global_max_pool" : "global_avg_pool";
  require(x0, op, "input");
  if (x0.rank() < 3)
    throw ShapeError(std::string(op) + " expects an input (batch, ..., channels) of rank >= 3, got shape " +
                     shape_to_string(x0.shape()));
  Tensor x = is_floating(x0.dtype()) ? x0 : x0.astype(DType::Float32);
  Shape ys{x.shape()[0]};
  if (keepdims)
    for (int i = 1; i + 1 < x.rank(); ++i) ys.push_back(1);
  ys.push_back(x.shape().back());
  Tensor y = new_tensor(ys, x);
  x.backend().global_pool_forward(is_max, x, y);
  return record(op, y, {x}, [is_max, x, y](const Tensor& g) {
    Tensor dx = new_tensor(x.shape(), x);
    x.backend().global_pool_backward(is_max, x, y, g, dx);
    return std::vector<Tensor>{dx};
  });
}

Tensor pad_crop(const char* op, const Tensor& x, i64 top, i64 bottom, i64 left, i64 right, bool crop) {
  require(x, op, "input");
  check_rank(x, 4, op, "(batch, height, width, channels)");
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw ValueError(std::string(op) + ": amounts must be >= 0, got ((" + str(top) + ", " + str(bottom) + "), (" +
                     str(left) + ", " + str(right) + "))");
  const i64 sign = crop ? -1 : 1;
  const i64 OH = x.shape()[1] + sign * (top + bottom), OW = x.shape()[2] + sign * (left + right);
  if (OH <= 0 || OW <= 0)
    throw ShapeError(std::string(op) + ": cropping ((" + str(top) + ", " + str(bottom) + "), (" + str(left) + ", " +
                     str(right) + ")) leaves nothing of an input of shape " + shape_to_string(x.shape()));
  Tensor y = new_tensor({x.shape()[0], OH, OW, x.shape()[3]}, x);
  const i64 oh = crop ? top : -top, ow = crop ? left : -left;
  x.backend().pad_crop2d(x, y, oh, ow);
  if (!is_floating(x.dtype())) return y;
  return record(op, y, {x}, [xs = x.shape(), oh, ow, x](const Tensor& g) {
    Tensor dx = new_tensor(xs, g);
    g.backend().pad_crop2d(g, dx, -oh, -ow);
    return std::vector<Tensor>{dx};
  });
}
}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, std::string_view padding) {
  return pool2d(true, x, pool_size, strides, padding);
}
Tensor avg_pool2d(const Tensor& x, Size2 pool_size, Size2 strides, std::string_view padding) {
  return pool2d(false, x, pool_size, strides, padding);
}
Tensor max_pool1d(const Tensor& x, std::int64_t pool_size, std::int64_t stride, std::string_view padding) {
  return pool1d(true, x, pool_size, stride, padding);
}
Tensor avg_pool1d(const Tensor& x, std::int64_t pool_size, std::int64_t stride, std::string_view padding) {
  return pool1d(false, x, pool_size, stride, padding);
}
Tensor global_avg_pool(const Tensor& x, bool keepdims) { return global_pool(false, x, keepdims); }
Tensor global_max_pool(const Tensor& x, bool keepdims) { return global_pool(true, x, keepdims); }

Tensor zero_pad2d(const Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  return pad_crop("zero_pad2d", x, top, bottom, left, right, false);
}
Tensor crop2d(const Tensor& x, std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  return pad_crop("crop2d", x, top, bottom, left, right, true);
}

Tensor upsample2d(const Tensor& x0, Size2 size, std::string_view interpolation) {
  const char* op = "upsample2d";
  require(x0, op, "input");
  check_rank(x0, 4, op, "(batch, height, width, channels)");
  check_positive(size, op, "size");
  if (interpolation != "nearest" && interpolation != "bilinear")
    throw ValueError(std::string("upsample2d: interpolation must be \"nearest\" or \"bilinear\", got \"") +
                     std::string(interpolation) + "\"");
  const bool bilinear = interpolation == "bilinear";
  Tensor x = is_floating(x0.dtype()) ? x0 : x0.astype(DType::Float32);
  Tensor y = new_tensor({x.shape()[0], x.shape()[1] * size.h, x.shape()[2] * size.w, x.shape()[3]}, x);
  x.backend().upsample2d(x, y, bilinear);
  return record(op, y, {x}, [xs = x.shape(), bilinear, x](const Tensor& g) {
    Tensor dx = new_tensor(xs, x);
    g.backend().upsample2d_backward(g, dx, bilinear);
    return std::vector<Tensor>{dx};
  });
}

}  // namespace temper::ops
