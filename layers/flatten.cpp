#include "temper/layers/flatten.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<Flatten::Options>& Flatten::arguments() {
  using O = Options;
  // Keras also accepts channels_first (it transposes to channels-last first); Temper is NHWC.
  static const auto args = Arguments<O>("Flatten").add(
      "data_format", &O::data_format,
      Check<std::string>{"'channels_last' (Temper is NHWC throughout)",
                         [](const std::string& v) { return v == "channels_last"; }});
  return args;
}

namespace {
const LayerRegistration<Flatten> registered{{"Flatten"}};
}  // namespace

Shape Flatten::compute_output_shape(const Shape& s) const {
  if (s.empty()) throw ShapeError(describe() + " needs inputs with a batch axis, got a scalar shape");
  std::int64_t n = 1;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < 0) return {s[0], -1};
    n *= s[i];
  }
  return {s[0], n};
}

Tensor Flatten::call(const Tensor& x, bool) {
  if (x.rank() == 1) return ops::reshape(x, {x.shape()[0], 1});
  return ops::flatten(x);
}

}  // namespace temper::layers
