// Every registered layer class round-trips through its Keras config, alone and inside a
// functional model (architecture JSON + weights -> identical predictions).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include <temper/temper.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::random_tensor;
using temper::testing::values;

namespace {

struct Sample {
  Config config;      // the layer's Keras config (class-specific keys; name added below)
  Shape input_shape;  // one sample's shape to call it on (empty: not callable alone)
};

// One sample per Keras class name. A class added to the registry without an entry here fails
// the first test case, so every new layer gets its round trip checked.
const std::map<std::string, Sample>& samples() {
  static const std::map<std::string, Sample> s = {
      {"InputLayer", {{{"batch_shape", {nullptr, 3}}}, {}}},
      {"Dense", {{{"units", 4}, {"activation", "relu"}}, {5}}},
      {"Activation", {{{"activation", "tanh"}}, {5}}},
      {"Flatten", {Config::object(), {2, 3}}},
      {"Reshape", {{{"target_shape", {3, 2}}}, {6}}},
      {"Dropout", {{{"rate", 0.25}, {"seed", 3}}, {5}}},
      {"Add", {Config::object(), {}}},
      {"Subtract", {Config::object(), {}}},
      {"Multiply", {Config::object(), {}}},
      {"Average", {Config::object(), {}}},
      {"Maximum", {Config::object(), {}}},
      {"Minimum", {Config::object(), {}}},
      {"Concatenate", {{{"axis", -1}}, {}}},
      {"Dot", {{{"axes", 1}, {"normalize", true}}, {}}},
      {"Lambda", {{{"function", "test_layer_configs_double"}}, {5}}},
      {"Conv1D", {{{"filters", 3}, {"kernel_size", 3}, {"padding", "same"}}, {7, 2}}},
      {"Conv2D", {{{"filters", 3}, {"kernel_size", {3, 3}}, {"strides", {2, 2}}, {"activation", "relu"}}, {7, 7, 2}}},
      {"DepthwiseConv2D", {{{"kernel_size", {3, 3}}, {"depth_multiplier", 2}}, {6, 6, 2}}},
      {"SeparableConv2D", {{{"filters", 4}, {"kernel_size", {3, 3}}, {"padding", "same"}}, {6, 6, 2}}},
      {"Conv2DTranspose", {{{"filters", 2}, {"kernel_size", {3, 3}}, {"strides", {2, 2}}}, {4, 4, 3}}},
      {"MaxPooling1D", {{{"pool_size", 2}}, {6, 2}}},
      {"MaxPooling2D", {{{"pool_size", {2, 2}}}, {6, 6, 2}}},
      {"AveragePooling1D", {{{"pool_size", 2}, {"padding", "same"}}, {5, 2}}},
      {"AveragePooling2D", {{{"pool_size", {2, 2}}, {"strides", {1, 1}}}, {5, 5, 2}}},
      {"GlobalAveragePooling1D", {Config::object(), {5, 3}}},
      {"GlobalAveragePooling2D", {Config::object(), {4, 4, 3}}},
      {"GlobalMaxPooling1D", {Config::object(), {5, 3}}},
      {"GlobalMaxPooling2D", {{{"keepdims", true}}, {4, 4, 3}}},
      {"ZeroPadding2D", {{{"padding", {{1, 2}, {0, 1}}}}, {4, 4, 2}}},
      {"Cropping2D", {{{"cropping", {{1, 0}, {1, 1}}}}, {5, 5, 2}}},
      {"UpSampling2D", {{{"size", {2, 2}}}, {3, 3, 2}}},
      {"BatchNormalization", {{{"momentum", 0.9}, {"epsilon", 1e-3}}, {4, 4, 3}}},
      {"LayerNormalization", {{{"epsilon", 1e-3}}, {6}}},
      {"GroupNormalization", {{{"groups", 2}}, {3, 3, 4}}},
      {"SpatialDropout1D", {{{"rate", 0.5}}, {5, 3}}},
      {"SpatialDropout2D", {{{"rate", 0.5}}, {4, 4, 3}}},
      {"SpatialDropout3D", {{{"rate", 0.5}}, {2, 2, 2, 3}}},
      {"GaussianNoise", {{{"stddev", 0.1}}, {5}}},
      {"GaussianDropout", {{{"rate", 0.2}}, {5}}},
  };
  return s;
}

Config entry(const std::string& cls) {
  Config c = samples().at(cls).config;
  c["name"] = "sample";
  return {{"class_name", cls}, {"config", c}};
}

}  // namespace

TEST_CASE("every registered layer class has a config sample (aliases map to a sampled class)") {
  layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  for (const auto& cls : layers::registered_layers()) {
    if (samples().count(cls)) continue;
    // Keras aliases (Convolution2D, MaxPool2D, ...) create a layer of a sampled class.
    INFO("registered class without a config round-trip sample: " << cls);
    bool resolved = false;
    for (const auto& [canonical, sample] : samples()) {
      if (sample.config.empty() && sample.input_shape.empty()) continue;
      try {
        Config c = sample.config;
        c["name"] = "alias";
        auto l = layers::deserialize({{"class_name", cls}, {"config", c}});
        if (l->class_name() == canonical) resolved = true;
      } catch (const Error&) {
      }
      if (resolved) break;
    }
    CHECK(resolved);
  }
}

TEST_CASE("every layer's config round-trips: deserialize(serialize(layer)) == layer") {
  layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  for (const auto& [cls, sample] : samples()) {
    INFO("class " << cls);
    auto a = layers::deserialize(entry(cls));
    CHECK(a->class_name() == cls);
    CHECK(a->name() == "sample");
    const Config ca = layers::serialize(*a);
    auto b = layers::deserialize(ca);
    CHECK(layers::serialize(*b) == ca);
  }
}

TEST_CASE("every one-input layer round-trips inside a functional model with identical predictions") {
  layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  std::uint64_t seed = 1;
  for (const auto& [cls, sample] : samples()) {
    if (sample.input_shape.empty()) continue;
    INFO("class " << cls);
    auto in = Input(sample.input_shape, "x");
    auto layer = layers::deserialize(entry(cls));
    auto out = (*layer)(in);
    Model model(in, out, ModelOptions{.name = "one_layer", .seed = seed++});
    // non-zero moving statistics etc., so that a weight mix-up would show
    std::vector<Tensor> ws;
    for (const auto& w : model.weights()) ws.push_back(random_tensor(w->shape(), seed++, 0.5, 1.5).astype(DType::Float32));
    model.set_weights(ws);
    auto copy = model_from_json(model_to_json(model));
    CHECK(model_to_config(*copy) == model_to_config(model));
    copy->set_weights(model.get_weights());
    Shape batch{3};
    batch.insert(batch.end(), sample.input_shape.begin(), sample.input_shape.end());
    Tensor x = random_tensor(batch, seed++).astype(DType::Float32);
    CHECK(values(copy->predict(x, {.verbose = 0})) == values(model.predict(x, {.verbose = 0})));
  }
}
