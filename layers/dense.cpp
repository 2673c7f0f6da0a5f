#include "temper/layers/dense.hpp"

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

const Arguments<Dense::Options>& Dense::arguments() {
  using O = Options;
  static const auto args = Arguments<O>("Dense")
                               .required("units", &O::units, positive())
                               .add("activation", &O::activation)
                               .add("use_bias", &O::use_bias)
                               .add("kernel_initializer", &O::kernel_initializer)
                               .add("bias_initializer", &O::bias_initializer)
                               .add("kernel_regularizer", &O::kernel_regularizer)
                               .add("bias_regularizer", &O::bias_regularizer)
                               .add("activity_regularizer", &O::activity_regularizer)
                               .add("kernel_constraint", &O::kernel_constraint)
                               .add("bias_constraint", &O::bias_constraint)
                               .unsupported("lora_rank", nullptr, Effect::training_only, false)
                               .unsupported("lora_alpha", nullptr, Effect::training_only, false)
                               .unsupported("quantization_config", nullptr, Effect::computation, false);
  return args;
}

namespace {
const LayerRegistration<Dense> registered{{"Dense"}};
}  // namespace

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
  kernel_->constraint = options_.kernel_constraint;
  if (options_.use_bias) {
    bias_ = add_weight("bias", {options_.units}, options_.bias_initializer, options_.bias_regularizer);
    bias_->constraint = options_.bias_constraint;
  }
  set_built(input_shape);
}

Tensor Dense::call(const Tensor& x, bool) {
  Tensor y = ops::linear(x, kernel_->value, bias_ ? bias_->value : Tensor());
  if (!options_.activation.is_linear()) y = options_.activation(y);
  if (options_.activity_regularizer.active()) add_loss(options_.activity_regularizer(y));
  return y;
}

}  // namespace temper::layers
