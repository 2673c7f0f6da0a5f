// backend.hpp — the kernel interface every device implements (CPU now, CUDA later).
//
// A backend owns memory (Buffer) and runs kernels over tensors that live in its memory.
// Nothing outside a backend dereferences tensor memory; host <-> device transfers are the
// explicit `to_host` / `from_host` calls. Every kernel here is a whole-tensor operation
// selected by an enum, so there is never a virtual call per element.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "temper/dtype.hpp"
#include "temper/shape.hpp"

namespace temper {

class Tensor;
class Backend;

/// What a backend says about itself (`temper info`, the debug log): ordered (key, value)
/// pairs such as ("kernels", "avx2 (best this CPU supports)").
using BackendInfo = std::vector<std::pair<std::string, std::string>>;

/// Where a tensor's memory lives.
enum class DeviceType : std::uint8_t { CPU, CUDA };

/// A block of backend memory. Shared by every Tensor that views it; returned to its backend
/// (usually to a cache, not to the OS) when the last view goes away.
class Buffer {
 public:
  Buffer(Backend& backend, void* data, std::size_t bytes) noexcept
      : backend_(&backend), data_(data), bytes_(bytes) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  Backend& backend() const noexcept { return *backend_; }
  std::size_t bytes() const noexcept { return bytes_; }
  /// Opaque device address. Only backends may dereference it.
  void* data() const noexcept { return data_; }

 private:
  Backend* backend_;
  void* data_;
  std::size_t bytes_;
};

/// Element-wise unary kernels. `alpha` parameterises LeakyRelu (slope), Elu (alpha),
/// Pow (exponent) and ClipMin/ClipMax/Relu6-style bounds where noted.
enum class UnaryOp : std::uint8_t {
  Identity, Neg, Abs, Sign, Square, Sqrt, Rsqrt, Exp, Log, Log1p, Reciprocal, Pow,
  Relu, Relu6, LeakyRelu, Sigmoid, Tanh, Gelu, GeluTanh, Elu, Selu, Softplus, Softsign,
  Swish, HardSigmoid, Exponential, Floor, Round
};

/// Element-wise binary kernels with NumPy broadcasting. Comparisons write 1 or 0 in the
/// output dtype.
enum class BinaryOp : std::uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual
};

/// Reductions over a set of axes.
enum class ReduceOp : std::uint8_t { Sum, Mean, Max, Min, Prod };

/// Hyper-parameters of one fused optimizer step (Keras formulas; see optimizers.hpp).
struct OptimizerStep {
  double lr = 0.001;      ///< learning rate at this step
  double beta1 = 0.9;     ///< Adam/Adamax/Nadam first moment decay; RMSprop rho
  double beta2 = 0.999;   ///< second moment decay
  double epsilon = 1e-7;  ///< Keras epsilon
  std::int64_t t = 1;     ///< 1-based iteration count (for bias correction)
  bool nesterov = false;  ///< SGD
  bool amsgrad = false;   ///< Adam/AdamW
  bool centered = false;  ///< RMSprop
  double momentum = 0.0;  ///< SGD/RMSprop momentum
  double nadam_u_t = 0.0, nadam_u_t1 = 0.0, nadam_u_product = 0.0, nadam_u_product_t1 = 0.0;
};

/// The abstract device. Kernels take tensors that already live in this backend and whose
/// outputs have been allocated with the right shape and dtype by the caller (the ops layer).
/// Unless a kernel says otherwise, float kernels support float32 and float64, and an output
/// may alias an input of the same shape (in-place update).
class Backend {
 public:
  virtual ~Backend() = default;

  /// "cpu" or "cuda".
  virtual std::string name() const = 0;
  virtual DeviceType device_type() const = 0;
  /// Which kernels, libraries and threads this backend uses (like torch.__config__.show()).
  virtual BackendInfo info() const { return {}; }

  // ---- memory --------------------------------------------------------------------------
  /// Allocates `bytes` of device memory (uninitialised).
  virtual std::shared_ptr<Buffer> allocate(std::size_t bytes) = 0;
  /// Called by ~Buffer; returns the memory to the backend.
  virtual void release(void* data, std::size_t bytes) noexcept = 0;
  /// Copies `bytes` of a tensor's contents to host memory at `dst`.
  virtual void to_host(const Tensor& src, void* dst) = 0;
  /// Copies host memory into a tensor (tensor.numel() elements of its dtype).
  virtual void from_host(const void* src, Tensor& dst) = 0;
  /// Copies src into dst (same numel and dtype; shapes may differ).
  virtual void copy(const Tensor& src, Tensor& dst) = 0;
  /// Converts element type (float<->int<->uint8); same numel.
  virtual void cast(const Tensor& src, Tensor& dst) = 0;

  // ---- fills and random ----------------------------------------------------------------
  virtual void fill(Tensor& dst, double value) = 0;
  /// Uniform in [lo, hi); number i uses counter `counter + i` of `key` (see Generator).
  virtual void random_uniform(Tensor& dst, double lo, double hi, std::uint64_t key,
                              std::uint64_t counter) = 0;
  /// Normal(mean, stddev); truncated = redraw values beyond 2 stddev (Keras TruncatedNormal).
  virtual void random_normal(Tensor& dst, double mean, double stddev, bool truncated,
                             std::uint64_t key, std::uint64_t counter) = 0;
  /// Inverted-dropout mask: 0 with probability `rate`, else 1/(1-rate).
  virtual void dropout_mask(Tensor& mask, double rate, std::uint64_t key,
                            std::uint64_t counter) = 0;

  // ---- element-wise --------------------------------------------------------------------
  virtual void unary(UnaryOp op, const Tensor& x, Tensor& y, double alpha = 0.0) = 0;
  /// dx = dy * f'(x). `y` is f(x) (kernels use whichever is cheaper). dx may alias dy.
  virtual void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                              Tensor& dx, double alpha = 0.0) = 0;
  /// out = a (op) b with NumPy broadcasting; out.shape() == broadcast_shapes(a, b).
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  /// out = a (op) s, or s (op) a when `scalar_first`.
  virtual void binary_scalar(BinaryOp op, const Tensor& a, double s, Tensor& out,
                             bool scalar_first = false) = 0;
  /// out = clip(x, lo, hi).
  virtual void clip(const Tensor& x, double lo, double hi, Tensor& out) = 0;
  /// dx = dy where lo <= x <= hi, else 0.
  virtual void clip_backward(const Tensor& x, double lo, double hi, const Tensor& dy,
                             Tensor& dx) = 0;
  /// out = cond != 0 ? a : b (all three broadcast to out's shape).
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  /// y += alpha * x (same numel): gradient accumulation.
  virtual void axpy(double alpha, const Tensor& x, Tensor& y) = 0;
  /// x *= alpha in place.
  virtual void scale(Tensor& x, double alpha) = 0;

  // ---- reductions ----------------------------------------------------------------------
  /// Reduces `x` over `axes` (sorted, unique, non-negative). `out` has x's shape with the
  /// reduced axes removed (or set to 1; only numel and order matter).
  virtual void reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) = 0;
  /// Index of the max (or min) along `axis`; out is int32 with that axis removed.
  virtual void arg_reduce(bool is_max, const Tensor& x, int axis, Tensor& out) = 0;
  /// Broadcasts `x` up to `out`'s shape (reverse of a Sum reduction; used by backward).
  virtual void broadcast_to(const Tensor& x, Tensor& out) = 0;
  /// Sum of squares of all elements, returned to the host (global-norm clipping).
  virtual double sum_squares(const Tensor& x) = 0;
  /// True if every element is finite.
  virtual bool all_finite(const Tensor& x) = 0;

  // ---- linear algebra ------------------------------------------------------------------
  /// c = alpha * op(a) @ op(b) + beta * c over the last two axes; leading axes are batch
  /// axes (equal, or absent on one side = broadcast). op(m) transposes the last two axes when
  /// the flag is set.
  virtual void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a,
                      bool transpose_b, double alpha = 1.0, double beta = 0.0) = 0;
  /// y += bias along the last axis (bias has shape (C,), y has (..., C)).
  virtual void bias_add(Tensor& y, const Tensor& bias) = 0;
  /// db = sum of dy over every axis but the last.
  virtual void bias_grad(const Tensor& dy, Tensor& db) = 0;

  // ---- shape movement ------------------------------------------------------------------
  /// out = x transposed by `perm` (out.shape()[i] == x.shape()[perm[i]]).
  virtual void transpose(const Tensor& x, std::span<const int> perm, Tensor& out) = 0;
  /// Copies a block along `axis`: dst[..., dst_start + i, ...] (=|+=) src[..., src_start + i, ...]
  /// for i < length. Other axes must match. Used by slice, concat and their gradients.
  virtual void copy_axis_block(const Tensor& src, int axis, std::int64_t src_start,
                               Tensor& dst, std::int64_t dst_start, std::int64_t length,
                               bool accumulate) = 0;
  /// out[i] = x[indices[i]] along axis 0 (rows are x.numel()/x.shape()[0] elements).
  /// Indices are host memory: this is how a batch is gathered from an in-memory dataset.
  virtual void gather_rows(const Tensor& x, std::span<const std::int64_t> indices,
                           Tensor& out) = 0;
  /// out[i, :] = table[ids[i], :] (ids: int32 tensor). Embedding lookups.
  virtual void take(const Tensor& table, const Tensor& ids, Tensor& out) = 0;
  /// dtable[ids[i], :] += dout[i, :].
  virtual void take_backward(const Tensor& ids, const Tensor& dout, Tensor& dtable) = 0;
  /// out = one_hot(labels (int32), depth) as `out`'s float dtype.
  virtual void one_hot(const Tensor& labels, Tensor& out) = 0;

  // ---- softmax family (over the last axis) ---------------------------------------------
  virtual void softmax(const Tensor& x, Tensor& y, bool log) = 0;
  /// dx from y = softmax(x) (or log_softmax when `log`) and dy.
  virtual void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) = 0;
  /// Fused sparse softmax cross-entropy: loss[i] = -log softmax(logits[i])[labels[i]];
  /// probs receives softmax(logits) for the backward pass. logits (N, C), labels int32 (N).
  /// A label outside [0, C) throws ValueError naming it.
  virtual void sparse_softmax_xent(const Tensor& logits, const Tensor& labels, Tensor& loss,
                                   Tensor& probs) = 0;
  /// dlogits[i] = (probs[i] - onehot(labels[i])) * dloss[i].
  virtual void sparse_softmax_xent_backward(const Tensor& probs, const Tensor& labels,
                                            const Tensor& dloss, Tensor& dlogits) = 0;

  // ---- optimizer updates (fused, in place; one call per variable) -----------------------
  virtual void sgd_update(Tensor& w, const Tensor& g, Tensor* momentum_buf,
                          const OptimizerStep& s) = 0;
  /// Adam with Keras's epsilon-hat form; `vhat` is non-null iff amsgrad.
  virtual void adam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, Tensor* vhat,
                           const OptimizerStep& s) = 0;
  /// RMSprop; `mg` (mean gradient) is used iff centered, `mom` iff momentum > 0.
  virtual void rmsprop_update(Tensor& w, const Tensor& g, Tensor& v, Tensor* mg, Tensor* mom,
                              const OptimizerStep& s) = 0;
  virtual void adagrad_update(Tensor& w, const Tensor& g, Tensor& acc,
                              const OptimizerStep& s) = 0;
  virtual void adamax_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& u,
                             const OptimizerStep& s) = 0;
  virtual void nadam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v,
                            const OptimizerStep& s) = 0;

  // ---- convolution, pooling, padding, resampling (NHWC; issue 3) ------------------------
  /// The sliding window of a 2-D convolution or pooling over NHWC tensors (what cuDNN's
  /// convolution/pooling descriptors hold). Output position (oh, ow) reads the input rows
  /// `oh * stride_h - pad_top + i * dilation_h` for i < kernel_h (columns likewise); rows
  /// outside the input read as zero in convolutions and are skipped by pooling. The padding
  /// after the input is implied by the output shape the caller allocates. For convolutions
  /// kernel_h/kernel_w must equal the filter's first two extents. Keras: the `strides`,
  /// `padding` and `dilation_rate` arguments once resolved to explicit amounts.
  struct Window2D {
    std::int64_t kernel_h = 1, kernel_w = 1;
    std::int64_t stride_h = 1, stride_w = 1;
    std::int64_t dilation_h = 1, dilation_w = 1;
    std::int64_t pad_top = 0, pad_left = 0;
  };
  /// y = conv(x, w) (+ bias) (+ relu): cross-correlation (Keras/TF convention, no flip).
  /// x (N, H, W, C), w (KH, KW, C / groups, O) as Keras stores it, y (N, OH, OW, O);
  /// output channel o belongs to group o / (O / groups). `bias` (O) may be null; `fuse_relu`
  /// applies max(0, .) to the result. Depthwise convolution is groups == C.
  virtual void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y,
                              const Window2D& win, std::int64_t groups, bool fuse_relu) = 0;
  /// dx = d(conv)/dx applied to dy (overwrites dx; positions no window reads get 0). With
  /// dx's shape chosen freely this is also the transposed convolution (Conv2DTranspose).
  virtual void conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                    const Window2D& win, std::int64_t groups) = 0;
  /// dw = d(conv)/dw from x and dy (overwrites dw).
  virtual void conv2d_backward_filter(const Tensor& x, const Tensor& dy, Tensor& dw,
                                      const Window2D& win, std::int64_t groups) = 0;
  /// Max or average pooling, x (N, H, W, C) -> y (N, OH, OW, C). Average pooling divides by
  /// the number of window positions inside the input (padding is not counted, as in Keras).
  virtual void pool2d_forward(bool is_max, const Tensor& x, Tensor& y, const Window2D& win) = 0;
  /// dx from dy (overwrites dx). Max pooling routes each window's gradient to the first
  /// position holding its maximum (x == y).
  virtual void pool2d_backward(bool is_max, const Tensor& x, const Tensor& y, const Tensor& dy,
                               Tensor& dx, const Window2D& win) = 0;
  /// Global max or average over the middle axes: x (N, ..., C) -> y with N * C elements.
  virtual void global_pool_forward(bool is_max, const Tensor& x, Tensor& y) = 0;
  /// dx from dy (overwrites dx); max splits the gradient evenly among tied maxima, as the
  /// gradient of Keras's ops.max does.
  virtual void global_pool_backward(bool is_max, const Tensor& x, const Tensor& y,
                                    const Tensor& dy, Tensor& dx) = 0;
  /// y[n, i, j, c] = x[n, i + offset_h, j + offset_w, c], 0 where that is outside x: zero
  /// padding (negative offsets), cropping (positive offsets) and their gradients.
  virtual void pad_crop2d(const Tensor& x, Tensor& y, std::int64_t offset_h,
                          std::int64_t offset_w) = 0;
  /// Upsamples x (N, H, W, C) to y (N, H * sh, W * sw, C): nearest repeats pixels, bilinear
  /// interpolates with half-pixel centres (Keras UpSampling2D / ops.image.resize).
  virtual void upsample2d(const Tensor& x, Tensor& y, bool bilinear) = 0;
  /// dx from dy for upsample2d (overwrites dx).
  virtual void upsample2d_backward(const Tensor& dy, Tensor& dx, bool bilinear) = 0;

  // ---- normalization and noise (issue 3) ------------------------------------------------
  // Fused kernels shaped after cuDNN's normalization API, over the channels-last (NHWC)
  // layout. gamma and beta are (C,) tensors or undefined ones (Keras scale=False: gamma = 1;
  // center=False: beta = 0). Every tensor has x's dtype (float32 or float64). The noise layers
  // (SpatialDropout, GaussianNoise, GaussianDropout) need no kernels of their own: they use
  // dropout_mask / random_normal and a broadcasting binary op.

  /// Batch normalization in training mode (Keras BatchNormalization(training=True); cuDNN
  /// BatchNormalizationForwardTraining). x and y are (M, C): every axis but the channels
  /// flattened into rows. Writes the batch mean and the biased batch variance per channel
  /// (`mean`, `var`: (C,)) and y = (x - mean) / sqrt(var + epsilon) * gamma + beta.
  virtual void batch_norm_forward_training(const Tensor& x, const Tensor& gamma,
                                           const Tensor& beta, double epsilon, Tensor& y,
                                           Tensor& mean, Tensor& var) = 0;
  /// Batch normalization with given per-channel statistics (Keras inference mode, with the
  /// moving mean and variance): y = (x - mean) / sqrt(var + epsilon) * gamma + beta.
  virtual void batch_norm_forward_inference(const Tensor& x, const Tensor& gamma,
                                            const Tensor& beta, const Tensor& mean,
                                            const Tensor& var, double epsilon, Tensor& y) = 0;
  /// Gradients of batch normalization from dy (M, C). With `training`, mean and var are the
  /// batch statistics of x and the gradient flows through them; otherwise they are constants.
  /// dx (M, C), dgamma and dbeta (C,) are skipped when null.
  virtual void batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                   const Tensor& mean, const Tensor& var, double epsilon,
                                   bool training, Tensor* dx, Tensor* dgamma,
                                   Tensor* dbeta) = 0;
  /// Group normalization (Keras GroupNormalization; LayerNormalization is the case S = 1,
  /// groups = 1). x and y are (N, S, C): samples, positions, channels; the C channels form
  /// `groups` groups of C / groups consecutive channels, and each (sample, group) is
  /// normalized over its S * C / groups values (biased variance), then scaled by gamma[c] and
  /// shifted by beta[c]. Writes mean and inv_std = 1 / sqrt(var + epsilon), (N, groups), for
  /// the backward pass.
  virtual void group_norm_forward(const Tensor& x, std::int64_t groups, const Tensor& gamma,
                                  const Tensor& beta, double epsilon, Tensor& y, Tensor& mean,
                                  Tensor& inv_std) = 0;
  /// Gradients of group_norm_forward from dy (N, S, C), with the saved mean and inv_std.
  /// dx (N, S, C), dgamma and dbeta (C,) are skipped when null.
  virtual void group_norm_backward(const Tensor& x, const Tensor& dy, std::int64_t groups,
                                   const Tensor& gamma, const Tensor& mean,
                                   const Tensor& inv_std, Tensor* dx, Tensor* dgamma,
                                   Tensor* dbeta) = 0;

  // ---- threading -----------------------------------------------------------------------
  /// Number of worker threads the backend uses for large kernels (1 = serial).
  virtual int num_threads() const = 0;
  virtual void set_num_threads(int n) = 0;
};

/// The process-wide default backend, used by every Tensor created without naming one.
/// Defaults to "cpu".
Backend& default_backend();

/// Chooses the default backend by name ("cpu"; "cuda" when built and a device is present).
/// Logged through spdlog. Throws UnknownNameError listing the available backends.
void set_default_backend(std::string_view name);

/// The backend registered under `name` (created on first use).
Backend& get_backend(std::string_view name);

/// Names of the backends compiled into this build.
std::vector<std::string> available_backends();

}  // namespace temper
