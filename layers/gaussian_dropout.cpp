#include "temper/layers/gaussian_dropout.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

GaussianDropout::GaussianDropout(Options o) : Layer(o.name), options_(std::move(o)) {
  if (!(options_.rate >= 0.0 && options_.rate < 1.0))
    throw ValueError("GaussianDropout: rate must be in [0, 1), got " + std::to_string(options_.rate));
}

GaussianDropout::GaussianDropout(double rate) : GaussianDropout(Options{.rate = rate}) {}

void GaussianDropout::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor GaussianDropout::call(const Tensor& x, bool training) {
  if (!training || options_.rate == 0.0) return x;
  return ops::gaussian_dropout(x, options_.rate, generator());
}

Config GaussianDropout::get_config() const {
  Config c = base_config();
  c["rate"] = options_.rate;
  c["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  return c;
}

LayerPtr GaussianDropout::from_config(const Config& c) {
  if (!c.contains("rate")) throw ConfigError("GaussianDropout config is missing 'rate'");
  Options o;
  o.rate = c["rate"].get<double>();
  if (c.contains("seed") && !c["seed"].is_null()) o.seed = c["seed"].get<std::uint64_t>();
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<GaussianDropout>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
