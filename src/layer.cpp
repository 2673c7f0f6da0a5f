#include "temper/layer.hpp"

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper {

Layer::Layer(std::string name, bool trainable) : name_(std::move(name)), trainable_(trainable) {}
Layer::~Layer() = default;

void Layer::set_trainable(bool t) {
  trainable_ = t;
  for (auto& w : weights_)
    if (w->trainable || !t) w->value.set_requires_grad(t && w->trainable);
}

void Layer::build(const Shape& input_shape) { set_built(input_shape); }

void Layer::set_built(const Shape& input_shape) {
  built_ = true;
  build_shape_ = input_shape;
}

std::string Layer::describe() const {
  // A layer not yet added to a model has no name; show the one Keras would give it.
  const std::string shown = name_.empty() ? to_snake_case(class_name()) : name_;
  return "layer '" + shown + "' (" + class_name() + ")";
}

void Layer::check_input_shape(const Shape& s) const {
  // Like Keras, a layer without weights (Flatten, Dropout, Activation, ...) has no input spec
  // and takes any shape; a layer with weights must keep getting what it was built for.
  if (!build_shape_ || weights_.empty()) return;
  const Shape& b = *build_shape_;
  bool ok = s.size() == b.size();
  for (std::size_t i = 1; ok && i < s.size(); ++i)
    ok = b[i] < 0 || s[i] < 0 || b[i] == s[i];
  if (!ok)
    throw ShapeError(describe() + " was built for inputs of shape " + shape_to_string(b) +
                     " but received an input of shape " + shape_to_string(s));
}

Shape Layer::compute_output_shape(const Shape& input_shape) const { return input_shape; }

Tensor Layer::operator()(const Tensor& inputs, bool training) {
  if (!inputs.defined()) throw ValueError(describe() + " was called on an undefined tensor");
  Shape symbolic = inputs.shape();
  if (!symbolic.empty()) symbolic[0] = -1;
  check_input_shape(symbolic);
  if (!built_) {
    compute_output_shape(symbolic);  // rejects unfit inputs before any weight is created
    build(symbolic);
  }
  call_losses_.clear();
  return call(inputs, training);
}

Tensor Layer::call_multi(const std::vector<Tensor>& inputs, bool training) {
  if (inputs.size() != 1)
    throw ValueError(describe() + " expects exactly 1 input but was called on " +
                     std::to_string(inputs.size()));
  return call(inputs[0], training);
}

void Layer::build_multi(const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != 1)
    throw ValueError(describe() + " expects exactly 1 input but was given " +
                     std::to_string(input_shapes.size()) + " input shapes");
  build(input_shapes[0]);
}

Shape Layer::compute_output_shape_multi(const std::vector<Shape>& input_shapes) const {
  if (input_shapes.size() != 1)
    throw ValueError(describe() + " expects exactly 1 input but was given " +
                     std::to_string(input_shapes.size()) + " input shapes");
  return compute_output_shape(input_shapes[0]);
}

Tensor Layer::operator()(const std::vector<Tensor>& inputs, bool training) {
  if (inputs.size() == 1) return (*this)(inputs[0], training);
  std::vector<Shape> shapes;
  for (const auto& t : inputs) {
    if (!t.defined()) throw ValueError(describe() + " was called on an undefined tensor");
    Shape s = t.shape();
    if (!s.empty()) s[0] = -1;
    shapes.push_back(std::move(s));
  }
  if (!built_) {
    compute_output_shape_multi(shapes);
    build_multi(shapes);
    if (!built_) set_built(shapes[0]);
  }
  call_losses_.clear();
  return call_multi(inputs, training);
}

Config Layer::base_config() const {
  return {{"name", name_}, {"trainable", trainable_}, {"dtype", "float32"}};
}

Config Layer::get_config() const { return base_config(); }

VariablePtr Layer::add_weight(const std::string& name, const Shape& shape,
                              const initializers::Initializer& initializer,
                              const regularizers::Regularizer& regularizer, bool trainable) {
  auto v = std::make_shared<Variable>();
  v->name = name;
  v->path = name_ + "/" + name;
  v->trainable = trainable;
  v->value = initializer(shape, rng_);
  v->value.set_requires_grad(trainable && trainable_);
  weights_.push_back(v);
  regularizers_.push_back(regularizer);
  return v;
}

std::vector<VariablePtr> Layer::weights() const {
  auto out = trainable_weights();
  for (auto& w : non_trainable_weights()) out.push_back(w);
  return out;
}

std::vector<VariablePtr> Layer::trainable_weights() const {
  std::vector<VariablePtr> out;
  if (!trainable_) return out;
  for (const auto& w : weights_)
    if (w->trainable) out.push_back(w);
  return out;
}

std::vector<VariablePtr> Layer::non_trainable_weights() const {
  std::vector<VariablePtr> out;
  for (const auto& w : weights_)
    if (!w->trainable || !trainable_) out.push_back(w);
  return out;
}

std::vector<Tensor> Layer::regularization_losses() const {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < weights_.size(); ++i)
    if (regularizers_[i].active()) out.push_back(regularizers_[i](weights_[i]->value));
  out.insert(out.end(), call_losses_.begin(), call_losses_.end());
  return out;
}

std::int64_t Layer::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights_) n += w->numel();
  return n;
}

}  // namespace temper
