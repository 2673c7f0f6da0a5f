// cpu_backend_impl.hpp — the CpuBackend class (internal to the CPU backend's sources).
//
// The kernels are split by responsibility over several translation units:
//   cpu_backend.cpp  construction, memory, copies, casts, fills, threading
//   random.cpp       counter-based uniform / normal / dropout
//   elementwise.cpp  unary + backward, clip, axpy, scale
//   binary.cpp       broadcasting binary ops, where, broadcast_to
//   reduce.cpp       reductions, arg_reduce, bias_grad, sum_squares, all_finite
//   gemm.cpp         matmul and bias_add (the only file that includes <cblas.h>)
//   shape_ops.cpp    transpose, copy_axis_block, gather_rows, take, one_hot
//   softmax.cpp      softmax, log_softmax, sparse softmax cross-entropy
//   optimizers.cpp   fused optimizer updates
#pragma once
#include <memory>

#include "backends/cpu/allocator.hpp"
#include "backends/cpu/kernel_set.hpp"
#include "backends/cpu/thread_pool.hpp"
#include "temper/backend.hpp"

namespace temper::cpu::TEMPER_CPU_KERNELS {

/// The CPU backend as compiled for one kernel set (see kernel_set.hpp).
class CpuBackend final : public Backend {
 public:
  /// `selection` says how this kernel set was chosen, for info().
  explicit CpuBackend(std::string selection);
  ~CpuBackend() override;

  std::string name() const override { return "cpu"; }
  BackendInfo info() const override;
  DeviceType device_type() const override { return DeviceType::CPU; }

  // memory
  std::shared_ptr<Buffer> allocate(std::size_t bytes) override;
  void release(void* data, std::size_t bytes) noexcept override;
  void to_host(const Tensor& src, void* dst) override;
  void from_host(const void* src, Tensor& dst) override;
  void copy(const Tensor& src, Tensor& dst) override;
  void cast(const Tensor& src, Tensor& dst) override;

  // fills and random
  void fill(Tensor& dst, double value) override;
  void random_uniform(Tensor& dst, double lo, double hi, std::uint64_t key,
                      std::uint64_t counter) override;
  void random_normal(Tensor& dst, double mean, double stddev, bool truncated, std::uint64_t key,
                     std::uint64_t counter) override;
  void dropout_mask(Tensor& mask, double rate, std::uint64_t key,
                    std::uint64_t counter) override;

  // element-wise
  void unary(UnaryOp op, const Tensor& x, Tensor& y, double alpha) override;
  void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                      double alpha) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void binary_scalar(BinaryOp op, const Tensor& a, double s, Tensor& out,
                     bool scalar_first) override;
  void clip(const Tensor& x, double lo, double hi, Tensor& out) override;
  void clip_backward(const Tensor& x, double lo, double hi, const Tensor& dy,
                     Tensor& dx) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void axpy(double alpha, const Tensor& x, Tensor& y) override;
  void scale(Tensor& x, double alpha) override;

  // reductions
  void reduce(ReduceOp op, const Tensor& x, std::span<const int> axes, Tensor& out) override;
  void arg_reduce(bool is_max, const Tensor& x, int axis, Tensor& out) override;
  void broadcast_to(const Tensor& x, Tensor& out) override;
  double sum_squares(const Tensor& x) override;
  bool all_finite(const Tensor& x) override;

  // linear algebra
  void matmul(const Tensor& a, const Tensor& b, Tensor& c, bool transpose_a, bool transpose_b,
              double alpha, double beta) override;
  void bias_add(Tensor& y, const Tensor& bias) override;
  void bias_grad(const Tensor& dy, Tensor& db) override;

  // shape movement
  void transpose(const Tensor& x, std::span<const int> perm, Tensor& out) override;
  void copy_axis_block(const Tensor& src, int axis, std::int64_t src_start, Tensor& dst,
                       std::int64_t dst_start, std::int64_t length, bool accumulate) override;
  void gather_rows(const Tensor& x, std::span<const std::int64_t> indices, Tensor& out) override;
  void take(const Tensor& table, const Tensor& ids, Tensor& out) override;
  void take_backward(const Tensor& ids, const Tensor& dout, Tensor& dtable) override;
  void one_hot(const Tensor& labels, Tensor& out) override;

  // softmax family
  void softmax(const Tensor& x, Tensor& y, bool log) override;
  void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx, bool log) override;
  void sparse_softmax_xent(const Tensor& logits, const Tensor& labels, Tensor& loss,
                           Tensor& probs) override;
  void sparse_softmax_xent_backward(const Tensor& probs, const Tensor& labels,
                                    const Tensor& dloss, Tensor& dlogits) override;

  // optimizers
  void sgd_update(Tensor& w, const Tensor& g, Tensor* momentum_buf,
                  const OptimizerStep& s) override;
  void adam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v, Tensor* vhat,
                   const OptimizerStep& s) override;
  void rmsprop_update(Tensor& w, const Tensor& g, Tensor& v, Tensor* mg, Tensor* mom,
                      const OptimizerStep& s) override;
  void adagrad_update(Tensor& w, const Tensor& g, Tensor& acc, const OptimizerStep& s) override;
  void adamax_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& u,
                     const OptimizerStep& s) override;
  void nadam_update(Tensor& w, const Tensor& g, Tensor& m, Tensor& v,
                    const OptimizerStep& s) override;

  // threading
  // ---- convolution, pooling, padding, resampling (conv_*.cpp, pool_*.cpp) ----
  // conv_kernels.cpp: convolutions (tiled im2col + single-threaded sgemm per thread, direct
  // loops for depthwise); pool_kernels.cpp: pooling, global pooling, pad/crop, upsampling.
  void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y,
                      const Window2D& win, std::int64_t groups, bool fuse_relu) override;
  void conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx, const Window2D& win,
                            std::int64_t groups) override;
  void conv2d_backward_filter(const Tensor& x, const Tensor& dy, Tensor& dw, const Window2D& win,
                              std::int64_t groups) override;
  void pool2d_forward(bool is_max, const Tensor& x, Tensor& y, const Window2D& win) override;
  void pool2d_backward(bool is_max, const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                       const Window2D& win) override;
  void global_pool_forward(bool is_max, const Tensor& x, Tensor& y) override;
  void global_pool_backward(bool is_max, const Tensor& x, const Tensor& y, const Tensor& dy,
                            Tensor& dx) override;
  void pad_crop2d(const Tensor& x, Tensor& y, std::int64_t offset_h, std::int64_t offset_w) override;
  void upsample2d(const Tensor& x, Tensor& y, bool bilinear) override;
  void upsample2d_backward(const Tensor& dy, Tensor& dx, bool bilinear) override;

  // ---- normalization and noise (norm_*.cpp) ----
  // norm_kernels.cpp: batch normalization
  void batch_norm_forward_training(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                   double epsilon, Tensor& y, Tensor& mean,
                                   Tensor& var) override;
  void batch_norm_forward_inference(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                    const Tensor& mean, const Tensor& var, double epsilon,
                                    Tensor& y) override;
  void batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                           const Tensor& mean, const Tensor& var, double epsilon, bool training,
                           Tensor* dx, Tensor* dgamma, Tensor* dbeta) override;
  // norm_kernels.cpp: group and layer normalization
  void group_norm_forward(const Tensor& x, std::int64_t groups, const Tensor& gamma,
                          const Tensor& beta, double epsilon, Tensor& y, Tensor& mean,
                          Tensor& inv_std) override;
  void group_norm_backward(const Tensor& x, const Tensor& dy, std::int64_t groups,
                           const Tensor& gamma, const Tensor& mean, const Tensor& inv_std,
                           Tensor* dx, Tensor* dgamma, Tensor* dbeta) override;

  int num_threads() const override { return pool_.num_threads(); }
  void set_num_threads(int n) override { pool_.set_num_threads(n); }

  // CPU-specific
  ThreadPool& pool() noexcept { return pool_; }
  CachingAllocator& allocator() noexcept { return allocator_; }
  AllocatorStats memory_stats() const { return allocator_.stats(); }
  /// Frees every cached block (memory in use is untouched).
  void empty_cache() noexcept { allocator_.empty_cache(); }

 private:
  CachingAllocator allocator_;
  ThreadPool pool_;
  std::string selection_;
};

/// Pins OpenBLAS to one thread per call (defined in gemm.cpp, the only <cblas.h> user).
void configure_blas_threads();
/// "OpenBLAS 0.3.21 ... (core: Zen)" — the BLAS library and the kernel it chose (gemm.cpp).
std::string blas_description();

/// This kernel set's backend; cpu_dispatch.cpp declares and calls one per compiled set.
std::unique_ptr<Backend> make_backend(std::string selection);

}  // namespace temper::cpu::TEMPER_CPU_KERNELS
