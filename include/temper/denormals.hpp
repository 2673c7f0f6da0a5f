// denormals.hpp — denormal (subnormal) floats flushed to zero while Temper trains and predicts.
#pragma once
#include <cstdint>

namespace temper {

/// Whether fit / evaluate / predict and the *_on_batch calls compute with denormal floats
/// treated as zero (x86's flush-to-zero and denormals-are-zero modes; float32 and float64).
/// On by default: TensorFlow runs every op Keras calls this way, and PyTorch offers the same
/// as torch.set_flush_denormal(True). On many Intel CPUs an instruction that meets a denormal
/// takes tens of times longer, and a long training run drifts into them (small gradients,
/// Adam's second moments): on a Xeon with AVX-512 the Fashion-MNIST MLP's median step went
/// from 1.07 to 1.49 ms from its second epoch on. On CPUs other than x86 it has no effect.
void set_flush_denormal(bool on);
bool flush_denormal();

/// Flushes denormals on the calling thread for its lifetime when flush_denormal() is on, then
/// restores the thread's previous mode. fit / evaluate / predict open one; wrap direct calls
/// of ops in one to get the numbers fit would get. Temper's thread pool runs every job in the
/// mode of the thread that started it, so results never depend on the thread count.
/// Callbacks called by fit run inside fit's scope.
class FlushDenormalScope {
 public:
  FlushDenormalScope();
  ~FlushDenormalScope();
  FlushDenormalScope(const FlushDenormalScope&) = delete;
  FlushDenormalScope& operator=(const FlushDenormalScope&) = delete;

 private:
  std::uint32_t saved_ = 0;
  bool active_ = false;
};

namespace detail {
/// The calling thread's denormal-handling bits (x86: MXCSR's FTZ | DAZ; 0 elsewhere).
std::uint32_t denormal_mode() noexcept;
/// Sets those bits on the calling thread, leaving its other floating-point settings alone.
void set_denormal_mode(std::uint32_t mode) noexcept;
/// The bits denormal_mode() reports while denormals are flushed.
std::uint32_t flushing_denormal_mode() noexcept;
}  // namespace detail

}  // namespace temper
