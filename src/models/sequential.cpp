#include "temper/error.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/layers.hpp"
#include "temper/model.hpp"
#include "temper/names.hpp"

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

Config model_to_config(const Model& model) {
  const bool functional = model.class_name() == "Functional";
  return {{"module", functional ? "keras.src.models.functional" : "keras"},
          {"class_name", model.class_name()},
          {"config", model.get_config()},
          {"registered_name", functional ? Config("Functional") : Config(nullptr)}};
}

namespace {
Shape shape_from_config(const Config& c) {
  Shape s;
  for (const auto& d : c) s.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
  return s;
}
}  // namespace

std::shared_ptr<Sequential> Sequential::from_config(const Config& c) {
  Sequential::Options o;
  o.name = c.value("name", std::string("sequential"));
  auto m = std::make_shared<Sequential>(std::vector<LayerRef>{}, o);
  if (!c.contains("layers") || !c["layers"].is_array())
    throw ConfigError("Sequential config needs a 'layers' list");
  std::optional<Shape> input_shape;
  for (const auto& lc : c["layers"]) {
    LayerPtr layer = lc.value("class_name", std::string()) == "Sequential" ||
                             lc.value("class_name", std::string()) == "Functional" ||
                             lc.value("class_name", std::string()) == "Model"
                         ? LayerPtr(model_from_config(lc))
                         : layers::deserialize(lc);
    if (layer->class_name() == "InputLayer") {
      const auto& ic = lc.at("config");
      input_shape = shape_from_config(ic.contains("batch_shape") ? ic["batch_shape"] : ic.at("batch_input_shape"));
      continue;
    }
    // tf.keras repeats the input shape on the first layer instead of an InputLayer entry.
    const auto& inner = lc.value("config", Config::object());
    if (!input_shape && m->layers().empty() && inner.contains("batch_input_shape"))
      input_shape = shape_from_config(inner["batch_input_shape"]);
    m->add(layer);
  }
  if (!input_shape && c.contains("build_input_shape") && !c["build_input_shape"].is_null())
    input_shape = shape_from_config(c["build_input_shape"]);
  if (input_shape) m->build(*input_shape);
  return m;
}

Shape Sequential::compute_output_shape(const Shape& input_shape) const {
  Shape shape = input_shape;
  for (const auto& layer : layers_) {
    layer->check_input_shape(shape);
    shape = layer->compute_output_shape(shape);
  }
  return shape;
}

std::shared_ptr<Model> model_from_config(const Config& config) {
  if (!config.is_object() || !config.contains("class_name"))
    throw ConfigError("a model config must be an object with 'class_name' and 'config'");
  const auto cls = config["class_name"].get<std::string>();
  const Config& c = config.contains("config") ? config["config"] : config;
  if (cls == "Sequential") return Sequential::from_config(c);
  if (cls == "Functional" || cls == "Model") return Model::from_config(c);
  throw UnknownNameError(unknown_name_message("model class", cls, {"Sequential", "Functional"}));
}

std::string model_to_json(const Model& model, int indent) { return model_to_config(model).dump(indent); }

std::shared_ptr<Model> model_from_json(const std::string& json) {
  // The parser is iterative but the config walkers recurse once per level.
  if (const auto depth = io::nesting_depth(json); depth > io::kMaxNestingDepth)
    throw ConfigError("model JSON nests " + std::to_string(depth) + " levels deep; the limit is " +
                      std::to_string(io::kMaxNestingDepth));
  Config c;
  try {
    c = Config::parse(json);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw ConfigError(std::string("model JSON is malformed: ") + e.what());
  }
  try {
    return model_from_config(c);
  } catch (const nlohmann::json::exception& e) {  // a value of the wrong type ({"class_name": 5})
    throw ConfigError(std::string("model JSON has a malformed value: ") + e.what());
  }
}

}  // namespace temper
