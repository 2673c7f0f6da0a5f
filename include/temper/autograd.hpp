// autograd.hpp — reverse-mode automatic differentiation.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "temper/tensor.hpp"

namespace temper {

/// One recorded op in the autograd graph (Keras/TF: a GradientTape entry).
/// `backward` receives the gradient of the op's output and returns one gradient per input
/// (an undefined Tensor for inputs that need none). It is cleared after it runs so that the
/// activations it captured are freed as soon as the backward pass has used them.
struct Node {
  std::string name;
  std::vector<Tensor> inputs;
  std::function<std::vector<Tensor>(const Tensor& grad_output)> backward;
};

/// Whether ops record autograd nodes on this thread (on by default).
bool grad_enabled() noexcept;

/// RAII scope that turns recording off (Keras: inference / `training=False` paths;
/// PyTorch: torch.no_grad). Restores the previous mode on destruction.
class NoGradGuard {
 public:
  NoGradGuard() noexcept;
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Records `output` as produced by an op with the given inputs and backward function, if
/// recording is on and any input requires a gradient. Returns `output` (now carrying history).
Tensor record(const std::string& name, Tensor output, std::vector<Tensor> inputs,
              std::function<std::vector<Tensor>(const Tensor&)> backward);

/// Computes d(output)/d(leaf) for every leaf reachable from `output` and accumulates it
/// into the leaves' `grad()`. `grad_output` defaults to ones (output must then be a scalar).
void backward(const Tensor& output, const Tensor& grad_output = Tensor());

/// Returns d(output)/d(x) for each x in `wrt`, without touching `grad()` of any tensor
/// (Keras/TF: GradientTape.gradient). Undefined entries for unreachable inputs.
std::vector<Tensor> gradients(const Tensor& output, const std::vector<Tensor>& wrt,
                              const Tensor& grad_output = Tensor());

}  // namespace temper
