#include "temper/error.hpp"
#include "temper/layers.hpp"
#include "temper/model.hpp"

namespace temper {

Sequential::Sequential(std::vector<LayerRef> layers, Options options)
    : Model(options.name, options.seed) {
  for (auto& l : layers) add(std::move(l));
}

Sequential::Sequential(std::initializer_list<LayerRef> layers, Options options)
    : Sequential(std::vector<LayerRef>(layers), std::move(options)) {}

Sequential::Sequential() : Sequential(std::vector<LayerRef>{}, Options{}) {}
Sequential::Sequential(std::vector<LayerRef> layers) : Sequential(std::move(layers), Options{}) {}
Sequential::Sequential(std::initializer_list<LayerRef> layers)
    : Sequential(std::vector<LayerRef>(layers), Options{}) {}

void Sequential::add(LayerRef ref) {
  LayerPtr layer = ref.get();
  if (!layer) throw ValueError("Sequential.add: the layer is null");
  if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
    if (input_ || !layers_.empty())
      throw ValueError("Sequential: an Input layer may only come first (model '" + name() + "')");
    input_ = input;
    if (input_->name().empty()) input_->set_name("input_layer");
    input_shape_ = input_->batch_shape();
    build(input_shape_);
    return;
  }
  std::vector<LayerPtr> existing = layers_;
  if (input_) existing.push_back(input_);
  adopt_layer(*layer, existing);
  layers_.push_back(layer);
  if (built_) {
    // Build the new layer right away so a misfit shape is reported by add(), not by fit().
    try {
      build(input_shape_);
    } catch (...) {
      layers_.pop_back();
      build(input_shape_);
      throw;
    }
  }
}

void Sequential::pop() {
  if (layers_.empty()) throw ValueError("Sequential.pop: model '" + name() + "' has no layers");
  layers_.pop_back();
}

void Sequential::build(const Shape& input_shape) {
  if (input_shape.empty())
    throw ShapeError("Sequential '" + name() + "': the input shape must include a batch axis, got ()");
  Shape shape = input_shape;
  for (const auto& layer : layers_) {
    layer->check_input_shape(shape);
    Shape out = layer->compute_output_shape(shape);
    if (!layer->built()) layer->build(shape);
    shape = out;
  }
  input_shape_ = input_shape;
  built_ = true;
}

Shape Sequential::output_shape() const {
  if (!built_) throw StateError("Sequential '" + name() + "' is not built yet: its output shape is unknown");
  Shape shape = input_shape_;
  for (const auto& layer : layers_) shape = layer->compute_output_shape(shape);
  return shape;
}

Tensor Sequential::call(const Tensor& x, bool training) {
  if (input_) {
    Shape s = x.shape();
    if (!s.empty()) s[0] = -1;
    const Shape& want = input_shape_;
    bool ok = s.size() == want.size();
    for (std::size_t i = 1; ok && i < s.size(); ++i) ok = want[i] < 0 || want[i] == s[i];
    if (!ok)
      throw ShapeError("model '" + name() + "' expects inputs of shape " + shape_to_string(want) +
                       " but received " + shape_to_string(x.shape()));
  }
  Tensor h = x;
  if (!is_floating(h.dtype())) h = h.astype(DType::Float32);
  for (const auto& layer : layers_) h = (*layer)(h, training);
  return h;
}

Config Sequential::get_config() const {
  Config layers = Config::array();
  if (input_) layers.push_back(layers::serialize(*input_));
  for (const auto& l : layers_) layers.push_back(layers::serialize(*l));
  Config c = {{"name", name()}, {"trainable", true}, {"dtype", "float32"}, {"layers", layers}};
  if (built_) {
    Config bs = Config::array();
    for (auto d : input_shape_) bs.push_back(d < 0 ? Config(nullptr) : Config(d));
    c["build_input_shape"] = bs;
  }
  return c;
}

}  // namespace temper
