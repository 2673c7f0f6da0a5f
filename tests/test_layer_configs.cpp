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
using temper::testing::contains;
using temper::testing::error_message;
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
      {"Conv3D", {{{"filters", 2}, {"kernel_size", {2, 2, 2}}}, {4, 4, 4, 2}}},
      {"Conv1DTranspose", {{{"filters", 2}, {"kernel_size", 3}, {"strides", 2}}, {5, 3}}},
      {"MaxPooling3D", {{{"pool_size", {2, 2, 2}}}, {4, 4, 4, 2}}},
      {"AveragePooling3D", {{{"pool_size", {2, 2, 2}}}, {4, 4, 4, 2}}},
      {"GlobalAveragePooling3D", {Config::object(), {3, 3, 3, 2}}},
      {"GlobalMaxPooling3D", {{{"keepdims", true}}, {3, 3, 3, 2}}},
      {"ReLU", {{{"max_value", 6.0}, {"negative_slope", 0.1}, {"threshold", 0.2}}, {5}}},
      {"LeakyReLU", {{{"negative_slope", 0.2}}, {5}}},
      {"PReLU", {{{"shared_axes", {1}}}, {4, 3}}},
      {"ELU", {{{"alpha", 0.5}}, {5}}},
      {"Softmax", {{{"axis", -1}}, {5}}},
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

// ================================================================================================
// Arguments declared once: strict configs with errors that name the argument
// ================================================================================================

TEST_CASE("every layer class rejects an unknown config key with the class, the key and a suggestion") {
  layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  for (const auto& [cls, sample] : samples()) {
    INFO("class " << cls);
    Config c = sample.config;
    c["not_an_argument"] = 1;
    bool thrown = false;
    try {
      (void)layers::deserialize({{"class_name", cls}, {"config", c}});
    } catch (const ArgumentError& e) {
      thrown = true;
      CHECK(e.unknown_key());
      CHECK(e.owner() == cls);
      CHECK(e.path() == "not_an_argument");
      CHECK(contains(e.what(), cls + " argument 'not_an_argument'"));
    }
    CHECK(thrown);
  }
  // a misspelt key gets a did-you-mean
  auto message = [](const char* json) {
    return error_message([&] { (void)layers::deserialize(Config::parse(json)); });
  };
  CHECK(contains(message(R"({"class_name": "Dropout", "config": {"rate": 0.5, "sed": 3}})"), "Did you mean 'seed'?"));
  CHECK(contains(message(R"({"class_name": "BatchNormalization", "config": {"epsilom": 0.1}})"),
                 "Did you mean 'epsilon'?"));
  CHECK(contains(message(R"({"class_name": "Concatenate", "config": {"axes": 1}})"), "Did you mean 'axis'?"));
  CHECK(contains(message(R"({"class_name": "Reshape", "config": {"target_shape": [2], "targetshape": [2]}})"),
                 "Did you mean 'target_shape'?"));
  CHECK(contains(message(R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 2], "sparce": false}})"),
                 "Did you mean 'sparse'?"));
  CHECK(contains(message(R"({"class_name": "Lambda", "config": {"function": "test_layer_configs_double", "ouput_shape": null}})"),
                 "Did you mean 'output_shape'?"));
  CHECK_THROWS_AS((void)layers::deserialize(Config::parse(R"({"class_name": "Dropout", "config": {"rate": 0.5, "sed": 3}})")),
                  ArgumentError);
}

TEST_CASE("a layer argument of the wrong type names the argument and the expected type") {
  auto message = [](const char* json) {
    return error_message([&] { (void)layers::deserialize(Config::parse(json)); });
  };
  CHECK(message(R"({"class_name": "BatchNormalization", "config": {"momentum": "high"}})") ==
        "BatchNormalization argument 'momentum': expected a number, found a string 'high'");
  CHECK(message(R"({"class_name": "Dropout", "config": {"rate": 0.5, "seed": -3}})") ==
        "Dropout argument 'seed': expected a non-negative integer, found an integer -3");
  CHECK(message(R"({"class_name": "Reshape", "config": {"target_shape": [2, "x"]}})") ==
        "Reshape argument 'target_shape[1]': expected an integer, found a string 'x'");
  CHECK(contains(message(R"({"class_name": "LayerNormalization", "config": {"center": 1}})"),
                 "LayerNormalization argument 'center': expected a boolean"));
  CHECK(contains(message(R"({"class_name": "Dot", "config": {"axes": [1, 2, 3]}})"),
                 "Dot argument 'axes': expected one axis or a pair of axes"));
  CHECK(contains(message(R"({"class_name": "Dot", "config": {"normalize": true}})"),
                 "Dot argument 'axes': missing required argument"));
  CHECK(contains(message(R"({"class_name": "GaussianNoise", "config": {"stddev": 2}})"),
                 "GaussianNoise argument 'stddev': expected a number in [0.0, 1.0]"));
  CHECK(contains(message(R"({"class_name": "Flatten", "config": {"data_format": "channels_first"}})"),
                 "Flatten argument 'data_format': expected 'channels_last' (Temper is NHWC throughout)"));
  CHECK(contains(message(R"({"class_name": "InputLayer", "config": {"batch_shape": [null, "28"]}})"),
                 "InputLayer argument 'batch_shape[1]': expected an integer"));
  CHECK(contains(message(R"({"class_name": "Activation", "config": {"activation": 3}})"),
                 "Activation argument 'activation': expected an activation name"));
  CHECK_THROWS_AS((void)layers::deserialize(Config::parse(R"({"class_name": "BatchNormalization", "config": {"axis": "x"}})")),
                  ArgumentError);
}

TEST_CASE("keys only a Keras file carries: accepted from keras_file, rejected in a user config") {
  struct Case {
    const char* cls;
    const char* config;
  };
  const std::vector<Case> training_only = {
      {"BatchNormalization", R"({"moving_variance_initializer": "ones", "synchronized": true})"},
      {"BatchNormalization", R"({"renorm": false, "renorm_clipping": {"rmax": 3.0}, "renorm_momentum": 0.9})"},
      {"BatchNormalization", R"({"virtual_batch_size": 8})"},
      {"Dropout", R"({"rate": 0.5, "noise_shape": [null, 1, 4]})"},
      {"SpatialDropout2D", R"({"rate": 0.5, "noise_shape": [null, 1, 1, 4]})"},
  };
  for (const auto& c : training_only) {
    INFO(c.cls << " " << c.config);
    const Config entry = {{"class_name", c.cls}, {"config", Config::parse(c.config)}};
    CHECK(layers::deserialize(entry, ConfigSource::keras_file)->class_name() == c.cls);
    const std::string msg = error_message([&] { (void)layers::deserialize(entry, ConfigSource::user); });
    CHECK(contains(msg, std::string(c.cls) + " argument '"));
    CHECK(contains(msg, "Temper does not implement this argument"));
    CHECK_THROWS_AS((void)layers::deserialize(entry, ConfigSource::user), ArgumentError);
  }
  // the defaults Keras writes are accepted from both
  for (auto source : {ConfigSource::keras_file, ConfigSource::user}) {
    CHECK_NOTHROW((void)layers::deserialize(
        Config::parse(R"({"class_name": "BatchNormalization", "config": {"beta_constraint": null, "gamma_constraint": null,
            "synchronized": false, "renorm": false, "renorm_clipping": null, "renorm_momentum": 0.99}})"),
        source));
    CHECK_NOTHROW((void)layers::deserialize(
        Config::parse(R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "sparse": false,
            "ragged": false, "optional": false, "dtype": "float32", "name": "in"}})"),
        source));
  }
  // keys that change what the model computes: only the default, from any source
  for (const char* json :
       {R"({"class_name": "BatchNormalization", "config": {"renorm": true}})",
        R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "sparse": true}})",
        R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "ragged": true}})",
        R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "optional": true}})",
        R"({"class_name": "Lambda", "config": {"function": "test_layer_configs_double", "arguments": {"k": 2}}})",
        R"({"class_name": "Lambda", "config": {"function": "test_layer_configs_double", "mask": "m"}})"}) {
    INFO(json);
    layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
    CHECK_THROWS_AS((void)layers::deserialize(Config::parse(json), ConfigSource::keras_file), ArgumentError);
  }
}

TEST_CASE("layer configs in the spellings older Keras versions wrote") {
  // tf.keras 2 wrote BatchNormalization / GroupNormalization axis as a list after build, and
  // LayerNormalization's as a list
  auto bn = layers::deserialize(Config::parse(R"({"class_name": "BatchNormalization", "config": {"axis": [3]}})"));
  CHECK(dynamic_cast<layers::BatchNormalization&>(*bn).options().axis == 3);
  CHECK(bn->get_config()["axis"] == 3);
  auto gn = layers::deserialize(Config::parse(R"({"class_name": "GroupNormalization", "config": {"groups": 2, "axis": [-1]}})"));
  CHECK(dynamic_cast<layers::GroupNormalization&>(*gn).options().axis == -1);
  CHECK_THROWS_AS((void)layers::deserialize(Config::parse(R"({"class_name": "BatchNormalization", "config": {"axis": [1, 2]}})")),
                  ArgumentError);
  auto ln = layers::deserialize(Config::parse(R"({"class_name": "LayerNormalization", "config": {"axis": [1, 2]}})"));
  CHECK(dynamic_cast<layers::LayerNormalization&>(*ln).options().axis == std::vector<int>{1, 2});
  CHECK(ln->get_config()["axis"] == Config::parse("[1, 2]"));
  // tf.keras 2 LeakyReLU alpha
  auto lr = layers::deserialize(Config::parse(R"({"class_name": "LeakyReLU", "config": {"alpha": 0.2}})"));
  CHECK(lr->get_config()["negative_slope"] == 0.2);
  // a tf.keras 2 SpatialDropout2D: Dropout's keys, no data_format
  auto sd = layers::deserialize(Config::parse(
      R"({"class_name": "SpatialDropout2D", "config": {"name": "sd", "trainable": true, "dtype": "float32",
          "rate": 0.3, "noise_shape": null, "seed": null}})"));
  CHECK(sd->get_config()["data_format"] == "channels_last");
  // InputLayer: tf.keras batch_input_shape; Keras 3 shape / batch_size as a user writes them
  auto in2 = layers::deserialize(Config::parse(
      R"({"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "dtype": "float32", "sparse": false,
          "ragged": false, "name": "input_1"}})"));
  CHECK(dynamic_cast<layers::InputLayer&>(*in2).batch_shape() == Shape{-1, 4});
  auto in3 = layers::deserialize(
      Config::parse(R"({"class_name": "InputLayer", "config": {"shape": [2, 3], "batch_size": 8}})"), ConfigSource::user);
  CHECK(dynamic_cast<layers::InputLayer&>(*in3).batch_shape() == Shape{8, 2, 3});
  auto in4 = layers::deserialize(Config::parse(R"({"class_name": "InputLayer", "config": {"shape": [5], "dtype": "int32"}})"));
  CHECK(dynamic_cast<layers::InputLayer&>(*in4).dtype() == DType::Int32);
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(
                       R"({"class_name": "InputLayer", "config": {"shape": [5], "batch_shape": [null, 5]}})"));
                 }),
                 "InputLayer argument 'shape'"));
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(R"({"class_name": "InputLayer", "config": {"name": "x"}})"));
                 }),
                 "InputLayer argument 'batch_shape': missing required argument"));
  // Keras 3 writes a named Lambda function as a function object
  layers::register_lambda_function("test_layer_configs_double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  auto lam = layers::deserialize(Config::parse(
      R"({"class_name": "Lambda", "config": {"name": "l", "function": {"module": "__main__", "class_name": "function",
          "config": "test_layer_configs_double", "registered_name": "test_layer_configs_double"}, "arguments": {}}})"));
  CHECK(values((*lam)(Tensor::ones({1, 2}))) == std::vector<double>{2, 2});
  CHECK(contains(error_message([] {
                   (void)layers::deserialize(Config::parse(
                       R"({"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__", "config": {"code": "x"}}}})"));
                 }),
                 "Python code"));
}
