#include "support/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include <doctest/doctest.h>
#include <temper/autograd.hpp>
#include <temper/ops.hpp>
#include <temper/random.hpp>

namespace temper::testing {

Tensor random_tensor(const Shape& shape, std::uint64_t seed, double lo, double hi) {
  Generator g(seed);
  std::vector<double> v(static_cast<std::size_t>(shape_numel(shape)));
  for (auto& x : v) x = lo + (hi - lo) * g.next_double();
  return Tensor::from_vector(v, shape);
}

void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                     std::vector<Tensor> inputs, double eps, double tol) {
  for (auto& x : inputs) {
    REQUIRE_MESSAGE(x.dtype() == DType::Float64, "check_gradients needs float64 inputs");
    x = x.detach().clone();
    x.set_requires_grad(true);
  }
  Tensor out = f(inputs);
  REQUIRE(out.dtype() == DType::Float64);
  const Tensor r = random_tensor(out.shape(), 12345, 0.5, 1.5);
  Tensor loss = ops::sum(ops::multiply(out, r));
  std::vector<Tensor> analytic = gradients(loss, inputs);

  auto scalar_loss = [&](const std::vector<Tensor>& xs) {
    NoGradGuard ng;
    return ops::sum(ops::multiply(f(xs), r)).item();
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::vector<double> base = inputs[i].to_vector<double>();
    std::vector<double> an = analytic[i].defined() ? analytic[i].to_vector<double>()
                                                   : std::vector<double>(base.size(), 0.0);
    REQUIRE(an.size() == base.size());
    int failures = 0;
    for (std::size_t k = 0; k < base.size() && failures < 5; ++k) {
      std::vector<Tensor> xs = inputs;
      std::vector<double> p = base;
      p[k] = base[k] + eps;
      xs[i] = Tensor::from_vector(p, inputs[i].shape());
      const double lp = scalar_loss(xs);
      p[k] = base[k] - eps;
      xs[i] = Tensor::from_vector(p, inputs[i].shape());
      const double lm = scalar_loss(xs);
      const double numeric = (lp - lm) / (2 * eps);
      const double err = std::abs(numeric - an[k]);
      const double scale = std::max(1.0, std::abs(numeric) + std::abs(an[k]));
      if (err > tol * scale) {
        ++failures;
        std::ostringstream os;
        os << "input " << i << " element " << k << ": numeric " << numeric << " vs analytic "
           << an[k];
        FAIL_CHECK(os.str());
      }
    }
  }
}

}  // namespace temper::testing
