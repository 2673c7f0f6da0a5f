#include "temper/layers/relu.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<ReLU::Options>& ReLU::arguments() {
  using O = Options;
  static const auto args =
      Arguments<O>("ReLU")
          .add("max_value", &O::max_value,
               Check<std::optional<double>>{"a number >= 0 or null",
                                            [](const std::optional<double>& v) { return !v || *v >= 0.0; }})
          .add("negative_slope", &O::negative_slope, non_negative_number())
          .add("threshold", &O::threshold, non_negative_number());
  return args;
}

namespace {
const LayerRegistration<ReLU> registered{{"ReLU"}};
}  // namespace

// Keras's ReLU.static_call, op for op (keras/src/activations/activations.py).
Tensor ReLU::call(const Tensor& x, bool) {
  const double slope = options_.negative_slope, threshold = options_.threshold;
  const auto& max_value = options_.max_value;
  if (slope != 0.0 && !max_value && threshold == 0.0) return ops::leaky_relu(x, slope);
  Tensor y;
  bool clip_max = max_value.has_value();
  if (threshold != 0.0) {
    y = ops::multiply(x, ops::greater(x, threshold));  // x where x > threshold, else 0
  } else if (max_value && *max_value == 6.0) {
    y = ops::relu6(x);
    clip_max = false;
  } else {
    y = ops::relu(x);
  }
  if (clip_max) y = ops::clip(y, 0.0, *max_value);
  if (slope != 0.0) y = ops::subtract(y, ops::multiply(ops::relu(ops::rsub(threshold, x)), slope));
  return y;
}

}  // namespace temper::layers
