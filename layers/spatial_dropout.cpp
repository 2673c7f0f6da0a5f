#include "temper/layers/spatial_dropout.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

SpatialDropoutBase::SpatialDropoutBase(Options o, int rank)
    : Layer(o.name), options_(std::move(o)), rank_(rank) {
  const std::string cls = "SpatialDropout" + std::to_string(rank - 2) + "D";
  if (!(options_.rate >= 0.0 && options_.rate < 1.0))
    throw ValueError(cls + ": rate must be in [0, 1), got " + std::to_string(options_.rate));
  if (options_.data_format != "channels_last" && options_.data_format != "channels_first")
    throw ValueError(cls + ": data_format must be \"channels_last\" or \"channels_first\", got \"" +
                     options_.data_format + "\"");
  if (rank == 3 && options_.data_format != "channels_last")
    throw ValueError(cls + ": data_format must be \"channels_last\" (Keras's SpatialDropout1D has none), got \"" +
                     options_.data_format + "\"");
}

Shape SpatialDropoutBase::compute_output_shape(const Shape& s) const {
  if (static_cast<int>(s.size()) != rank_)
    throw ShapeError(describe() + " expects inputs of rank " + std::to_string(rank_) + ", got shape " +
                     shape_to_string(s));
  return s;
}

void SpatialDropoutBase::build(const Shape& input_shape) {
  compute_output_shape(input_shape);
  if (options_.seed) set_generator(Generator(*options_.seed));
  set_built(input_shape);
}

Tensor SpatialDropoutBase::call(const Tensor& x, bool training) {
  if (x.rank() != rank_) compute_output_shape(x.shape());
  if (!training || options_.rate == 0.0) return x;
  return ops::spatial_dropout(x, options_.rate, generator(), options_.data_format == "channels_first" ? 1 : -1);
}

Config SpatialDropoutBase::get_config() const {
  // Keras's BaseSpatialDropout.get_config: rate, seed, name, dtype (+ data_format for 2D/3D).
  Config c;
  c["rate"] = options_.rate;
  c["seed"] = options_.seed ? Config(*options_.seed) : Config(nullptr);
  c["name"] = name();
  c["dtype"] = "float32";
  c["data_format"] = options_.data_format;
  return c;
}

SpatialDropoutBase::Options SpatialDropoutBase::options_from_config(const Config& c, const char* cls) {
  if (!c.contains("rate")) throw ConfigError(std::string(cls) + " config is missing 'rate'");
  Options o;
  o.rate = c["rate"].get<double>();
  if (c.contains("seed") && !c["seed"].is_null()) o.seed = c["seed"].get<std::uint64_t>();
  if (c.contains("data_format") && !c["data_format"].is_null()) o.data_format = c["data_format"].get<std::string>();
  o.name = c.value("name", std::string());
  return o;
}

SpatialDropout1D::SpatialDropout1D(Options o) : SpatialDropoutBase(std::move(o), 3) {}
SpatialDropout1D::SpatialDropout1D(double rate) : SpatialDropout1D(Options{.rate = rate}) {}
Config SpatialDropout1D::get_config() const {
  Config c = SpatialDropoutBase::get_config();
  c.erase("data_format");
  return c;
}
LayerPtr SpatialDropout1D::from_config(const Config& c) {
  return std::make_shared<SpatialDropout1D>(options_from_config(c, "SpatialDropout1D"));
}

SpatialDropout2D::SpatialDropout2D(Options o) : SpatialDropoutBase(std::move(o), 4) {}
SpatialDropout2D::SpatialDropout2D(double rate) : SpatialDropout2D(Options{.rate = rate}) {}
LayerPtr SpatialDropout2D::from_config(const Config& c) {
  return std::make_shared<SpatialDropout2D>(options_from_config(c, "SpatialDropout2D"));
}

SpatialDropout3D::SpatialDropout3D(Options o) : SpatialDropoutBase(std::move(o), 5) {}
SpatialDropout3D::SpatialDropout3D(double rate) : SpatialDropout3D(Options{.rate = rate}) {}
LayerPtr SpatialDropout3D::from_config(const Config& c) {
  return std::make_shared<SpatialDropout3D>(options_from_config(c, "SpatialDropout3D"));
}

}  // namespace temper::layers
