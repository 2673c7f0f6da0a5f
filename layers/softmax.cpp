#include "temper/layers/softmax.hpp"

#include <algorithm>

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<Softmax::Options>& Softmax::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Softmax").add(
      "axis", &O::axis,
      Check<std::vector<int>>{"an axis or a non-empty list of distinct axes", [](const std::vector<int>& v) {
                                if (v.empty()) return false;
                                std::vector<int> s = v;
                                std::sort(s.begin(), s.end());
                                return std::adjacent_find(s.begin(), s.end()) == s.end();
                              }});
  return args;
}

namespace {
const LayerRegistration<Softmax> registered{{"Softmax"}};
}  // namespace

Softmax::Softmax(int axis) : Softmax(Options{.axis = {axis}}) {}

Tensor Softmax::softmax(const Tensor& x) const {
  if (options_.axis.size() == 1) return ops::softmax(x, options_.axis[0]);
  // Several axes: exp(x - logsumexp(x, axes)), as Keras; the max is only for stability.
  std::vector<int> axes;
  for (int a : options_.axis) {
    try {
      axes.push_back(normalize_axis(a, x.rank()));
    } catch (const ValueError& e) {
      throw ShapeError(describe() + ": " + e.what() + " (inputs of shape " + shape_to_string(x.shape()) + ")");
    }
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw ShapeError(describe() + ": axis names the same axis twice for inputs of shape " +
                     shape_to_string(x.shape()));
  Tensor e = ops::exp(ops::subtract(x, ops::stop_gradient(ops::max(x, axes, true))));
  return ops::divide(e, ops::sum(e, axes, true));
}

Tensor Softmax::call(const Tensor& x, bool) { return softmax(x); }

Tensor Softmax::call_masked(const Tensor& x, const Tensor& mask) {
  if (!mask.defined()) return (*this)(x);
  // Keras: inputs += (1 - mask) * large_negative; outputs *= mask (-1e9 unless float16).
  const Tensor m = ops::cast(mask, x.dtype());
  const Tensor masked = ops::add(x, ops::multiply(ops::rsub(1.0, m), -1e9));
  return ops::multiply((*this)(masked), m);
}

}  // namespace temper::layers
