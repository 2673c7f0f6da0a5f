#include "temper/layers/layer_normalization.hpp"

#include <algorithm>

#include "temper/error.hpp"
#include "temper/ops.hpp"

namespace temper::layers {

namespace {

void check_no_constraint(const Config& c, const char* key) {
  if (c.contains(key) && !c[key].is_null())
    throw ConfigError(std::string("LayerNormalization: ") + key + " is not supported (only null), got " + c[key].dump());
}

std::string axes_text(const std::vector<int>& axes) {
  std::string s = "[";
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(axes[i]);
  }
  s += "]";
  return s;
}

}  // namespace

LayerNormalization::LayerNormalization() : LayerNormalization(Options{}) {}

LayerNormalization::LayerNormalization(Options o) : Layer(o.name), options_(std::move(o)) {
  if (options_.axis.empty()) throw ValueError("LayerNormalization: axis must name at least one axis, got []");
  if (!(options_.epsilon > 0.0))
    throw ValueError("LayerNormalization: epsilon must be > 0, got " + std::to_string(options_.epsilon));
}

std::vector<int> LayerNormalization::axes_for(std::size_t rank) const {
  const int r = static_cast<int>(rank);
  std::vector<int> out;
  for (int a : options_.axis) {
    if (a >= r || a < -r || a == 0 || a == -r)
      throw ShapeError(describe() + ": axis " + std::to_string(a) + " is out of bounds for inputs of rank " +
                       std::to_string(r) + " (expected axes in [1, " + std::to_string(r - 1) + "] or [" +
                       std::to_string(-r + 1) + ", -1]; axis 0 is the batch)");
    out.push_back(normalize_axis(a, r));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    throw ValueError(describe() + ": axis " + axes_text(options_.axis) + " repeats an axis");
  return out;
}

void LayerNormalization::check_input_shape(const Shape& s) const {
  const auto axes = axes_for(s.size());
  if (const auto& b = build_input_shape()) {
    bool ok = b->size() == s.size();
    for (int a : axes) ok = ok && (*b)[static_cast<std::size_t>(a)] == s[static_cast<std::size_t>(a)];
    if (!ok)
      throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(*b) +
                       " but received an input of shape " + shape_to_string(s) +
                       " (expected the same rank and normalized axes " + axes_text(options_.axis) + ")");
  }
}

Shape LayerNormalization::compute_output_shape(const Shape& s) const {
  check_input_shape(s);
  return s;
}

void LayerNormalization::build(const Shape& input_shape) {
  check_input_shape(input_shape);
  Shape ps;
  for (int a : axes_for(input_shape.size())) {
    const std::int64_t d = input_shape[static_cast<std::size_t>(a)];
    if (d <= 0)
      throw ShapeError(describe() + " needs known extents on the normalized axes " + axes_text(options_.axis) +
                       ", got input shape " + shape_to_string(input_shape));
    ps.push_back(d);
  }
  if (options_.scale || options_.rms_scaling)
    gamma_ = add_weight("gamma", ps, options_.gamma_initializer, options_.gamma_regularizer);
  if (options_.center && !options_.rms_scaling)
    beta_ = add_weight("beta", ps, options_.beta_initializer, options_.beta_regularizer);
  set_built(input_shape);
}

Tensor LayerNormalization::call(const Tensor& x, bool) {
  const auto axes = axes_for(static_cast<std::size_t>(x.rank()));
  if (!options_.rms_scaling)
    return ops::layer_normalization(x, gamma_ ? gamma_->value : Tensor(), beta_ ? beta_->value : Tensor(), axes,
                                    options_.epsilon);
  // Keras's rms_scaling: inputs * rsqrt(var(inputs) + epsilon) * gamma (composed; rarely used).
  Tensor xf = is_floating(x.dtype()) ? x : x.astype(DType::Float32);
  Tensor centred = ops::subtract(xf, ops::mean(xf, axes, true));
  Tensor var = ops::mean(ops::square(centred), axes, true);
  Tensor y = ops::multiply(xf, ops::unary(UnaryOp::Rsqrt, ops::add(var, options_.epsilon)));
  if (gamma_) {
    Shape bs(static_cast<std::size_t>(x.rank()), 1);
    for (int a : axes) bs[static_cast<std::size_t>(a)] = x.shape()[static_cast<std::size_t>(a)];
    y = ops::multiply(y, ops::reshape(ops::cast(gamma_->value, y.dtype()), bs));
  }
  return y;
}

Config LayerNormalization::get_config() const {
  Config c = base_config();
  if (options_.axis.size() == 1) c["axis"] = options_.axis[0];
  else c["axis"] = options_.axis;
  c["epsilon"] = options_.epsilon;
  c["center"] = options_.center;
  c["scale"] = options_.scale;
  c["rms_scaling"] = options_.rms_scaling;
  c["beta_initializer"] = options_.beta_initializer.get_config();
  c["gamma_initializer"] = options_.gamma_initializer.get_config();
  c["beta_regularizer"] = options_.beta_regularizer.get_config();
  c["gamma_regularizer"] = options_.gamma_regularizer.get_config();
  c["beta_constraint"] = nullptr;
  c["gamma_constraint"] = nullptr;
  return c;
}

LayerPtr LayerNormalization::from_config(const Config& c) {
  check_no_constraint(c, "beta_constraint");
  check_no_constraint(c, "gamma_constraint");
  Options o;
  if (c.contains("axis")) {
    const Config& a = c["axis"];
    if (a.is_number_integer()) o.axis = {a.get<int>()};
    else if (a.is_array()) o.axis = a.get<std::vector<int>>();
    else throw ConfigError("LayerNormalization: axis must be an integer or a list of integers, got " + a.dump());
  }
  o.epsilon = c.value("epsilon", 1e-3);
  o.center = c.value("center", true);
  o.scale = c.value("scale", true);
  o.rms_scaling = c.value("rms_scaling", false);
  if (c.contains("beta_initializer")) o.beta_initializer = initializers::get(c["beta_initializer"]);
  if (c.contains("gamma_initializer")) o.gamma_initializer = initializers::get(c["gamma_initializer"]);
  o.beta_regularizer = regularizers::get(c.value("beta_regularizer", Config()));
  o.gamma_regularizer = regularizers::get(c.value("gamma_regularizer", Config()));
  o.name = c.value("name", std::string());
  auto layer = std::make_shared<LayerNormalization>(o);
  layer->set_trainable(c.value("trainable", true));
  return layer;
}

}  // namespace temper::layers
