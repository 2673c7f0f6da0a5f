#include "temper/layers/dropout.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<Dropout::Options>& Dropout::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Dropout")
                               .required("rate", &O::rate, in_range(0.0, 1.0))
                               .add("seed", &O::seed)
                               // Temper draws one keep-or-drop per element; dropout is the
                               // identity at inference, so a Keras file may carry any shape.
                               .unsupported("noise_shape", nullptr, Effect::training_only);
  return args;
}

namespace {
const LayerRegistration<Dropout> registered{{"Dropout"}};
}  // namespace

void Dropout::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor Dropout::call(const Tensor& x, bool training) {
  if (!training || options_.rate == 0.0) return x;
  return ops::dropout(x, options_.rate, generator());
}

}  // namespace temper::layers
