#include "temper/layers/input_layer.hpp"

#include "temper/error.hpp"

namespace temper::layers {

InputLayer::InputLayer(Options o) : Layer(o.name), options_(std::move(o)) {
  for (auto d : options_.shape)
    if (d < -1 || d == 0)
      throw ShapeError("Input shape " + shape_to_string(options_.shape) +
                       " is invalid: extents must be positive (or -1 for unknown)");
  set_built(batch_shape());
}

Shape InputLayer::batch_shape() const {
  Shape s{options_.batch_size ? *options_.batch_size : -1};
  s.insert(s.end(), options_.shape.begin(), options_.shape.end());
  return s;
}

Tensor InputLayer::call(const Tensor& inputs, bool) { return inputs; }

void InputLayer::check_input_shape(const Shape& s) const {
  const Shape want = batch_shape();
  bool ok = s.size() == want.size();
  for (std::size_t i = 0; ok && i < s.size(); ++i) ok = want[i] < 0 || s[i] < 0 || want[i] == s[i];
  if (!ok)
    throw ShapeError(describe() + " expects inputs of shape " + shape_to_string(want) + " but received " +
                     shape_to_string(s));
}

Shape InputLayer::compute_output_shape(const Shape&) const { return batch_shape(); }

Config InputLayer::get_config() const {
  Config batch = Config::array();
  for (auto d : batch_shape()) batch.push_back(d < 0 ? Config(nullptr) : Config(d));
  return {{"batch_shape", batch}, {"dtype", dtype_name(options_.dtype)}, {"sparse", false},
          {"name", name()}};
}

LayerPtr InputLayer::from_config(const Config& c) {
  Options o;
  Config batch = c.contains("batch_shape") ? c["batch_shape"] : c.value("batch_input_shape", Config());
  if (!batch.is_array() || batch.empty())
    throw ConfigError("InputLayer config needs 'batch_shape' (a list starting with the batch axis)");
  if (!batch[0].is_null()) o.batch_size = batch[0].get<std::int64_t>();
  for (std::size_t i = 1; i < batch.size(); ++i)
    o.shape.push_back(batch[i].is_null() ? -1 : batch[i].get<std::int64_t>());
  o.dtype = dtype_from_name(c.value("dtype", std::string("float32")));
  o.name = c.value("name", std::string());
  return std::make_shared<InputLayer>(o);
}

InputLayer Input(Shape shape, std::string name) {
  return InputLayer(InputLayer::Options{std::move(shape), std::nullopt, DType::Float32, std::move(name)});
}

}  // namespace temper::layers
