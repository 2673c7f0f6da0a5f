#include "temper/layers/dropout.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

Dropout::Dropout(Options o) : Layer(o.name), options_(std::move(o)) {
  if (options_.rate < 0.0 || options_.rate >= 1.0)
    throw ValueError("Dropout: rate must be in [0, 1), got " + std::to_string(options_.rate));
}

void Dropout::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor Dropout::call(const Tensor& x, bool training) {
  if (!training || options_.rate == 0.0) return x;
  return ops::dropout(x, options_.rate, generator());
}

Config Dropout::get_config() const {
  Config c = base_config();
  c["rate"] = options_.rate;
  c["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  c["noise_shape"] = nullptr;
  return c;
}

LayerPtr Dropout::from_config(const Config& c) {
  if (!c.contains("rate")) throw ConfigError("Dropout config is missing 'rate'");
  Options o{c["rate"].get<double>(), std::nullopt, c.value("name", std::string())};
  if (c.contains("seed") && !c["seed"].is_null()) o.seed = c["seed"].get<std::uint64_t>();
  if (c.contains("noise_shape") && !c["noise_shape"].is_null())
    throw ConfigError("Dropout: noise_shape is not supported yet (got " + c["noise_shape"].dump() + ")");
  return std::make_shared<Dropout>(o);
}

}  // namespace temper::layers
