#include "temper/layers/spatial_dropout.hpp"

#include "layers/layer_arguments.hpp"
#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

namespace {

// Keras 3: SpatialDropout1D(rate, seed); 2D/3D add data_format. tf.keras 2 inherits Dropout's
// noise_shape (always null for these layers) and writes no data_format.
Arguments<SpatialDropoutOptions> spatial_dropout_arguments(const char* cls, bool data_format) {
  using O = SpatialDropoutOptions;
  auto args = Arguments<O>(cls).required("rate", &O::rate, in_range(0.0, 1.0)).add("seed", &O::seed);
  if (data_format)
    args = std::move(args).add("data_format", &O::data_format, one_of({"channels_last", "channels_first"}));
  return std::move(args).unsupported("noise_shape", nullptr, Effect::training_only, false);
}

const LayerRegistration<SpatialDropout1D> registered_1d{{"SpatialDropout1D"}};
const LayerRegistration<SpatialDropout2D> registered_2d{{"SpatialDropout2D"}};
const LayerRegistration<SpatialDropout3D> registered_3d{{"SpatialDropout3D"}};

}  // namespace

const Arguments<SpatialDropoutOptions>& SpatialDropout1D::arguments() {
  static const auto args = spatial_dropout_arguments("SpatialDropout1D", false);
  return args;
}
const Arguments<SpatialDropoutOptions>& SpatialDropout2D::arguments() {
  static const auto args = spatial_dropout_arguments("SpatialDropout2D", true);
  return args;
}
const Arguments<SpatialDropoutOptions>& SpatialDropout3D::arguments() {
  static const auto args = spatial_dropout_arguments("SpatialDropout3D", true);
  return args;
}

SpatialDropoutBase::SpatialDropoutBase(Options o, int rank)
    : Layer(o.name), options_(std::move(o)), rank_(rank) {
  const std::string cls = "SpatialDropout" + std::to_string(rank - 2) + "D";
  (rank == 3 ? SpatialDropout1D::arguments()
             : rank == 4 ? SpatialDropout2D::arguments() : SpatialDropout3D::arguments())
      .validate(options_);
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
  // Keras's BaseSpatialDropout.get_config: rate, seed, name, dtype (+ data_format for 2D/3D),
  // without the base class's keys (no trainable).
  Config c;
  c["name"] = name();
  c["dtype"] = "float32";
  (rank_ == 3 ? SpatialDropout1D::arguments()
              : rank_ == 4 ? SpatialDropout2D::arguments() : SpatialDropout3D::arguments())
      .write(options_, c);
  return c;
}

SpatialDropout1D::SpatialDropout1D(Options o) : SpatialDropoutBase(std::move(o), 3) {}
SpatialDropout1D::SpatialDropout1D(double rate) : SpatialDropout1D(Options{.rate = rate}) {}
Config SpatialDropout1D::get_config() const { return SpatialDropoutBase::get_config(); }
LayerPtr SpatialDropout1D::from_config(const Config& c) { return registry().create("SpatialDropout1D", c); }

SpatialDropout2D::SpatialDropout2D(Options o) : SpatialDropoutBase(std::move(o), 4) {}
SpatialDropout2D::SpatialDropout2D(double rate) : SpatialDropout2D(Options{.rate = rate}) {}
LayerPtr SpatialDropout2D::from_config(const Config& c) { return registry().create("SpatialDropout2D", c); }

SpatialDropout3D::SpatialDropout3D(Options o) : SpatialDropoutBase(std::move(o), 5) {}
SpatialDropout3D::SpatialDropout3D(double rate) : SpatialDropout3D(Options{.rate = rate}) {}
LayerPtr SpatialDropout3D::from_config(const Config& c) { return registry().create("SpatialDropout3D", c); }

}  // namespace temper::layers
