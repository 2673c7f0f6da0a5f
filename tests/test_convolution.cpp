// test_convolution.cpp — convolution ops and layers (Conv1D, Conv2D, Conv3D, DepthwiseConv2D,
// SeparableConv2D, Conv1DTranspose, Conv2DTranspose): forward results against naive reference loops in float32
// and float64, float64 numerical gradient checks for every padding / stride / dilation /
// groups combination Keras accepts, Keras output shapes (odd sizes with "same" padding and
// strides included), defaults, configs and their round trip through the registry, and the
// errors users hit, including the strict argument tables (unknown keys, types, Keras-only keys).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <temper/autograd.hpp>
#include <temper/error.hpp>
#include <temper/layers.hpp>
#include <temper/ops.hpp>
#include <temper/temper.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::check_gradients;
using temper::testing::contains;
using temper::testing::error_message;
using temper::testing::random_tensor;
using temper::testing::values;
using Inputs = std::vector<Tensor>;
using ops::Size2;

namespace {

using i64 = std::int64_t;

/// Naive NHWC grouped convolution in double: the definition, loop by loop.
std::vector<double> ref_conv(const std::vector<double>& x, const Shape& xs, const std::vector<double>& w,
                             const Shape& ws, Size2 s, Size2 d, i64 pt, i64 pl, i64 OH, i64 OW, i64 groups) {
  const i64 N = xs[0], H = xs[1], W = xs[2], C = xs[3], KH = ws[0], KW = ws[1], Cg = ws[2], O = ws[3];
  const i64 Og = O / groups;
  std::vector<double> y(static_cast<std::size_t>(N * OH * OW * O), 0.0);
  for (i64 n = 0; n < N; ++n)
    for (i64 oh = 0; oh < OH; ++oh)
      for (i64 ow = 0; ow < OW; ++ow)
        for (i64 o = 0; o < O; ++o) {
          const i64 g = o / Og;
          double acc = 0;
          for (i64 i = 0; i < KH; ++i)
            for (i64 j = 0; j < KW; ++j)
              for (i64 c = 0; c < Cg; ++c) {
                const i64 ih = oh * s.h - pt + i * d.h, iw = ow * s.w - pl + j * d.w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += x[static_cast<std::size_t>(((n * H + ih) * W + iw) * C + g * Cg + c)] *
                       w[static_cast<std::size_t>(((i * KW + j) * Cg + c) * O + o)];
              }
          y[static_cast<std::size_t>(((n * OH + oh) * OW + ow) * O + o)] = acc;
        }
  return y;
}

/// Naive transposed convolution: every input pixel scatters x * w into the output.
std::vector<double> ref_conv_transpose(const std::vector<double>& x, const Shape& xs, const std::vector<double>& w,
                                       const Shape& ws, Size2 s, Size2 d, i64 pt, i64 pl, i64 OH, i64 OW) {
  const i64 N = xs[0], H = xs[1], W = xs[2], C = xs[3], KH = ws[0], KW = ws[1], F = ws[2];
  std::vector<double> y(static_cast<std::size_t>(N * OH * OW * F), 0.0);
  for (i64 n = 0; n < N; ++n)
    for (i64 h = 0; h < H; ++h)
      for (i64 ww = 0; ww < W; ++ww)
        for (i64 i = 0; i < KH; ++i)
          for (i64 j = 0; j < KW; ++j) {
            const i64 oh = h * s.h - pt + i * d.h, ow = ww * s.w - pl + j * d.w;
            if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
            for (i64 f = 0; f < F; ++f)
              for (i64 c = 0; c < C; ++c)
                y[static_cast<std::size_t>(((n * OH + oh) * OW + ow) * F + f)] +=
                    x[static_cast<std::size_t>(((n * H + h) * W + ww) * C + c)] *
                    w[static_cast<std::size_t>(((i * KW + j) * F + f) * C + c)];
          }
  return y;
}

void check_close(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  REQUIRE(a.size() == b.size());
  int bad = 0;
  for (std::size_t i = 0; i < a.size() && bad < 5; ++i)
    if (std::abs(a[i] - b[i]) > tol * std::max(1.0, std::abs(b[i]))) {
      ++bad;
      FAIL_CHECK("element " << i << ": " << a[i] << " vs reference " << b[i]);
    }
}

/// Gradient check of a layer w.r.t. its input and weights in float64 (as in test_layers.cpp).
std::size_t check_layer_gradients(Layer& layer, const Shape& input_shape, std::uint64_t seed = 99) {
  Tensor x = random_tensor(input_shape, seed, -1.5, 1.5);
  if (!layer.built()) (void)layer(x.astype(DType::Float32), false);
  const auto weights = layer.weights();
  Inputs inputs{x};
  std::vector<Tensor> saved;
  for (const auto& w : weights) {
    saved.push_back(w->value);
    inputs.push_back(w->value.astype(DType::Float64));
  }
  check_gradients(
      [&](const Inputs& v) {
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = v[i + 1];
        Tensor y = layer(v[0], true);
        CHECK(y.dtype() == DType::Float64);
        return y;
      },
      inputs);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = saved[i];
  return weights.size();
}

void check_round_trip(const Layer& layer) {
  const Config ser = layers::serialize(layer);
  CHECK(ser["class_name"] == layer.class_name());
  LayerPtr back = layers::deserialize(Config::parse(ser.dump()));
  REQUIRE(back);
  CHECK(back->class_name() == layer.class_name());
  CHECK(back->get_config() == layer.get_config());
}

std::set<std::string> keys(const Config& c) {
  std::set<std::string> out;
  for (auto& [k, v] : c.items()) out.insert(k);
  return out;
}

struct ConvCase {
  Shape x;
  Shape w;
  Size2 strides;
  const char* padding;
  Size2 dilation;
  i64 groups;
};

/// Every combination Keras accepts on small odd-sized inputs: padding x strides x dilation
/// (strides > 1 and dilation > 1 are exclusive in Keras) x groups, plus the special paths
/// (1x1 GEMM, one input channel per group / depthwise).
std::vector<ConvCase> conv_cases() {
  std::vector<ConvCase> cases;
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2), Size2(2, 1), Size2(3)})
      for (Size2 d : {Size2(1), Size2(2), Size2(1, 2)}) {
        if ((s.h > 1 || s.w > 1) && (d.h > 1 || d.w > 1)) continue;
        for (i64 g : {1, 2}) cases.push_back({{2, 7, 6, 4}, {3, 2, 4 / g, 4}, s, pad, d, g});
      }
  cases.push_back({{2, 5, 5, 3}, {1, 1, 3, 5}, 1, "valid", 1, 1});   // 1x1: plain GEMM
  cases.push_back({{2, 5, 5, 3}, {1, 1, 3, 6}, 2, "same", 1, 1});    // 1x1 strided
  cases.push_back({{2, 6, 5, 1}, {3, 3, 1, 5}, 1, "valid", 1, 1});   // one input channel (direct)
  cases.push_back({{2, 6, 5, 1}, {3, 3, 1, 4}, 2, "same", 1, 1});
  cases.push_back({{1, 6, 5, 3}, {3, 3, 1, 3}, 1, "same", 2, 3});    // depthwise dm 1
  cases.push_back({{2, 5, 6, 2}, {3, 2, 1, 6}, 2, "same", 1, 2});    // depthwise dm 3
  cases.push_back({{2, 4, 4, 6}, {2, 2, 2, 6}, 1, "valid", 1, 3});   // 3 groups of 2
  // vectorised direct paths: output channels a multiple of the SIMD width
  cases.push_back({{2, 7, 6, 1}, {3, 3, 1, 16}, 1, "valid", 1, 1});  // one input channel
  cases.push_back({{2, 7, 6, 1}, {3, 2, 1, 40}, 2, "same", 1, 1});
  cases.push_back({{2, 6, 7, 8}, {3, 3, 1, 8}, 1, "same", 1, 8});    // depthwise dm 1
  cases.push_back({{2, 6, 7, 16}, {3, 3, 1, 16}, 2, "valid", 1, 16});
  cases.push_back({{1, 6, 7, 8}, {3, 3, 1, 8}, 1, "same", 2, 8});
  cases.push_back({{2, 6, 5, 8}, {3, 3, 8, 16}, 1, "same", 2, 1});   // stride-1 backward data as a forward conv
  return cases;
}

std::string describe_case(const ConvCase& c) {
  return shape_to_string(c.x) + " * " + shape_to_string(c.w) + " strides " + std::to_string(c.strides.h) + "x" +
         std::to_string(c.strides.w) + " " + c.padding + " dilation " + std::to_string(c.dilation.h) + "x" +
         std::to_string(c.dilation.w) + " groups " + std::to_string(c.groups);
}

}  // namespace

// ================================================================================================
// ops: geometry
// ================================================================================================
TEST_CASE("conv ops: output lengths and padding follow Keras") {
  // valid: floor((n - d*(k-1) - 1)/s) + 1; same: ceil(n/s)
  CHECK(ops::conv_output_length(28, 3, "valid", 1) == 26);
  CHECK(ops::conv_output_length(7, 3, "valid", 2) == 3);
  CHECK(ops::conv_output_length(7, 3, "same", 2) == 4);
  CHECK(ops::conv_output_length(8, 3, "same", 2) == 4);
  CHECK(ops::conv_output_length(9, 3, "same", 3) == 3);
  CHECK(ops::conv_output_length(10, 3, "valid", 1, 2) == 6);
  CHECK(ops::conv_output_length(5, 2, "valid", 2) == 2);  // pooling 2/2 on an odd size drops the last row
  CHECK(ops::conv_output_length(5, 2, "same", 2) == 3);
  CHECK(ops::conv_output_length(2, 3, "valid", 1) <= 0);
  CHECK(ops::conv_output_length(10, 3, "causal", 1, 2) == 10);
  // TensorFlow's "same": the odd pixel of padding goes after the input
  CHECK(ops::conv_padding_before(7, 3, "same", 2) == 1);
  CHECK(ops::conv_padding_before(8, 3, "same", 2) == 0);
  CHECK(ops::conv_padding_before(8, 4, "same", 1) == 1);
  CHECK(ops::conv_padding_before(5, 3, "same", 1, 2) == 2);
  CHECK(ops::conv_padding_before(5, 3, "causal", 1, 2) == 4);
  // transposed: Keras compute_conv_transpose_output_shape
  CHECK(ops::conv_transpose_output_length(4, 3, "valid", 2, 1, std::nullopt) == 9);
  CHECK(ops::conv_transpose_output_length(4, 3, "same", 2, 1, std::nullopt) == 8);
  CHECK(ops::conv_transpose_output_length(4, 1, "valid", 2, 1, std::nullopt) == 8);
  CHECK(ops::conv_transpose_output_length(4, 3, "same", 2, 1, 1) == 8);
  CHECK(ops::conv_transpose_output_length(4, 3, "valid", 2, 1, 1) == 10);
  CHECK(ops::conv_transpose_output_length(5, 3, "valid", 1, 2, std::nullopt) == 9);
  CHECK_THROWS_AS(ops::conv_output_length(5, 3, "full", 1), ValueError);
  CHECK(contains(error_message([] { (void)ops::conv_output_length(5, 3, "full", 1); }), "\"full\""));
}

// ================================================================================================
// ops: forward against the naive reference, float32 and float64
// ================================================================================================
TEST_CASE("conv ops: conv2d matches a naive loop for every case, float32 and float64") {
  std::uint64_t seed = 1;
  for (const ConvCase& c : conv_cases()) {
    CAPTURE(describe_case(c));
    Tensor x = random_tensor(c.x, seed++);
    Tensor w = random_tensor(c.w, seed++);
    Tensor b = random_tensor({c.w[3]}, seed++);
    const i64 OH = ops::conv_output_length(c.x[1], c.w[0], c.padding, c.strides.h, c.dilation.h);
    const i64 OW = ops::conv_output_length(c.x[2], c.w[1], c.padding, c.strides.w, c.dilation.w);
    const i64 pt = ops::conv_padding_before(c.x[1], c.w[0], c.padding, c.strides.h, c.dilation.h);
    const i64 pl = ops::conv_padding_before(c.x[2], c.w[1], c.padding, c.strides.w, c.dilation.w);
    std::vector<double> ref = ref_conv(values(x), c.x, values(w), c.w, c.strides, c.dilation, pt, pl, OH, OW, c.groups);
    // bias and fused relu
    std::vector<double> ref_br = ref;
    const auto bv = values(b);
    for (std::size_t i = 0; i < ref_br.size(); ++i) ref_br[i] = std::max(0.0, ref_br[i] + bv[i % bv.size()]);
    for (DType dt : {DType::Float64, DType::Float32}) {
      const double tol = dt == DType::Float64 ? 1e-12 : 1e-5;
      Tensor y = ops::conv2d(x.astype(dt), w.astype(dt), Tensor(), c.strides, c.padding, c.dilation, c.groups);
      CHECK(y.shape() == Shape{c.x[0], OH, OW, c.w[3]});
      check_close(values(y), ref, tol);
      Tensor yb = ops::conv2d(x.astype(dt), w.astype(dt), b.astype(dt), c.strides, c.padding, c.dilation, c.groups,
                              true);
      check_close(values(yb), ref_br, tol);
    }
  }
}

TEST_CASE("conv ops: a larger conv2d (the convnet's second layer shape) matches the reference") {
  // Big enough to take the tiled, multi-threaded im2col path with several tiles.
  Tensor x = random_tensor({3, 13, 13, 32}, 7);
  Tensor w = random_tensor({3, 3, 32, 64}, 8);
  Tensor y = ops::conv2d(x.astype(DType::Float32), w.astype(DType::Float32));
  const auto ref = ref_conv(values(x), x.shape(), values(w), w.shape(), 1, 1, 0, 0, 11, 11, 1);
  check_close(values(y), ref, 1e-4);
  // gradients of the same shapes, float64, against reference products
  Tensor xv = x.clone().set_requires_grad(true);
  Tensor wv = w.clone().set_requires_grad(true);
  Tensor g = random_tensor({3, 11, 11, 64}, 9);
  Tensor out = ops::conv2d(xv, wv);
  auto grads = gradients(ops::sum(ops::multiply(out, g)), {xv, wv});
  // dW[i,j,c,o] = sum x[n, oh+i, ow+j, c] * g[n, oh, ow, o]
  const auto X = values(x), G = values(g), DW = values(grads[1]), DX = values(grads[0]);
  double max_err = 0;
  for (i64 i : {0, 2})
    for (i64 c : {0, 31})
      for (i64 o : {0, 63}) {
        const i64 j = 1;
        double acc = 0;
        for (i64 n = 0; n < 3; ++n)
          for (i64 oh = 0; oh < 11; ++oh)
            for (i64 ow = 0; ow < 11; ++ow)
              acc += X[static_cast<std::size_t>(((n * 13 + oh + i) * 13 + ow + j) * 32 + c)] *
                     G[static_cast<std::size_t>(((n * 11 + oh) * 11 + ow) * 64 + o)];
        max_err = std::max(max_err, std::abs(acc - DW[static_cast<std::size_t>(((i * 3 + j) * 32 + c) * 64 + o)]));
      }
  CHECK(max_err < 1e-9);
  // dX at a corner pixel only sees kernel tap (0, 0)
  const auto Wv = values(w);
  double acc = 0;
  for (i64 o = 0; o < 64; ++o) acc += G[static_cast<std::size_t>(o)] * Wv[static_cast<std::size_t>(5 * 64 + o)];
  CHECK(std::abs(acc - DX[5]) < 1e-9);
}

TEST_CASE("conv ops: conv2d_transpose matches a naive scatter loop") {
  struct T {
    Shape x, w;
    Size2 s;
    const char* pad;
    std::optional<Size2> op;
    Size2 d;
  };
  std::uint64_t seed = 50;
  for (const T& c : {T{{2, 4, 3, 3}, {3, 3, 2, 3}, 2, "valid", std::nullopt, 1},
                     T{{2, 4, 3, 3}, {3, 3, 2, 3}, 2, "same", std::nullopt, 1},
                     T{{1, 3, 4, 2}, {3, 2, 3, 2}, 1, "same", std::nullopt, 1},
                     T{{1, 3, 4, 2}, {4, 4, 2, 2}, 2, "same", std::nullopt, 1},
                     T{{1, 3, 3, 2}, {3, 3, 2, 2}, 2, "same", Size2(1), 1},
                     T{{1, 3, 3, 2}, {3, 3, 2, 2}, 3, "valid", Size2(2, 1), 1},
                     T{{1, 4, 4, 2}, {3, 3, 2, 2}, 1, "valid", std::nullopt, 2},
                     T{{1, 4, 4, 2}, {3, 3, 2, 2}, 1, "same", std::nullopt, 2}}) {
    CAPTURE(shape_to_string(c.x));
    CAPTURE(c.pad);
    Tensor x = random_tensor(c.x, seed++);
    Tensor w = random_tensor(c.w, seed++);
    Tensor y = ops::conv2d_transpose(x, w, Tensor(), c.s, c.pad, c.op, c.d);
    std::optional<i64> oph, opw;
    if (c.op) {
      oph = c.op->h;
      opw = c.op->w;
    }
    const i64 OH = ops::conv_transpose_output_length(c.x[1], c.w[0], c.pad, c.s.h, c.d.h, oph);
    const i64 OW = ops::conv_transpose_output_length(c.x[2], c.w[1], c.pad, c.s.w, c.d.w, opw);
    REQUIRE(y.shape() == Shape{c.x[0], OH, OW, c.w[2]});
    // Keras/JAX padding rule: the transposed conv is the data gradient of a conv with
    // pad_before = keff - 1 - left_pad.
    auto pad_before = [&](i64 k, i64 s, i64 d, std::optional<i64> op) -> i64 {
      const i64 keff = (k - 1) * d + 1;
      if (std::string(c.pad) == "valid") return 0;
      const i64 pad_len = op ? keff + keff % 2 - 2 + *op : s + keff - 2;
      return keff - 1 - std::min(pad_len / 2 + pad_len % 2, keff - 1);
    };
    const auto ref = ref_conv_transpose(values(x), c.x, values(w), c.w, c.s, c.d, pad_before(c.w[0], c.s.h, c.d.h, oph),
                                        pad_before(c.w[1], c.s.w, c.d.w, opw), OH, OW);
    check_close(values(y), ref, 1e-12);
    check_gradients([&](const Inputs& v) { return ops::conv2d_transpose(v[0], v[1], v[2], c.s, c.pad, c.op, c.d); },
                    {x, w, random_tensor({c.w[2]}, seed++)});
  }
  // Keras "same" transposed conv with stride 2 on a 2x2 input of ones and a ones kernel:
  // TensorFlow's known result (conv2d_transpose of ones, 3x3 kernel, SAME): [[1,1,2,1],...]
  Tensor ones = Tensor::ones({1, 2, 2, 1}, DType::Float64);
  Tensor k = Tensor::ones({3, 3, 1, 1}, DType::Float64);
  Tensor y = ops::conv2d_transpose(ones, k, Tensor(), 2, "same");
  CHECK(values(y) == std::vector<double>{1, 1, 2, 1, 1, 1, 2, 1, 2, 2, 4, 2, 1, 1, 2, 1});
}

// ================================================================================================
// ops: gradients
// ================================================================================================
TEST_CASE("conv ops: conv2d gradients for every padding / stride / dilation / groups case") {
  std::uint64_t seed = 100;
  for (const ConvCase& c : conv_cases()) {
    CAPTURE(describe_case(c));
    Tensor x = random_tensor(c.x, seed++);
    Tensor w = random_tensor(c.w, seed++);
    Tensor b = random_tensor({c.w[3]}, seed++);
    check_gradients([&](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2], c.strides, c.padding, c.dilation, c.groups); },
                    {x, w, b});
  }
}

TEST_CASE("conv ops: fused relu, conv1d (valid, same, causal) and depthwise gradients") {
  Tensor x = random_tensor({2, 5, 4, 3}, 1);
  Tensor w = random_tensor({3, 3, 3, 4}, 2);
  Tensor b = random_tensor({4}, 3);
  check_gradients([](const Inputs& v) { return ops::conv2d(v[0], v[1], v[2], 1, "same", 1, 1, true); }, {x, w, b});
  for (const char* pad : {"valid", "same", "causal"})
    for (i64 s : {1, 2})
      for (i64 d : {1, 2}) {
        if (s > 1 && d > 1) continue;
        CAPTURE(pad);
        CAPTURE(s);
        CAPTURE(d);
        Tensor x1 = random_tensor({2, 9, 4}, 10 + static_cast<std::uint64_t>(s * 3 + d));
        Tensor w1 = random_tensor({3, 2, 4}, 20);
        check_gradients([&](const Inputs& v) { return ops::conv1d(v[0], v[1], v[2], s, pad, d, 2); },
                        {x1, w1, random_tensor({4}, 21)});
      }
  Tensor wd = random_tensor({3, 3, 3, 2}, 4);
  check_gradients([](const Inputs& v) { return ops::depthwise_conv2d(v[0], v[1], v[2], 2, "same"); },
                  {x, wd, random_tensor({6}, 5)});
}

TEST_CASE("conv ops: causal conv1d output t only sees inputs up to t") {
  Tensor x = Tensor::zeros({1, 6, 1}, DType::Float64);
  std::vector<double> xv{0, 0, 0, 1, 0, 0};
  x = Tensor::from_vector(xv, {1, 6, 1});
  Tensor w = Tensor::ones({3, 1, 1}, DType::Float64);
  Tensor y = ops::conv1d(x, w, Tensor(), 1, "causal");
  CHECK(values(y) == std::vector<double>{0, 0, 0, 1, 1, 1});
  Tensor y2 = ops::conv1d(x, w, Tensor(), 1, "causal", 2);
  CHECK(values(y2) == std::vector<double>{0, 0, 0, 1, 0, 1});
}

// ================================================================================================
// layers: Conv2D
// ================================================================================================
TEST_CASE("Conv2D: Keras defaults, weights, shapes and config") {
  layers::Conv2D conv(8, 3);
  CHECK(conv.class_name() == "Conv2D");
  const auto& o = conv.options();
  CHECK(o.strides == Size2(1));
  CHECK(o.padding == "valid");
  CHECK(o.dilation_rate == Size2(1));
  CHECK(o.groups == 1);
  CHECK(o.use_bias);
  CHECK(o.activation.is_linear());
  CHECK(o.kernel_initializer.class_name() == "GlorotUniform");
  CHECK(o.bias_initializer.class_name() == "Zeros");
  CHECK(conv.compute_output_shape({-1, 28, 28, 1}) == Shape{-1, 26, 26, 8});
  Tensor y = conv(Tensor::zeros({2, 7, 9, 3}));
  CHECK(y.shape() == Shape{2, 5, 7, 8});
  REQUIRE(conv.kernel());
  CHECK(conv.kernel()->value.shape() == Shape{3, 3, 3, 8});
  CHECK(conv.bias()->value.shape() == Shape{8});
  CHECK(conv.count_params() == 3 * 3 * 3 * 8 + 8);
  CHECK(conv.weights()[0]->name == "kernel");
  // spatial sizes may change between calls (Keras InputSpec fixes only the channels)
  CHECK(conv(Tensor::zeros({1, 5, 5, 3})).shape() == Shape{1, 3, 3, 8});
  // odd sizes with same padding and strides: ceil(n / s)
  layers::Conv2D s2({.filters = 4, .kernel_size = {3, 2}, .strides = {2, 3}, .padding = "same"});
  CHECK(s2.compute_output_shape({-1, 7, 11, 3}) == Shape{-1, 4, 4, 4});
  CHECK(s2.compute_output_shape({-1, 1, 1, 3}) == Shape{-1, 1, 1, 4});
  CHECK(s2.compute_output_shape({-1, -1, 8, 3}) == Shape{-1, -1, 3, 4});
  layers::Conv2D dil({.filters = 2, .kernel_size = 3, .dilation_rate = 2});
  CHECK(dil.compute_output_shape({-1, 9, 10, 1}) == Shape{-1, 5, 6, 2});
  layers::Conv2D grp({.filters = 6, .kernel_size = 1, .groups = 3});
  (void)grp(Tensor::zeros({1, 4, 4, 9}));
  CHECK(grp.kernel()->value.shape() == Shape{1, 1, 3, 6});
  // config: Keras keys and values
  layers::Conv2D named({.filters = 32, .kernel_size = 3, .activation = "relu", .name = "conv2d"});
  Config c = named.get_config();
  CHECK(keys(c) == std::set<std::string>{"name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
                                         "data_format", "dilation_rate", "groups", "activation", "use_bias",
                                         "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                         "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                         "bias_constraint"});
  CHECK(c["kernel_size"] == Config::parse("[3, 3]"));
  CHECK(c["strides"] == Config::parse("[1, 1]"));
  CHECK(c["activation"] == "relu");
  CHECK(c["data_format"] == "channels_last");
  check_round_trip(named);
  check_round_trip(s2);
  check_round_trip(grp);
  // registry lookup with a config as Keras writes it (ints accepted for tuples too)
  LayerPtr k = layers::deserialize(Config::parse(R"({"class_name": "Conv2D", "config": {
      "name": "c", "filters": 5, "kernel_size": [3, 3], "strides": 2, "padding": "same",
      "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "relu",
      "use_bias": false, "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": null}},
      "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null,
      "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}})"));
  auto kc = std::static_pointer_cast<layers::Conv2D>(k);
  CHECK(kc->options().strides == Size2(2));
  CHECK_FALSE(kc->options().use_bias);
  CHECK(kc->options().kernel_initializer.class_name() == "HeNormal");
  CHECK(layers::deserialize(Config::parse(R"({"class_name": "Convolution2D", "config": {"filters": 1, "kernel_size": 1}})"))
            ->class_name() == "Conv2D");
}

TEST_CASE("Conv2D: gradients for every padding / stride / dilation / groups combination") {
  int checked = 0;
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2)})
      for (Size2 d : {Size2(1), Size2(2)})
        for (i64 g : {1, 2})
          for (const char* act : {"linear", "relu"}) {
            if (s.h > 1 && d.h > 1) continue;
            CAPTURE(pad);
            CAPTURE(s.h);
            CAPTURE(d.h);
            CAPTURE(g);
            layers::Conv2D conv({.filters = 4, .kernel_size = {3, 2}, .strides = s, .padding = pad, .dilation_rate = d,
                                 .groups = g, .activation = act, .bias_initializer = "random_normal"});
            CHECK(check_layer_gradients(conv, {2, 7, 5, 2}) == 2);
            ++checked;
          }
  CHECK(checked == 24);
}

TEST_CASE("Conv2D: regularizers add Keras penalties") {
  layers::Conv2D conv({.filters = 2, .kernel_size = 1, .kernel_regularizer = regularizers::Regularizer(0.0, 0.5),
                       .activity_regularizer = regularizers::Regularizer(0.0, 0.1)});
  Tensor y = conv(Tensor::ones({1, 2, 2, 3}));
  auto losses = conv.regularization_losses();
  REQUIRE(losses.size() >= 2);
  const auto k = values(conv.kernel()->value);
  double want = 0;
  for (double v : k) want += 0.5 * v * v;
  CHECK(losses[0].item() == doctest::Approx(want).epsilon(1e-5));
  CHECK(conv.get_config()["kernel_regularizer"]["class_name"] == "L2");
}

TEST_CASE("Conv2D: errors name the layer, the value and what was expected") {
  CHECK(contains(error_message([] { layers::Conv2D(0, 3); }), "filters"));
  CHECK_THROWS_AS(layers::Conv2D(0, 3), ValueError);
  CHECK(contains(error_message([] { layers::Conv2D(4, Size2(0, 3)); }), "kernel_size"));
  CHECK(contains(error_message([] { layers::Conv2D({.filters = 4, .kernel_size = 3, .padding = "full"}); }), "\"full\""));
  CHECK_THROWS_AS(layers::Conv2D({.filters = 4, .kernel_size = 3, .data_format = "channels_first"}), ConfigError);
  CHECK(contains(error_message([] { layers::Conv2D({.filters = 4, .kernel_size = 3, .data_format = "channels_first"}); }),
                 "channels_first"));
  CHECK(contains(error_message([] { layers::Conv2D({.filters = 4, .kernel_size = 3, .strides = 2, .dilation_rate = 2}); }),
                 "dilation_rate"));
  CHECK(contains(error_message([] { layers::Conv2D({.filters = 5, .kernel_size = 3, .groups = 2}); }), "groups"));
  // build-time shape errors name the layer and both shapes
  layers::Conv2D conv({.filters = 8, .kernel_size = 3, .name = "c1"});
  std::string msg = error_message([&] { (void)conv(Tensor::zeros({1, 2, 2, 3})); });
  CHECK(contains(msg, "'c1'"));
  CHECK(contains(msg, "(None, 2, 2, 3)"));
  CHECK(contains(msg, "(None, 0, 0, 8)"));
  CHECK_THROWS_AS((void)conv(Tensor::zeros({1, 2, 2, 3})), ShapeError);
  msg = error_message([&] { (void)conv(Tensor::zeros({2, 6, 6})); });
  CHECK(contains(msg, "rank 4"));
  (void)conv(Tensor::zeros({1, 6, 6, 3}));
  msg = error_message([&] { (void)conv(Tensor::zeros({1, 6, 6, 4})); });
  CHECK(contains(msg, "(None, 6, 6, 3)"));
  CHECK(contains(msg, "(None, 6, 6, 4)"));
  layers::Conv2D grp({.filters = 4, .kernel_size = 1, .groups = 2, .name = "g"});
  msg = error_message([&] { (void)grp(Tensor::zeros({1, 3, 3, 3})); });
  CHECK(contains(msg, "divisible by groups"));
  CHECK_THROWS_AS(layers::deserialize(Config::parse(R"({"class_name": "Conv2D", "config": {"kernel_size": 3}})")),
                  ConfigError);
  // a weight constraint is read from any config and applied by the optimizer
  CHECK(layers::deserialize(Config::parse(
                                R"({"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3, "kernel_constraint": {"class_name": "MaxNorm"}}})"),
                            ConfigSource::user)
            ->get_config()["kernel_constraint"]["class_name"] == "MaxNorm");
}

// ================================================================================================
// layers: Conv1D
// ================================================================================================
TEST_CASE("Conv1D: shapes, causal padding, config, gradients") {
  layers::Conv1D conv(6, 3);
  CHECK(conv.compute_output_shape({-1, 10, 4}) == Shape{-1, 8, 6});
  (void)conv(Tensor::zeros({2, 10, 4}));
  CHECK(conv.kernel()->value.shape() == Shape{3, 4, 6});
  layers::Conv1D causal({.filters = 2, .kernel_size = 3, .padding = "causal", .dilation_rate = 2});
  CHECK(causal.compute_output_shape({-1, 10, 4}) == Shape{-1, 10, 2});
  layers::Conv1D same({.filters = 2, .kernel_size = 4, .strides = 3, .padding = "same"});
  CHECK(same.compute_output_shape({-1, 10, 1}) == Shape{-1, 4, 2});
  Config c = causal.get_config();
  CHECK(c["kernel_size"] == Config::parse("[3]"));
  CHECK(c["dilation_rate"] == Config::parse("[2]"));
  CHECK(c["padding"] == "causal");
  check_round_trip(causal);
  check_round_trip(same);
  CHECK_THROWS_AS(layers::Conv2D({.filters = 4, .kernel_size = 3, .padding = "causal"}), ValueError);
  for (const char* pad : {"valid", "same", "causal"})
    for (i64 s : {1, 2})
      for (i64 d : {1, 2})
        for (i64 g : {1, 2}) {
          if (s > 1 && d > 1) continue;
          CAPTURE(pad);
          layers::Conv1D l({.filters = 4, .kernel_size = 3, .strides = s, .padding = pad, .dilation_rate = d,
                            .groups = g, .bias_initializer = "random_normal"});
          CHECK(check_layer_gradients(l, {2, 8, 2}) == 2);
        }
  std::string msg = error_message([&] { (void)conv(Tensor::zeros({2, 10, 4, 1})); });
  CHECK(contains(msg, "rank 3"));
}

// ================================================================================================
// layers: DepthwiseConv2D, SeparableConv2D
// ================================================================================================
TEST_CASE("DepthwiseConv2D: Keras layout (kh, kw, in, dm), shapes, config, gradients") {
  layers::DepthwiseConv2D dw({.kernel_size = 3, .padding = "same", .depth_multiplier = 2});
  Tensor x = random_tensor({2, 5, 5, 3}, 4).astype(DType::Float32);
  Tensor y = dw(x);
  CHECK(y.shape() == Shape{2, 5, 5, 6});
  CHECK(dw.kernel()->value.shape() == Shape{3, 3, 3, 2});
  CHECK(dw.bias()->value.shape() == Shape{6});
  CHECK(dw.weights()[0]->name == "kernel");
  // output channel c * dm + m is input channel c convolved with kernel[..., c, m]
  const auto X = values(x), K = values(dw.kernel()->value), Y = values(y);
  double acc = 0;  // n 0, pixel (2, 2), channel c = 1, m = 1 -> output channel 3
  for (i64 i = 0; i < 3; ++i)
    for (i64 j = 0; j < 3; ++j)
      acc += X[static_cast<std::size_t>(((1 + i) * 5 + 1 + j) * 3 + 1)] * K[static_cast<std::size_t>(((i * 3 + j) * 3 + 1) * 2 + 1)];
  CHECK(Y[static_cast<std::size_t>((2 * 5 + 2) * 6 + 3)] == doctest::Approx(acc).epsilon(1e-5));
  Config c = dw.get_config();
  CHECK(c.contains("depthwise_initializer"));
  CHECK(c.contains("depthwise_regularizer"));
  CHECK(c.contains("depthwise_constraint"));
  CHECK(c["depth_multiplier"] == 2);
  CHECK_FALSE(c.contains("filters"));
  check_round_trip(dw);
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2)})
      for (Size2 d : {Size2(1), Size2(2)}) {
        if (s.h > 1 && d.h > 1) continue;
        layers::DepthwiseConv2D l({.kernel_size = {3, 2}, .strides = s, .padding = pad, .depth_multiplier = 2,
                                   .dilation_rate = d, .bias_initializer = "random_normal"});
        CHECK(check_layer_gradients(l, {2, 6, 5, 2}) == 2);
      }
  CHECK_THROWS_AS(layers::DepthwiseConv2D({.kernel_size = 3, .depth_multiplier = 0}), ValueError);
}

TEST_CASE("SeparableConv2D: depthwise + pointwise weights, shapes, config, gradients") {
  layers::SeparableConv2D sep({.filters = 5, .kernel_size = 3, .strides = 2, .padding = "same", .depth_multiplier = 2});
  CHECK(sep.compute_output_shape({-1, 7, 8, 3}) == Shape{-1, 4, 4, 5});
  (void)sep(Tensor::zeros({1, 7, 8, 3}));
  CHECK(sep.depthwise_kernel()->value.shape() == Shape{3, 3, 3, 2});
  CHECK(sep.pointwise_kernel()->value.shape() == Shape{1, 1, 6, 5});
  CHECK(sep.bias()->value.shape() == Shape{5});
  CHECK(sep.weights()[0]->name == "depthwise_kernel");
  CHECK(sep.weights()[1]->name == "pointwise_kernel");
  Config c = sep.get_config();
  for (const char* k : {"pointwise_initializer", "pointwise_regularizer", "pointwise_constraint", "depthwise_initializer"})
    CHECK(c.contains(k));
  check_round_trip(sep);
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2)})
      for (Size2 d : {Size2(1), Size2(2)}) {
        if (s.h > 1 && d.h > 1) continue;
        layers::SeparableConv2D l({.filters = 3, .kernel_size = 3, .strides = s, .padding = pad, .dilation_rate = d,
                                   .depth_multiplier = 2, .activation = "relu", .bias_initializer = "random_normal"});
        CHECK(check_layer_gradients(l, {2, 6, 6, 2}) == 3);
      }
}

// ================================================================================================
// layers: Conv2DTranspose
// ================================================================================================
TEST_CASE("Conv2DTranspose: kernel (kh, kw, filters, in), Keras shapes, config, gradients") {
  layers::Conv2DTranspose t({.filters = 4, .kernel_size = 3, .strides = 2});
  CHECK(t.compute_output_shape({-1, 5, 4, 3}) == Shape{-1, 11, 9, 4});
  (void)t(Tensor::zeros({1, 5, 4, 3}));
  CHECK(t.kernel()->value.shape() == Shape{3, 3, 4, 3});
  layers::Conv2DTranspose same({.filters = 2, .kernel_size = 3, .strides = 2, .padding = "same"});
  CHECK(same.compute_output_shape({-1, 5, 4, 3}) == Shape{-1, 10, 8, 2});
  layers::Conv2DTranspose op({.filters = 2, .kernel_size = 3, .strides = 2, .padding = "same", .output_padding = Size2(1, 0)});
  CHECK(op.compute_output_shape({-1, 5, 4, 3}) == Shape{-1, 10, 7, 2});
  Config c = op.get_config();
  CHECK(c["output_padding"] == Config::parse("[1, 0]"));
  CHECK(same.get_config()["output_padding"].is_null());
  CHECK_FALSE(c.contains("groups"));
  check_round_trip(op);
  check_round_trip(same);
  CHECK(contains(error_message([] {
                   layers::Conv2DTranspose({.filters = 2, .kernel_size = 3, .strides = 2, .output_padding = Size2(2)});
                 }),
                 "output_padding"));
  for (const char* pad : {"valid", "same"})
    for (Size2 s : {Size2(1), Size2(2), Size2(3, 2)})
      for (Size2 d : {Size2(1), Size2(2)}) {
        if (s.h > 1 && d.h > 1) continue;
        CAPTURE(pad);
        CAPTURE(s.h);
        layers::Conv2DTranspose l({.filters = 3, .kernel_size = {3, 2}, .strides = s, .padding = pad,
                                   .dilation_rate = d, .bias_initializer = "random_normal"});
        CHECK(check_layer_gradients(l, {2, 3, 4, 2}) == 2);
      }
  layers::Conv2DTranspose lop({.filters = 2, .kernel_size = 3, .strides = 2, .padding = "valid", .output_padding = Size2(1)});
  CHECK(check_layer_gradients(lop, {1, 3, 3, 2}) == 2);
}

// ================================================================================================
// the Keras "simple MNIST convnet" as a model
// ================================================================================================
TEST_CASE("convnet: the Keras mnist_convnet has Keras's names, shapes and 34,826 parameters") {
  Sequential model({layers::Input({28, 28, 1}), layers::Conv2D(32, 3, "relu"), layers::MaxPooling2D(2),
                    layers::Conv2D(64, 3, "relu"), layers::MaxPooling2D(2), layers::Flatten(), layers::Dropout(0.5),
                    layers::Dense(10, "softmax")},
                   {.seed = 0});
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy(), {"accuracy"});
  CHECK(model.count_params() == 34826);
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l->name());
  CHECK(std::find(names.begin(), names.end(), "conv2d") != names.end());
  CHECK(std::find(names.begin(), names.end(), "conv2d_1") != names.end());
  CHECK(std::find(names.begin(), names.end(), "max_pooling2d_1") != names.end());
  Tensor x = random_tensor({3, 28, 28, 1}, 1, 0.0, 1.0).astype(DType::Float32);
  Tensor p = model.predict_on_batch(x);
  CHECK(p.shape() == Shape{3, 10});
  const auto pv = values(p);
  double s = 0;
  for (int i = 0; i < 10; ++i) s += pv[static_cast<std::size_t>(i)];
  CHECK(s == doctest::Approx(1.0).epsilon(1e-5));
  // one training step runs and changes the conv kernels
  Tensor labels = Tensor::from_vector(std::vector<std::int32_t>{1, 2, 3}, {3});
  const auto before = values(model.layers()[0]->weights()[0]->value);
  (void)model.train_on_batch(x, labels);
  CHECK(values(model.layers()[0]->weights()[0]->value) != before);
}

TEST_CASE("Conv2D with a fused ReLU keeps NaN inputs NaN (direct, im2col and 1x1 paths)") {
  // TensorFlow and PyTorch propagate NaN through ReLU; a fused max(x, 0) would turn it into 0.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    std::int64_t channels, kernel;
  };
  for (const Case c : {Case{1, 3}, Case{3, 3}, Case{4, 1}}) {
    CAPTURE(c.channels);
    CAPTURE(c.kernel);
    Sequential m({layers::Input({6, 6, c.channels}),
                  layers::Conv2D(layers::Conv2D::Options{.filters = 8, .kernel_size = Size2(c.kernel, c.kernel),
                                                         .activation = "relu"})},
                 {.seed = 3});
    std::vector<float> x(static_cast<std::size_t>(6 * 6 * c.channels), 0.5f);
    x[static_cast<std::size_t>((2 * 6 + 2) * c.channels)] = nan;  // one pixel, first channel
    const auto y = m.predict(Tensor::from_vector(x, {1, 6, 6, c.channels}), {.verbose = 0})
                       .to_vector<float>();
    const auto nans = std::count_if(y.begin(), y.end(), [](float v) { return std::isnan(v); });
    CHECK(nans > 0);
    CHECK(nans < static_cast<std::ptrdiff_t>(y.size()));  // outputs away from the pixel stay numbers
  }
}

TEST_CASE("ops::maximum and ops::minimum propagate NaN from either operand") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = Tensor::from_vector(std::vector<float>(20, 1.0f), {20});
  std::vector<float> bv(20, 2.0f);
  bv[3] = nan;
  Tensor b = Tensor::from_vector(bv, {20});
  std::vector<float> av2(20, 1.0f);
  av2[17] = nan;
  Tensor a2 = Tensor::from_vector(av2, {20});
  for (const auto& y : {ops::maximum(a, b), ops::minimum(a, b), ops::maximum(b, a), ops::minimum(b, a)}) {
    const auto v = y.to_vector<float>();
    CHECK(std::isnan(v[3]));
    CHECK(std::isfinite(v[4]));
  }
  CHECK(std::isnan(ops::maximum(a2, b).to_vector<float>()[17]));
  CHECK(std::isnan(ops::minimum(b, a2).to_vector<float>()[17]));
}

// ================================================================================================
// layers: Conv3D, Conv1DTranspose (thin classes over ConvND / ConvTransposeND)
// ================================================================================================
namespace {
/// Naive NDHWC grouped 3-D convolution in double.
std::vector<double> ref_conv3d(const std::vector<double>& x, const Shape& xs, const std::vector<double>& w,
                               const Shape& ws, layers::Size3 s, layers::Size3 d, const std::string& pad,
                               const Shape& os, i64 groups) {
  const i64 N = xs[0], D = xs[1], H = xs[2], W = xs[3], C = xs[4];
  const i64 KD = ws[0], KH = ws[1], KW = ws[2], Cg = ws[3], O = ws[4], Og = O / groups;
  const i64 OD = os[1], OH = os[2], OW = os[3];
  const i64 pd = ops::conv_padding_before(D, KD, pad, s.d, d.d), ph = ops::conv_padding_before(H, KH, pad, s.h, d.h),
            pw = ops::conv_padding_before(W, KW, pad, s.w, d.w);
  std::vector<double> y(static_cast<std::size_t>(N * OD * OH * OW * O), 0.0);
  for (i64 n = 0; n < N; ++n)
    for (i64 od = 0; od < OD; ++od)
      for (i64 oh = 0; oh < OH; ++oh)
        for (i64 ow = 0; ow < OW; ++ow)
          for (i64 o = 0; o < O; ++o) {
            const i64 g = o / Og;
            double acc = 0;
            for (i64 a = 0; a < KD; ++a)
              for (i64 i = 0; i < KH; ++i)
                for (i64 j = 0; j < KW; ++j)
                  for (i64 c = 0; c < Cg; ++c) {
                    const i64 id = od * s.d - pd + a * d.d, ih = oh * s.h - ph + i * d.h, iw = ow * s.w - pw + j * d.w;
                    if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                    acc += x[static_cast<std::size_t>((((n * D + id) * H + ih) * W + iw) * C + g * Cg + c)] *
                           w[static_cast<std::size_t>((((a * KH + i) * KW + j) * Cg + c) * O + o)];
                  }
            y[static_cast<std::size_t>((((n * OD + od) * OH + oh) * OW + ow) * O + o)] = acc;
          }
  return y;
}
}  // namespace

TEST_CASE("Conv3D: Keras layout (kd, kh, kw, in / groups, filters), shapes, reference values, config") {
  layers::Conv3D conv(4, 3);
  CHECK(conv.class_name() == "Conv3D");
  CHECK(conv.compute_output_shape({-1, 5, 6, 7, 2}) == Shape{-1, 3, 4, 5, 4});
  (void)conv(Tensor::zeros({1, 5, 6, 7, 2}));
  CHECK(conv.kernel()->value.shape() == Shape{3, 3, 3, 2, 4});
  CHECK(conv.bias()->value.shape() == Shape{4});
  layers::Conv3D same({.filters = 2, .kernel_size = {3, 2, 3}, .strides = {2, 1, 3}, .padding = "same"});
  CHECK(same.compute_output_shape({-1, 7, 5, 8, 3}) == Shape{-1, 4, 5, 3, 2});
  CHECK(same.compute_output_shape({-1, -1, 5, 8, 3}) == Shape{-1, -1, 5, 3, 2});
  Config c = same.get_config();
  CHECK(c["kernel_size"] == Config::parse("[3, 2, 3]"));
  CHECK(c["strides"] == Config::parse("[2, 1, 3]"));
  CHECK(keys(c) == keys(layers::Conv2D(1, 1).get_config()));
  check_round_trip(same);
  CHECK(contains(error_message([&] { (void)conv(Tensor::zeros({1, 5, 6, 2})); }), "rank 5"));
  CHECK(contains(error_message([] { layers::Conv3D({.filters = 2, .kernel_size = 3, .padding = "causal"}); }),
                 "\"causal\""));
  CHECK(layers::deserialize(Config::parse(R"({"class_name": "Convolution3D", "config": {"filters": 1, "kernel_size": 1}})"))
            ->class_name() == "Conv3D");
  // forward values against the definition, float64, every padding / stride / dilation / groups case
  struct Case {
    layers::Size3 k, s, d;
    const char* pad;
    i64 groups;
  };
  for (const Case& cs : {Case{3, 1, 1, "valid", 1}, Case{{3, 2, 2}, {2, 1, 2}, 1, "same", 1},
                         Case{{2, 3, 1}, 1, {2, 1, 1}, "same", 2}, Case{{3, 1, 2}, {3, 2, 1}, 1, "valid", 2}}) {
    CAPTURE(cs.pad);
    layers::Conv3D l({.filters = 4, .kernel_size = cs.k, .strides = cs.s, .padding = cs.pad, .dilation_rate = cs.d,
                      .groups = cs.groups, .bias_initializer = "random_normal"});
    Tensor x = random_tensor({2, 6, 5, 4, 4}, 7);
    (void)l(x.astype(DType::Float32));
    const Tensor w = l.kernel()->value.astype(DType::Float64), b = l.bias()->value.astype(DType::Float64);
    l.kernel()->value = w;
    l.bias()->value = b;
    Tensor y = l(x);
    std::vector<double> want = ref_conv3d(values(x), x.shape(), values(w), w.shape(), cs.s, cs.d, cs.pad, y.shape(),
                                          cs.groups);
    const auto bv = values(b);
    for (std::size_t i = 0; i < want.size(); ++i) want[i] += bv[i % bv.size()];
    check_close(values(y), want, 1e-9);
  }
}

TEST_CASE("Conv3D: float64 gradients for padding / stride / dilation / groups / relu") {
  for (const char* pad : {"valid", "same"})
    for (layers::Size3 s : {layers::Size3(1), layers::Size3(2, 1, 2)})
      for (layers::Size3 d : {layers::Size3(1), layers::Size3(2, 1, 1)})
        for (i64 g : {1, 2}) {
          if (s.d > 1 && d.d > 1) continue;
          CAPTURE(pad);
          CAPTURE(s.d);
          CAPTURE(d.d);
          CAPTURE(g);
          layers::Conv3D l({.filters = 2, .kernel_size = {2, 2, 1}, .strides = s, .padding = pad, .dilation_rate = d,
                            .groups = g, .activation = g == 2 ? "relu" : "linear", .bias_initializer = "random_normal"});
          CHECK(check_layer_gradients(l, {2, 5, 4, 3, 2}) == 2);
        }
}

TEST_CASE("Conv1DTranspose: kernel (k, filters, in), Keras shapes, values of the 2-D op, config, gradients") {
  layers::Conv1DTranspose t(3, 4);
  CHECK(t.class_name() == "Conv1DTranspose");
  layers::Conv1DTranspose s2({.filters = 3, .kernel_size = 3, .strides = 2});
  CHECK(s2.compute_output_shape({-1, 5, 2}) == Shape{-1, 11, 3});
  layers::Conv1DTranspose same({.filters = 3, .kernel_size = 3, .strides = 2, .padding = "same"});
  CHECK(same.compute_output_shape({-1, 5, 2}) == Shape{-1, 10, 3});
  layers::Conv1DTranspose op({.filters = 3, .kernel_size = 3, .strides = 3, .output_padding = 2});
  CHECK(op.compute_output_shape({-1, 5, 2}) == Shape{-1, 17, 3});
  Tensor x = random_tensor({2, 5, 2}, 3);
  Tensor y = s2(x.astype(DType::Float32));
  CHECK(y.shape() == Shape{2, 11, 3});
  CHECK(s2.kernel()->value.shape() == Shape{3, 3, 2});
  // the same numbers as Conv2DTranspose on a height-1 image with a (1, k) kernel
  Tensor y2 = ops::conv2d_transpose(ops::reshape(x.astype(DType::Float32), {2, 1, 5, 2}),
                                    ops::reshape(s2.kernel()->value, {1, 3, 3, 2}), s2.bias()->value, Size2(1, 2));
  check_close(values(y), values(ops::reshape(y2, {2, 11, 3})), 1e-6);
  Config c = op.get_config();
  CHECK(c["output_padding"] == Config::parse("[2]"));
  CHECK(c["kernel_size"] == Config::parse("[3]"));
  CHECK(keys(c) == keys(layers::Conv2DTranspose(1, 1).get_config()));
  check_round_trip(op);
  check_round_trip(same);
  CHECK(contains(error_message([] { layers::Conv1DTranspose({.filters = 2, .kernel_size = 3, .output_padding = 1}); }),
                 "output_padding"));
  CHECK(layers::deserialize(Config::parse(R"({"class_name": "Convolution1DTranspose", "config": {"filters": 1, "kernel_size": 1}})"))
            ->class_name() == "Conv1DTranspose");
  for (const char* pad : {"valid", "same"})
    for (i64 s : {1, 2, 3})
      for (i64 d : {1, 2}) {
        if (s > 1 && d > 1) continue;
        CAPTURE(pad);
        CAPTURE(s);
        layers::Conv1DTranspose l({.filters = 3, .kernel_size = 3, .strides = s, .padding = pad, .dilation_rate = d,
                                   .activation = "tanh", .bias_initializer = "random_normal"});
        CHECK(check_layer_gradients(l, {2, 4, 2}) == 2);
      }
}

// ================================================================================================
// arguments declared once (issue 12): strict configs, Keras-only keys, aliases, round trips
// ================================================================================================
namespace {
ArgumentError conv_argument_error(const Config& layer, ConfigSource source = ConfigSource::user) {
  try {
    (void)layers::deserialize(layer, source);
  } catch (const ArgumentError& e) {
    return e;
  }
  FAIL("no ArgumentError thrown for " << layer.dump());
  return ArgumentError("", "", "");
}
}  // namespace

TEST_CASE("conv layers: unknown keys are errors with a did-you-mean; bad types name the argument") {
  ArgumentError e = conv_argument_error(
      Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3, "kernel_sise": 3}})"));
  CHECK(e.unknown_key());
  CHECK(e.owner() == "Conv2D");
  CHECK(e.path() == "kernel_sise");
  CHECK(contains(e.what(), "Did you mean 'kernel_size'?"));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv1D", "config": {"filters": 2, "kernel_size": 3, "stride": 2}})"),
                          ConfigSource::keras_file);
  CHECK(e.unknown_key());
  CHECK(contains(e.what(), "'strides'"));
  // bad types: the argument and the expected JSON
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": "8", "kernel_size": 3}})"));
  CHECK(e.path() == "filters");
  CHECK(contains(e.what(), "Conv2D argument 'filters'"));
  CHECK(contains(e.what(), "expected an integer"));
  CHECK(contains(e.what(), "'8'"));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": [3, 3, 3]}})"));
  CHECK(e.path() == "kernel_size");
  CHECK(contains(e.what(), "expected an integer or a list of 2 integers"));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv3D", "config": {"filters": 8, "kernel_size": [3, "a", 3]}})"));
  CHECK(contains(e.what(), "a list of 3 integers"));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "use_bias": 1}})"));
  CHECK(e.path() == "use_bias");
  CHECK(contains(e.what(), "expected a boolean"));
  // values the table's checks refuse
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "padding": "full"}})"));
  CHECK(e.path() == "padding");
  CHECK(contains(e.what(), "\"valid\" or \"same\""));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 8, "kernel_size": 3, "data_format": "channels_first"}})"));
  CHECK(e.path() == "data_format");
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 0, "kernel_size": 3}})"));
  CHECK(contains(e.what(), "expected a positive integer"));
  e = conv_argument_error(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 3}})"));
  CHECK(e.path() == "kernel_size");
  CHECK(contains(e.what(), "missing required argument"));
  // Keras lower-cases padding names
  CHECK(layers::deserialize(Config::parse(R"({"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3, "padding": "SAME"}})"))
            ->get_config()["padding"] == "same");
}

TEST_CASE("conv layers: Keras-3 configs with constraints load, and lora_rank only from Keras files") {
  const Config keras3 = Config::parse(R"({"name": "conv2d", "trainable": true,
      "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
      "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
      "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": true,
      "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
      "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
      "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
      "kernel_constraint": {"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}, "registered_name": null},
      "bias_constraint": null})");
  const Config layer = {{"class_name", "Conv2D"}, {"config", keras3}};
  LayerPtr l = layers::deserialize(layer, ConfigSource::keras_file);
  REQUIRE(l);
  CHECK(l->class_name() == "Conv2D");
  CHECK(l->get_config()["kernel_constraint"]["class_name"] == "MaxNorm");
  CHECK(layers::deserialize(layer, ConfigSource::user)->get_config()["kernel_constraint"]["config"]["max_value"] == 2);
  Config plain = keras3;
  plain["kernel_constraint"] = nullptr;
  CHECK_NOTHROW(layers::deserialize({{"class_name", "Conv2D"}, {"config", plain}}, ConfigSource::user));
  // Keras saves a LoRA layer's merged kernel: lora_rank loads from a Keras file, not from a user config
  Config lora = plain;
  lora["lora_rank"] = 4;
  CHECK_NOTHROW(layers::deserialize({{"class_name", "Conv2D"}, {"config", lora}}, ConfigSource::keras_file));
  CHECK(conv_argument_error({{"class_name", "Conv2D"}, {"config", lora}}, ConfigSource::user).path() == "lora_rank");
  // tf.keras 2.x SeparableConv2D writes stray Conv keys; DepthwiseConv2D and Conv2DTranspose write groups
  const Config sep2 = Config::parse(R"({"filters": 4, "kernel_size": [3, 3], "groups": 1,
      "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "kernel_regularizer": null,
      "kernel_constraint": null, "depthwise_constraint": null, "pointwise_constraint": null, "bias_constraint": null})");
  CHECK(layers::deserialize({{"class_name", "SeparableConv2D"}, {"config", sep2}})->class_name() == "SeparableConv2D");
  CHECK(conv_argument_error({{"class_name", "SeparableConv2D"}, {"config", sep2}}, ConfigSource::user).path() ==
        "kernel_initializer");
  CHECK_NOTHROW(layers::deserialize(Config::parse(R"({"class_name": "DepthwiseConv2D", "config": {"kernel_size": 3, "groups": 1}})")));
  CHECK(conv_argument_error(Config::parse(R"({"class_name": "Conv2DTranspose", "config": {"filters": 1, "kernel_size": 3, "groups": 2}})"),
                            ConfigSource::keras_file)
            .path() == "groups");
}

TEST_CASE("conv layers: aliases create the right class; every class's config round-trips unchanged") {
  const std::vector<std::pair<std::string, std::string>> aliases{
      {"Convolution1D", "Conv1D"},          {"Convolution2D", "Conv2D"},
      {"Convolution3D", "Conv3D"},          {"SeparableConvolution2D", "SeparableConv2D"},
      {"Convolution2DTranspose", "Conv2DTranspose"}, {"Convolution1DTranspose", "Conv1DTranspose"}};
  for (const auto& [alias, cls] : aliases) {
    CAPTURE(alias);
    Config cfg = {{"class_name", alias}, {"config", {{"filters", 2}, {"kernel_size", 1}}}};
    LayerPtr l = layers::deserialize(cfg);
    REQUIRE(l);
    CHECK(l->class_name() == cls);
  }
  std::vector<LayerPtr> all{
      std::make_shared<layers::Conv1D>(layers::Conv1DOptions{.filters = 3, .kernel_size = 2, .padding = "causal",
                                                             .kernel_regularizer = regularizers::L2(0.1)}),
      std::make_shared<layers::Conv2D>(layers::Conv2DOptions{.filters = 4, .kernel_size = {3, 1}, .groups = 2,
                                                             .activation = "relu", .use_bias = false}),
      std::make_shared<layers::Conv3D>(layers::Conv3DOptions{.filters = 2, .kernel_size = {1, 2, 3}, .strides = 2,
                                                             .padding = "same", .name = "c3"}),
      std::make_shared<layers::Conv1DTranspose>(layers::Conv1DTransposeOptions{.filters = 2, .kernel_size = 3, .strides = 2,
                                                                               .output_padding = 1}),
      std::make_shared<layers::Conv2DTranspose>(layers::Conv2DTransposeOptions{.filters = 2, .kernel_size = 3,
                                                                               .dilation_rate = 2}),
      std::make_shared<layers::DepthwiseConv2D>(layers::DepthwiseConv2DOptions{.kernel_size = 3, .depth_multiplier = 3,
                                                                               .activity_regularizer = regularizers::L1(0.01)}),
      std::make_shared<layers::SeparableConv2D>(layers::SeparableConv2DOptions{.filters = 5, .kernel_size = {2, 3},
                                                                               .pointwise_initializer = "he_normal"})};
  for (const auto& l : all) {
    CAPTURE(l->class_name());
    l->set_trainable(false);
    check_round_trip(*l);
    // the registry's argument list is the table's, plus the base layer keys
    const auto entry = layers::registry().get(l->class_name());
    std::set<std::string> known(entry.arguments.begin(), entry.arguments.end());
    for (const auto& k : keys(l->get_config())) CHECK(known.count(k) == 1);
  }
}

// ================================================================================================
// oneDNN: float32 convolutions of a batch split over the pool, against the float64 kernels
// ================================================================================================
namespace {

/// "... 12 convolution plans cached ..." from the CPU backend's "onednn" info line.
long onednn_cached_plans() {
  for (const auto& [key, value] : default_backend().info())
    if (key == "onednn") {
      const auto at = value.find(" convolution plans cached");
      if (at == std::string::npos) return -1;
      const auto start = value.rfind(' ', at - 1) + 1;
      return std::stol(value.substr(start, at - start));
    }
  return -1;
}

struct DnnlCase {
  i64 N, H, W, C, O, KH, KW, sh, sw, dh, dw, pt, pl, OH, OW;
};

}  // namespace

TEST_CASE("conv ops: float32 forward, backward-data and backward-weights through oneDNN match float64") {
  const std::vector<DnnlCase> cases = {
      {5, 13, 13, 32, 64, 3, 3, 1, 1, 1, 1, 0, 0, 11, 11},  // the convnet's second layer, odd batch
      {7, 28, 28, 1, 32, 3, 3, 1, 1, 1, 1, 0, 0, 26, 26},   // its first layer: one input channel
      {4, 28, 28, 3, 8, 3, 3, 2, 2, 1, 1, 0, 0, 13, 13},    // stride 2 leaves the last row unread
      {3, 9, 7, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 9, 7},        // "same" padding
      {6, 12, 12, 4, 5, 3, 3, 1, 1, 2, 2, 0, 0, 8, 8},      // dilation 2
      {2, 10, 11, 3, 4, 5, 5, 2, 1, 1, 1, 2, 2, 5, 11},     // 5x5, strides (2, 1), padding 2
      {3, 9, 9, 6, 4, 3, 3, 2, 2, 1, 1, 0, 0, 4, 4},        // Conv2DTranspose's shapes (dx 9x9 from dy 4x4)
      {4, 6, 6, 16, 24, 1, 1, 1, 1, 1, 1, 0, 0, 6, 6},      // pointwise
  };
  // Below AVX2, or with TEMPER_ONEDNN=0, every pass runs Temper's kernels ("passes: none").
  bool dnnl_on = false;
  for (const auto& [key, value] : default_backend().info())
    if (key == "onednn") dnnl_on = !contains(value, "conv passes: none");
  const long plans_before = onednn_cached_plans();
  REQUIRE(plans_before >= 0);
  struct ThreadGuard {
    int saved = default_backend().num_threads();
    ~ThreadGuard() { default_backend().set_num_threads(saved); }
  } guard;
  std::uint64_t seed = 300;
  for (int threads : {2, 3}) {
    default_backend().set_num_threads(threads);
    for (const DnnlCase& c : cases) {
      CAPTURE(threads);
      CAPTURE(c.N);
      CAPTURE(c.H);
      CAPTURE(c.C);
      CAPTURE(c.KH);
      CAPTURE(c.sh);
      CAPTURE(c.dh);
      CAPTURE(c.pt);
      Backend::Window2D win;
      win.kernel_h = c.KH, win.kernel_w = c.KW, win.stride_h = c.sh, win.stride_w = c.sw;
      win.dilation_h = c.dh, win.dilation_w = c.dw, win.pad_top = c.pt, win.pad_left = c.pl;
      const Tensor x = random_tensor({c.N, c.H, c.W, c.C}, seed++);
      const Tensor w = random_tensor({c.KH, c.KW, c.C, c.O}, seed++);
      const Tensor b = random_tensor({c.O}, seed++);
      const Tensor dy = random_tensor({c.N, c.OH, c.OW, c.O}, seed++);
      std::vector<std::vector<double>> results[2];  // float64, float32
      for (int k = 0; k < 2; ++k) {
        const DType dt = k == 0 ? DType::Float64 : DType::Float32;
        const Tensor xt = x.astype(dt), wt = w.astype(dt), bt = b.astype(dt), dyt = dy.astype(dt);
        Tensor y = Tensor::empty({c.N, c.OH, c.OW, c.O}, dt);
        Tensor ybr = Tensor::empty({c.N, c.OH, c.OW, c.O}, dt);
        Tensor dx = Tensor::full({c.N, c.H, c.W, c.C}, 7.0, dt);  // must be overwritten
        Tensor dw = Tensor::full({c.KH, c.KW, c.C, c.O}, 7.0, dt);
        default_backend().conv2d_forward(xt, wt, nullptr, y, win, 1, false);
        default_backend().conv2d_forward(xt, wt, &bt, ybr, win, 1, true);
        default_backend().conv2d_backward_data(dyt, wt, dx, win, 1);
        default_backend().conv2d_backward_filter(xt, dyt, dw, win, 1);
        results[k] = {values(y), values(ybr), values(dx), values(dw)};
      }
      for (std::size_t r = 0; r < 4; ++r) {
        CAPTURE(r);
        check_close(results[1][r], results[0][r], 2e-5 * static_cast<double>(c.KH * c.KW * c.C));
      }
    }
  }
  // The float32 calls above with batch >= threads went through oneDNN (unless switched off).
  if (dnnl_on) CHECK(onednn_cached_plans() > plans_before);
}

// TEMPER_ONEDNN is read once per process, so CTest runs this case again with the variable set
// (tests/CMakeLists.txt: onednn_switch_bad_value); in the ordinary run it has nothing to check.
TEST_CASE("conv ops: an unknown TEMPER_ONEDNN value is an error naming it and the accepted values") {
  const char* env = std::getenv("TEMPER_ONEDNN");
  if (!env || std::string(env) != "fwd,sideways") {
    MESSAGE("runs under CTest's onednn_switch_bad_value (TEMPER_ONEDNN=fwd,sideways)");
    return;
  }
  Backend::Window2D win;
  win.kernel_h = 3, win.kernel_w = 3;
  Tensor x = Tensor::zeros({2, 5, 5, 3}), w = Tensor::zeros({3, 3, 3, 4}), y = Tensor::empty({2, 3, 3, 4});
  const std::string msg = error_message([&] { default_backend().conv2d_forward(x, w, nullptr, y, win, 1, false); });
  CHECK(contains(msg, "TEMPER_ONEDNN='fwd,sideways'"));
  CHECK(contains(msg, "'sideways'"));
  CHECK(contains(msg, "bwd_weights"));
  CHECK_THROWS_AS(default_backend().conv2d_forward(x, w, nullptr, y, win, 1, false), ConfigError);
  // float64 never goes near oneDNN, so it still runs.
  Tensor y64 = Tensor::empty({2, 3, 3, 4}, DType::Float64);
  CHECK_NOTHROW(default_backend().conv2d_forward(x.astype(DType::Float64), w.astype(DType::Float64), nullptr, y64,
                                                 win, 1, false));
}
