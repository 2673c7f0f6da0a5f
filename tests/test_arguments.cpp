// The argument tables, the strict reader and the registry (include/temper/arguments.hpp,
// include/temper/registry.hpp), and how layers use them.
#include <doctest/doctest.h>

#include "support/helpers.hpp"
#include "temper/arguments.hpp"
#include "temper/layers.hpp"
#include "temper/model.hpp"
#include "temper/ops.hpp"
#include "temper/registry.hpp"

using namespace temper;
using temper::testing::contains;
using temper::testing::error_message;

namespace {

// A user layer declared the way the built-in ones are: one Options struct, one table.
class Scale final : public Layer {
 public:
  struct Options {
    double factor = 1.0;
    std::int64_t repeats = 1;
    std::string mode = "multiply";
    std::optional<std::int64_t> axis{};
    std::vector<std::int64_t> sizes{};
    std::string name{};
  };
  static const Arguments<Options>& arguments() {
    static const auto args = Arguments<Options>("Scale")
                                 .required("factor", &Options::factor, positive_number())
                                 .add("repeats", &Options::repeats, positive())
                                 .add("mode", &Options::mode, one_of({"multiply", "divide"}))
                                 .add("axis", &Options::axis)
                                 .add("sizes", &Options::sizes, all_positive())
                                 .renamed("scale", "factor")
                                 .unsupported("constraint", nullptr, Effect::training_only)
                                 .unsupported("quantized", false, Effect::computation, false);
    return args;
  }
  explicit Scale(Options o) : Layer(o.name), options_(std::move(o)) { arguments().validate(options_); }
  std::string class_name() const override { return "Scale"; }
  Tensor call(const Tensor& x, bool) override { return ops::multiply(x, options_.factor); }
  Config get_config() const override {
    Config c = base_config();
    arguments().write(options_, c);
    return c;
  }
  const Options& options() const { return options_; }

 private:
  Options options_;
};

const layers::LayerRegistration<Scale> registered{{"Scale", "ScaleLayer"}};

LayerPtr make(const Config& args, ConfigSource source = ConfigSource::user) {
  return layers::deserialize({{"class_name", "Scale"}, {"config", args}}, source);
}

ArgumentError argument_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ArgumentError& e) {
    return e;
  }
  FAIL("no ArgumentError thrown");
  return ArgumentError("", "", "");
}

}  // namespace

TEST_CASE("arguments: a table gives from_config, get_config and the defaults of Options") {
  auto layer = make({{"factor", 2.5}, {"name", "s"}});
  auto& s = dynamic_cast<Scale&>(*layer);
  CHECK(s.options().factor == 2.5);
  CHECK(s.options().repeats == 1);
  CHECK(s.options().mode == "multiply");
  CHECK(!s.options().axis);
  CHECK(s.name() == "s");
  const Config c = s.get_config();
  CHECK(c["factor"] == 2.5);
  CHECK(c["axis"].is_null());
  CHECK(c["constraint"].is_null());
  CHECK(!c.contains("quantized"));  // written only when set, as Keras does for lora_rank
  // Round trip: the config it writes reads back to the same config.
  CHECK(make(c)->get_config() == c);
  CHECK(Scale::arguments().names() ==
        std::vector<std::string>{"factor", "repeats", "mode", "axis", "sizes", "constraint", "quantized"});
}

TEST_CASE("arguments: an unknown key names the argument and the closest known one") {
  const auto e = argument_error([] { make({{"factor", 1.0}, {"repets", 2}}); });
  CHECK(e.unknown_key());
  CHECK(e.path() == "repets");
  CHECK(contains(e.detail(), "unknown argument 'repets' of Scale. Did you mean 'repeats'?"));
  CHECK(contains(e.what(), "Scale argument 'repets'"));
  // A Keras file gets the same check: cls(**config) raises TypeError in Keras too.
  CHECK(argument_error([] { make({{"factor", 1.0}, {"repets", 2}}, ConfigSource::keras_file); }).unknown_key());
}

TEST_CASE("arguments: a value of the wrong type names the expected type and the value found") {
  auto e = argument_error([] { make({{"factor", "big"}}); });
  CHECK(e.path() == "factor");
  CHECK(e.detail() == "expected a number, found a string 'big'");
  e = argument_error([] { make({{"factor", 1.0}, {"repeats", 2.5}}); });
  CHECK(e.detail() == "expected an integer, found a number 2.5");
  e = argument_error([] { make({{"factor", 1.0}, {"repeats", true}}); });
  CHECK(e.detail() == "expected an integer, found a boolean true");
  e = argument_error([] { make({{"factor", 1.0}, {"sizes", Config::array({1, "x"})}}); });
  CHECK(e.path() == "sizes[1]");
  CHECK(e.detail() == "expected an integer, found a string 'x'");
  // An integral float is an integer, as Python's int(8.0).
  CHECK(dynamic_cast<Scale&>(*make({{"factor", 1.0}, {"repeats", 3.0}})).options().repeats == 3);
}

TEST_CASE("arguments: checks run for configs and for the C++ constructor alike") {
  auto e = argument_error([] { make({{"factor", -1.0}}); });
  CHECK(e.detail() == "expected a number > 0, found a number -1.0");
  e = argument_error([] { make({{"factor", 1.0}, {"mode", "add"}}); });
  CHECK(e.detail() == "expected one of 'multiply', 'divide', found a string 'add'");
  e = argument_error([] { make({{"factor", 1.0}, {"sizes", {2, 0}}}); });
  CHECK(contains(e.detail(), "a list of positive integers"));
  CHECK(error_message([] { Scale(Scale::Options{.factor = 0.0}); }) == "Scale: factor must be a number > 0, got 0.0");
  CHECK_THROWS_AS(Scale(Scale::Options{.factor = 1.0, .repeats = 0}), ValueError);
}

TEST_CASE("arguments: a missing required argument is named") {
  const auto e = argument_error([] { make(Config::object()); });
  CHECK(e.path() == "factor");
  CHECK(e.detail() == "missing required argument (a number)");
  // A misspelling of the missing argument is the mistake to report.
  const auto typo = argument_error([] { make({{"facter", 2.0}}); });
  CHECK(typo.unknown_key());
  CHECK(typo.path() == "facter");
  CHECK(typo.detail() == "unknown argument 'facter' of Scale. Did you mean 'factor'? ('factor' is required)");
  const auto units = argument_error([] { layers::Dense::from_config({{"unit", 10}}); });
  CHECK(units.path() == "unit");
  CHECK(std::string(units.what()).find("Did you mean 'units'?") != std::string::npos);
  // an unrelated unknown key leaves the missing argument to be reported
  CHECK(argument_error([] { make({{"zzz", 1}}); }).path() == "factor");
}

TEST_CASE("arguments: an older Keras name of an argument is read") {
  CHECK(dynamic_cast<Scale&>(*make({{"scale", 4.0}})).options().factor == 4.0);
}

TEST_CASE("arguments: keys Keras writes but Temper lacks are accepted only where they cannot change the result") {
  const Config constraint = {{"class_name", "MaxNorm"}, {"config", {{"max_value", 2}}}};
  // From a Keras file a training-only argument is inert: the weights are already trained.
  CHECK_NOTHROW(make({{"factor", 1.0}, {"constraint", constraint}}, ConfigSource::keras_file));
  // In a user's config it would silently not train as asked.
  auto e = argument_error([&] { make({{"factor", 1.0}, {"constraint", constraint}}); });
  CHECK(e.path() == "constraint");
  CHECK(contains(e.detail(), "Temper does not implement this argument"));
  CHECK(contains(e.detail(), "how the model trains"));
  CHECK_NOTHROW(make({{"factor", 1.0}, {"constraint", nullptr}}));
  // One that changes what the loaded model computes is refused everywhere.
  e = argument_error([] { make({{"factor", 1.0}, {"quantized", true}}, ConfigSource::keras_file); });
  CHECK(contains(e.detail(), "changes what the model computes"));
  CHECK_NOTHROW(make({{"factor", 1.0}, {"quantized", false}}, ConfigSource::keras_file));
}

TEST_CASE("arguments: the base layer keys and Keras dtype policies") {
  const Config policy = {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}},
                         {"registered_name", nullptr}};
  auto layer = make({{"factor", 1.0}, {"trainable", false}, {"dtype", policy}}, ConfigSource::keras_file);
  CHECK(!layer->trainable());
  auto e = argument_error([] { make({{"factor", 1.0}, {"dtype", "mixed_float16"}}, ConfigSource::keras_file); });
  CHECK(e.path() == "dtype");
  CHECK(contains(e.detail(), "'mixed_float16'"));
  e = argument_error([] { make({{"factor", 1.0}, {"trainable", "yes"}}); });
  CHECK(e.detail() == "expected a boolean (true or false), found a string 'yes'");
  // Keras puts the model's input shape on its first layer; a model file may carry it.
  CHECK_NOTHROW(make({{"factor", 1.0}, {"batch_input_shape", {nullptr, 3}}}, ConfigSource::keras_file));
  CHECK(argument_error([] { make({{"factor", 1.0}, {"batch_input_shape", {nullptr, 3}}}); }).unknown_key());
}

TEST_CASE("registry: aliases, unknown names and replacement") {
  auto& r = layers::registry();
  CHECK(r.kind() == "layer");
  REQUIRE(r.find("ScaleLayer"));
  CHECK(r.find("ScaleLayer")->name == "Scale");
  CHECK(layers::deserialize({{"class_name", "ScaleLayer"}, {"config", {{"factor", 2.0}}}})->class_name() == "Scale");
  const auto names = layers::registered_layers();
  CHECK(std::find(names.begin(), names.end(), "ScaleLayer") != names.end());
  CHECK(contains(error_message([] { layers::deserialize({{"class_name", "Scal"}, {"config", Config::object()}}); }),
                 "unknown layer 'Scal'. Did you mean 'Scale'?"));

  Registry<Layer> local("widget");
  local.add({"A", {"a"}, {"x"}, [](ArgReader& a) -> LayerPtr {
               (void)a.get<std::int64_t>("x", 0);
               return std::make_shared<Scale>(Scale::Options{.factor = 1.0});
             }});
  CHECK(local.create("a", {{"x", 1}}));
  CHECK(argument_error([&] { local.create("A", {{"y", 1}}); }).detail() ==
        "unknown argument 'y' of A. Did you mean 'x'? Known arguments: x");
  CHECK(contains(error_message([&] { local.create("B", Config::object()); }), "unknown widget 'B'"));
  CHECK(contains(error_message([&] { local.create("A", Config::array()); }), "must be a mapping"));
  local.add({"A", {}, {}, [](ArgReader&) -> LayerPtr { return nullptr; }});
  CHECK(local.names() == std::vector<std::string>{"A"});
  CHECK(!local.find("a"));
}

TEST_CASE("registry: Dense reads its Keras 3 config and rejects what it cannot compute") {
  const Config keras3 = {{"name", "dense"},
                         {"trainable", true},
                         {"dtype", "float32"},
                         {"units", 4},
                         {"activation", "relu"},
                         {"use_bias", true},
                         {"kernel_initializer", {{"module", "keras.initializers"}, {"class_name", "GlorotUniform"},
                                                 {"config", {{"seed", nullptr}}}, {"registered_name", nullptr}}},
                         {"bias_initializer", "zeros"},
                         {"kernel_regularizer", nullptr},
                         {"bias_regularizer", nullptr},
                         {"kernel_constraint", {{"class_name", "MaxNorm"}, {"config", {{"max_value", 2}}}}},
                         {"bias_constraint", nullptr},
                         {"lora_rank", 4},
                         {"lora_alpha", 4}};
  auto d = layers::deserialize({{"class_name", "Dense"}, {"config", keras3}});
  CHECK(dynamic_cast<layers::Dense&>(*d).options().units == 4);
  auto e = argument_error([&] {
    Config q = keras3;
    q["quantization_config"] = {{"mode", "int8"}};
    layers::deserialize({{"class_name", "Dense"}, {"config", q}});
  });
  CHECK(e.path() == "quantization_config");
  CHECK(d->get_config()["kernel_constraint"]["class_name"] == "MaxNorm");
  // LoRA is merged into the saved kernel, so a file's lora_rank is inert; a user asking for
  // LoRA training would not get it.
  e = argument_error([&] { layers::deserialize({{"class_name", "Dense"}, {"config", keras3}}, ConfigSource::user); });
  CHECK(e.path() == "lora_rank");
  CHECK(argument_error([] { layers::Dense::from_config({{"units", 0}}); }).detail() ==
        "expected a positive integer, found an integer 0");
  CHECK(error_message([] { layers::Dense(0); }) == "Dense: units must be a positive integer, got 0");
}

TEST_CASE("registry: Dense applies its kernel_constraint after every update, as Keras does") {
  Sequential model({Input({3}), layers::Dense(layers::Dense::Options{.units = 2, .kernel_constraint = "non_neg"})},
                   {.seed = 1});
  model.compile("sgd", "mse");
  // Targets that pull every weight negative: without the constraint the kernel would go below 0.
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 2, 1, 0, 0, 1, 2, 3, 3, 3}, {4, 3});
  Tensor y = Tensor::from_vector(std::vector<float>(8, -5.0f), {4, 2});
  model.fit(x, y, {.epochs = 5, .verbose = 0});
  const auto kernel = model.layers().back()->weights()[0]->value.to_vector<float>();
  double min_value = 1e9;
  for (float v : kernel) min_value = std::min<double>(min_value, v);
  CHECK(min_value >= 0.0);
}
