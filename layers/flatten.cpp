#include "temper/layers/flatten.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

Flatten::Flatten() : Flatten(Options{}) {}

Flatten::Flatten(Options o) : Layer(o.name), options_(std::move(o)) {
  if (options_.data_format != "channels_last")
    throw ValueError("Flatten: data_format must be \"channels_last\" (Temper is NHWC throughout), got \"" +
                     options_.data_format + "\"");
}

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

Config Flatten::get_config() const {
  Config c = base_config();
  c["data_format"] = options_.data_format;
  return c;
}

LayerPtr Flatten::from_config(const Config& c) {
  return std::make_shared<Flatten>(Options{c.value("data_format", std::string("channels_last")),
                                           c.value("name", std::string())});
}

}  // namespace temper::layers
