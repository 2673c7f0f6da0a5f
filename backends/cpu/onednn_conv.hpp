// onednn_conv.hpp — float32 2-D convolutions through oneDNN, run on the backend's thread pool.
//
// oneDNN (Debian's libdnnl, the library PyTorch and ONNX Runtime use on x86) carries JIT
// convolution kernels for every x86 ISA level; its forward and backward-data passes beat our
// im2col + sgemm by 1.3-2x on AVX-512 (see bench/RESULTS.md, "oneDNN decision table").
//
// Debian builds oneDNN on OpenMP while Temper runs on its own pool; two pools on two cores
// spin against each other. So oneDNN never gets an OpenMP team here: the batch is cut into one
// slice per pool thread, every slice runs a primitive created and executed with a single
// OpenMP thread, and backward-weights sums the per-slice partial gradients afterwards.
//
// This header is free of oneDNN's: only onednn_conv.cpp includes <dnnl.hpp>. It is compiled
// once, not per kernel set, because oneDNN picks its own ISA at run time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace temper::cpu {
class ThreadPool;
}

namespace temper::cpu::onednn {

/// The three passes of a convolution; each can be switched off with TEMPER_ONEDNN.
enum class ConvPass { Forward, BackwardData, BackwardWeights };

/// One convolution, NHWC activations and (KH, KW, C, O) weights as Keras stores them,
/// groups == 1. Window semantics as in Backend::Window2D.
struct ConvProblem {
  std::int64_t N = 0, H = 0, W = 0, C = 0, O = 0, OH = 0, OW = 0;
  std::int64_t KH = 1, KW = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  bool bias = false, relu = false;  // forward only
};

class ConvPlan;

/// Whether oneDNN runs this pass (TEMPER_ONEDNN, read once: "1"/"on" all passes, "0"/"off"
/// none, a comma list of "fwd", "bwd_data", "bwd_weights", or "auto", the default: the passes
/// where oneDNN measured faster on this ISA level, see bench/RESULTS.md).
bool enabled(ConvPass pass);

/// The cached plan for this problem on `threads` pool threads, or null when oneDNN does not
/// take it (disabled, too small a batch to split, a shape oneDNN rejects): the caller then
/// runs its own kernels. Plans are created once per shape and shared between threads.
std::shared_ptr<const ConvPlan> conv_plan(ConvPass pass, const ConvProblem& p, int threads);

/// Bytes of scratch memory (weights in oneDNN's layout, per-slice scratchpads and partial
/// gradients) the caller hands to the run_* functions; from Temper's allocator.
std::size_t scratch_bytes(const ConvPlan& plan);

/// y = relu?(conv(x, w) + bias?); `bias` may be null when the problem has none.
void run_forward(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* x, const float* w,
                 const float* bias, float* y);
/// dx = conv^T(dy, w) (overwrites dx).
void run_backward_data(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* dy, const float* w,
                       float* dx);
/// dw = sum over the batch of x (*) dy (overwrites dw, (KH, KW, C, O)).
void run_backward_weights(const ConvPlan& plan, ThreadPool& pool, void* scratch, const float* x,
                          const float* dy, float* dw);

/// Plans in the cache that oneDNN runs (shapes it declined are cached too, not counted).
std::size_t cached_plans();

/// "oneDNN 2.6.3 (OpenMP runtime, AVX-512 ...), conv: fwd bwd_data bwd_weights" for `temper info`.
std::string description();

}  // namespace temper::cpu::onednn
