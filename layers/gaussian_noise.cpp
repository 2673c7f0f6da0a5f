#include "temper/layers/gaussian_noise.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

GaussianNoise::GaussianNoise(Options o) : Layer(o.name), options_(std::move(o)) {
  if (!(options_.stddev >= 0.0 && options_.stddev <= 1.0))
    throw ValueError("GaussianNoise: stddev must be a float between 0 and 1 (as in Keras), got " +
                     std::to_string(options_.stddev));
}

GaussianNoise::GaussianNoise(double stddev) : GaussianNoise(Options{.stddev = stddev}) {}

void GaussianNoise::build(const Shape& input_shape) {
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor GaussianNoise::call(const Tensor& x, bool training) {
  if (!training || options_.stddev == 0.0) return x;
  return ops::gaussian_noise(x, options_.stddev, generator());
}

Config GaussianNoise::get_config() const {
  Config c = base_config();
  c["stddev"] = options_.stddev;
  c["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  return c;
}

LayerPtr GaussianNoise::from_config(const Config& c) {
  if (!c.contains("stddev")) throw ConfigError("GaussianNoise config is missing 'stddev'");
  Options o;
  o.stddev = c["stddev"].get<double>();
  if (c.contains("seed") && !c["seed"].is_null()) o.seed = c["seed"].get<std::uint64_t>();
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<GaussianNoise>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
