// gradcheck.hpp — the shared numerical gradient checker used by every op, layer and loss test.
#pragma once
#include <functional>
#include <vector>

#include <temper/tensor.hpp>

namespace temper::testing {

/// Compares the autodiff gradient of `f` with float64 central differences.
///
/// `f` maps the inputs to a tensor of any shape; the checker differentiates the scalar
/// sum(f(x) * r) for a fixed random r so that every output element's Jacobian row is
/// exercised. Inputs must be float64; integer inputs (labels) may be passed in `constants`
/// captured by `f`. Fails doctest CHECKs naming the input, the element and both values.
void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                     std::vector<Tensor> inputs, double eps = 1e-6, double tol = 1e-5);

/// Random float64 tensor with values in [lo, hi) from a fixed seed.
Tensor random_tensor(const Shape& shape, std::uint64_t seed, double lo = -1.0, double hi = 1.0);

}  // namespace temper::testing
