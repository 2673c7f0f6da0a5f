#include "temper/layers/dense.hpp"

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

Dense::Dense(Options o) : Layer(o.name), options_(std::move(o)) {
  if (options_.units <= 0)
    throw ValueError("Dense: units must be a positive integer, got " + std::to_string(options_.units));
}

Dense::Dense(std::int64_t units, activations::Activation activation)
    : Dense(Options{.units = units, .activation = std::move(activation)}) {}

void Dense::check_input_shape(const Shape& s) const {
  if (s.size() < 2)
    throw ShapeError(describe() + " expects inputs of rank >= 2 (batch, ..., features), got " +
                     shape_to_string(s));
  if (const auto& b = build_input_shape(); b && s.back() != b->back())
    throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) +
                     " (last axis " + std::to_string(b->back()) + ") but received " +
                     shape_to_string(s));
}

Shape Dense::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  if (s.back() < 0)
    throw ShapeError(describe() + " needs a known last axis, got input shape " + shape_to_string(s));
  Shape out = s;
  out.back() = options_.units;
  return out;
}

void Dense::build(const Shape& input_shape) {
  compute_output_shape(input_shape);
  kernel_ = add_weight("kernel", {input_shape.back(), options_.units}, options_.kernel_initializer,
                       options_.kernel_regularizer);
  if (options_.use_bias)
    bias_ = add_weight("bias", {options_.units}, options_.bias_initializer, options_.bias_regularizer);
  set_built(input_shape);
}

Tensor Dense::call(const Tensor& x, bool) {
  Tensor y = ops::linear(x, kernel_->value, bias_ ? bias_->value : Tensor());
  if (!options_.activation.is_linear()) y = options_.activation(y);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

Config Dense::get_config() const {
  Config c = base_config();
  c["units"] = options_.units;
  c["activation"] = options_.activation.get_config();
  c["use_bias"] = options_.use_bias;
  c["kernel_initializer"] = options_.kernel_initializer.get_config();
  c["bias_initializer"] = options_.bias_initializer.get_config();
  c["kernel_regularizer"] = options_.kernel_regularizer.get_config();
  c["bias_regularizer"] = options_.bias_regularizer.get_config();
  c["activity_regularizer"] = options_.activity_regularizer.get_config();
  c["kernel_constraint"] = nullptr;
  c["bias_constraint"] = nullptr;
  return c;
}

LayerPtr Dense::from_config(const Config& c) {
  Options o;
  if (!c.contains("units")) throw ConfigError("Dense config is missing 'units'");
  o.units = c["units"].get<std::int64_t>();
  o.activation = activations::get(c.value("activation", Config("linear")));
  o.use_bias = c.value("use_bias", true);
  if (c.contains("kernel_initializer")) o.kernel_initializer = initializers::get(c["kernel_initializer"]);
  if (c.contains("bias_initializer")) o.bias_initializer = initializers::get(c["bias_initializer"]);
  o.kernel_regularizer = regularizers::get(c.value("kernel_regularizer", Config()));
  o.bias_regularizer = regularizers::get(c.value("bias_regularizer", Config()));
  o.activity_regularizer = regularizers::get(c.value("activity_regularizer", Config()));
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<Dense>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
