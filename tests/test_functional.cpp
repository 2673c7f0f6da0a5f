// The functional API: graphs of layers, validation, shared layers, multi-input/multi-output
// training, nested models, freezing, configs and custom layers.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <temper/temper.hpp>

#include "support/gradcheck.hpp"
#include "support/helpers.hpp"

using namespace temper;
using temper::testing::check_gradients;
using temper::testing::contains;
using temper::testing::error_message;
using temper::testing::random_tensor;
using temper::testing::values;

namespace {

Tensor randn(const Shape& s, std::uint64_t seed) { return random_tensor(s, seed).astype(DType::Float32); }

// Two inputs, two outputs, one layer shared by both branches (the lesson-5 shape).
struct TwoTower {
  SymbolicTensor a = Input({4}, "a");
  SymbolicTensor b = Input({4}, "b");
  LayerHandle<layers::Dense> shared = make_layer<layers::Dense>(8, "tanh");
  SymbolicTensor ha = shared(a);
  SymbolicTensor hb = shared(b);
  SymbolicTensor merged = layers::Concatenate()({ha, hb});
  SymbolicTensor main = layers::Dense(layers::Dense::Options{.units = 1, .name = "main"})(merged);
  SymbolicTensor aux = layers::Dense(layers::Dense::Options{.units = 3, .activation = "softmax", .name = "aux"})(ha);
};

}  // namespace

TEST_CASE("Input and layer calls infer shapes, Model lists layers in Keras order") {
  TwoTower t;
  CHECK(t.a.shape() == Shape{-1, 4});
  CHECK(t.ha.shape() == Shape{-1, 8});
  CHECK(t.merged.shape() == Shape{-1, 16});
  CHECK(t.aux.shape() == Shape{-1, 3});
  Model model({t.a, t.b}, {t.main, t.aux}, ModelOptions{.name = "two_tower", .seed = 1});
  CHECK(model.class_name() == "Functional");
  CHECK(model.name() == "two_tower");
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l->name());
  // Keras orders by depth from the outputs, deepest first; ties in the order the traversal
  // from the outputs met them: inputs, the shared dense, concatenate, then the heads.
  CHECK(names == std::vector<std::string>{"a", "b", "dense", "concatenate", "main", "aux"});
  CHECK(model.input_names() == std::vector<std::string>{"a", "b"});
  CHECK(model.output_names() == std::vector<std::string>{"main", "aux"});
  // the shared layer is counted once: 4*8+8, main 16+1, aux 8*3+3
  CHECK(model.count_params() == 40 + 17 + 27);
  CHECK(model.get_layer("dense") == t.shared.get());
  CHECK(model.get_layer(2) == t.shared.get());
  CHECK(contains(error_message([&] { model.get_layer("dens"); }), "dense"));
}

TEST_CASE("graph validation errors name the layers involved") {
  SUBCASE("an output that does not depend on the listed inputs: graph disconnected") {
    auto x = Input({3}, "x");
    auto other = Input({3}, "other");
    auto y = layers::Add()({layers::Dense(3)(x), other});
    auto msg = error_message([&] { Model m(x, y); });
    CHECK(contains(msg, "disconnected"));
    CHECK(contains(msg, "other"));
  }
  SUBCASE("an input no output uses") {
    auto x = Input({3}, "x");
    auto unused = Input({3}, "unused");
    auto y = layers::Dense(2)(x);
    auto msg = error_message([&] { Model m({x, unused}, {y}); });
    CHECK(contains(msg, "unused"));
    CHECK(contains(msg, "not connected"));
  }
  SUBCASE("two layers with the same name") {
    auto x = Input({3});
    auto h = layers::Dense(layers::Dense::Options{.units = 3, .name = "same"})(x);
    auto y = layers::Dense(layers::Dense::Options{.units = 3, .name = "same"})(h);
    auto msg = error_message([&] { Model m(x, y); });
    CHECK(contains(msg, "'same'"));
    CHECK(contains(msg, "unique"));
  }
  SUBCASE("shape mismatches are reported at the call, naming the layer and the shapes") {
    auto x = Input({3});
    auto y = Input({4});
    auto msg = error_message([&] { layers::Add(layers::MergeOptions{.name = "sum"})({x, y}); });
    CHECK(contains(msg, "'sum'"));
    CHECK(contains(msg, "(None, 3)"));
    CHECK(contains(msg, "(None, 4)"));
    auto img = Input({5, 5});
    auto msg2 = error_message([&] { layers::Concatenate(1)({img, Input({6, 6})}); });
    CHECK(contains(msg2, "concatenat"));
  }
  SUBCASE("a layer on the stack cannot be shared between call sites") {
    layers::Dense d(3);
    auto x = Input({3});
    auto msg = error_message([&] { d(x); });
    CHECK(contains(msg, "make_layer"));
  }
  SUBCASE("a model input must come from Input()") {
    auto x = Input({3});
    auto h = layers::Dense(3)(x);
    auto msg = error_message([&] { Model m(h, layers::Dense(1)(h)); });
    CHECK(contains(msg, "Input()"));
  }
}

TEST_CASE("gradients through a shared layer and a skip connection match central differences") {
  auto x = Input({3}, "x");
  auto shared = make_layer<layers::Dense>(3, "tanh");
  auto h1 = shared(x);
  auto h2 = shared(h1);                        // the same weights used twice in a chain
  auto skip = layers::Add()({h2, x});          // skip connection
  auto y = layers::Dense(2)(layers::Multiply()({skip, h1}));
  Model model(x, y, ModelOptions{.name = "m", .seed = 3});
  auto weights = model.weights();
  REQUIRE(weights.size() == 4);  // shared kernel+bias, output kernel+bias
  std::vector<Tensor> inputs{random_tensor({2, 3}, 7)};
  for (auto& w : weights) inputs.push_back(w->value.astype(DType::Float64));
  std::vector<Tensor> saved;
  for (auto& w : weights) saved.push_back(w->value);
  check_gradients(
      [&](const std::vector<Tensor>& v) {
        for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = v[i + 1];
        return model(v[0]);
      },
      inputs);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i]->value = saved[i];
}

TEST_CASE("multi-output losses are weighted and logged per output like Keras") {
  TwoTower t;
  Model model({t.a, t.b}, {t.main, t.aux}, ModelOptions{.name = "two_tower", .seed = 2});
  model.compile("adam", {.losses = {{"main", "mse"}, {"aux", "sparse_categorical_crossentropy"}},
                         .loss_weights = {{"main", 1.0}, {"aux", 0.25}},
                         .output_metrics = {{"aux", {"accuracy"}}}});
  const std::int64_t n = 64;
  Tensor xa = randn({n, 4}, 1), xb = randn({n, 4}, 2);
  Tensor y_main = randn({n, 1}, 3);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 3);
  Tensor y_aux = Tensor::from_vector(labels, {n});

  auto logs = model.evaluate({xa, xb}, {y_main, y_aux}, {.batch_size = n, .verbose = 0});
  REQUIRE(logs.count("main_loss"));
  REQUIRE(logs.count("aux_loss"));
  REQUIRE(logs.count("aux_accuracy"));
  CHECK(logs.at("loss") == doctest::Approx(logs.at("main_loss") + 0.25 * logs.at("aux_loss")).epsilon(1e-5));
  // the per-output losses are the plain losses of each head
  auto preds = model.predict_outputs({xa, xb}, {.verbose = 0});
  REQUIRE(preds.size() == 2);
  auto pm = values(preds[0]), ym = values(y_main);
  double mse = 0;
  for (std::size_t i = 0; i < pm.size(); ++i) mse += (pm[i] - ym[i]) * (pm[i] - ym[i]);
  CHECK(logs.at("main_loss") == doctest::Approx(mse / static_cast<double>(n)).epsilon(1e-4));

  // named inputs and targets give the same numbers
  auto named = model.evaluate(Tensors::named({{"b", xb}, {"a", xa}}), Tensors::named({{"aux", y_aux}, {"main", y_main}}),
                              {.batch_size = n, .verbose = 0});
  CHECK(named.at("loss") == doctest::Approx(logs.at("loss")));

  // training lowers both losses; validation logs carry the val_ prefix
  auto h = model.fit({xa, xb}, {y_main, y_aux},
                     {.batch_size = 16, .epochs = 30, .verbose = 0, .validation_split = 0.25});
  const auto& main_loss = h.history.at("main_loss");
  CHECK(main_loss.back() < main_loss.front());
  CHECK(h.history.at("aux_loss").back() < h.history.at("aux_loss").front());
  CHECK(h.history.count("val_aux_accuracy") == 1);
  CHECK(h.history.count("val_main_loss") == 1);

  // mistakes name what is wrong
  CHECK(contains(error_message([&] { model.fit({xa}, {y_main, y_aux}, {.verbose = 0}); }), "2 inputs"));
  CHECK(contains(error_message([&] { model.fit(Tensors::named({{"a", xa}, {"c", xb}}), {y_main, y_aux}, {.verbose = 0}); }),
                 "'b'"));
  CHECK(contains(error_message([&] { model.compile("adam", {.losses = {{"mian", "mse"}}}); }), "main"));
  CHECK(contains(error_message([&] { model.predict({xa, xb}, {.verbose = 0}); }), "predict_outputs"));
}

TEST_CASE("a model is a layer: nested models share weights and train") {
  // a feature extractor reused in two branches
  auto fx_in = Input({6}, "features_in");
  auto fx_out = layers::Dense(layers::Dense::Options{.units = 4, .activation = "relu", .name = "fx_dense"})(fx_in);
  auto extractor = std::make_shared<Model>(fx_in, fx_out, ModelOptions{.name = "extractor", .seed = 5});

  auto left = Input({6}, "left");
  auto right = Input({6}, "right");
  auto d = layers::Subtract()({(*extractor)(left), (*extractor)(right)});
  auto out = layers::Dense(1, "sigmoid")(d);
  Model siamese({left, right}, {out}, ModelOptions{.name = "siamese", .seed = 6});
  CHECK(siamese.get_layer("extractor") == extractor);
  CHECK(siamese.count_params() == (6 * 4 + 4) + (4 + 1));
  CHECK(contains(siamese.summary_string(), "extractor (Functional)"));
  CHECK(contains(siamese.summary_string(), "extractor[0][0],"));
  CHECK(contains(siamese.summary_string(), "extractor[1][0]"));

  // a Sequential inside a Sequential
  auto inner = std::make_shared<Sequential>(std::vector<LayerRef>{layers::Dense(5, "relu")}, Sequential::Options{.name = "inner"});
  Sequential outer({layers::Input({3}), inner, layers::Dense(2)}, {.name = "outer", .seed = 1});
  CHECK(outer.predict(randn({4, 3}, 1), {.verbose = 0}).shape() == Shape{4, 2});
  CHECK(outer.count_params() == (3 * 5 + 5) + (5 * 2 + 2));

  // training the outer model moves the shared extractor's weights
  siamese.compile("adam", "binary_crossentropy", {"accuracy"});
  Tensor xl = randn({32, 6}, 11), xr = randn({32, 6}, 12);
  std::vector<float> yv(32);
  for (std::size_t i = 0; i < yv.size(); ++i) yv[i] = static_cast<float>(i % 2);
  Tensor y = Tensor::from_vector(yv, {32, 1});
  auto before = values(extractor->weights()[0]->value);
  siamese.fit({xl, xr}, y, {.batch_size = 8, .epochs = 2, .verbose = 0});
  CHECK(values(extractor->weights()[0]->value) != before);
}

TEST_CASE("freezing a layer keeps its weights and changes summary counts") {
  auto x = Input({4});
  auto frozen = make_layer<layers::Dense>(layers::Dense::Options{.units = 3, .name = "frozen"});
  auto y = layers::Dense(1)(frozen(x));
  Model model(x, y, ModelOptions{.name = "m", .seed = 9});
  frozen->set_trainable(false);
  CHECK(model.trainable_weights().size() == 2);
  CHECK(model.non_trainable_weights().size() == 2);
  const auto s = model.summary_string();
  CHECK(contains(s, "Trainable params: 4 "));
  CHECK(contains(s, "Non-trainable params: 15 "));
  model.compile("sgd", "mse");
  auto before = values(frozen->kernel()->value);
  model.fit(randn({16, 4}, 1), randn({16, 1}, 2), {.batch_size = 4, .epochs = 2, .verbose = 0});
  CHECK(values(frozen->kernel()->value) == before);
  // freezing the whole model
  model.set_trainable(false);
  CHECK(model.trainable_weights().empty());
  CHECK(contains(model.summary_string(), "Trainable params: 0 "));
}

TEST_CASE("summary shows Keras's Connected to column for graphs") {
  TwoTower t;
  Model model({t.a, t.b}, {t.main, t.aux}, ModelOptions{.name = "two_tower", .seed = 2});
  const auto s = model.summary_string();
  CHECK(contains(s, "Connected to"));
  CHECK(contains(s, "a (InputLayer)"));
  CHECK(contains(s, "a[0][0], b[0][0]"));            // the shared dense: one row, both calls
  CHECK(contains(s, "dense[0][0], dense[1][0]"));    // concatenate
  CHECK(contains(s, "multiple") == false);           // both calls give (None, 8)
  // a chain keeps the plain layout, InputLayer row included
  auto x = Input({3});
  Model chain(x, layers::Dense(2)(x));
  const auto c = chain.summary_string();
  CHECK(!contains(c, "Connected to"));
  CHECK(contains(c, "input_layer (InputLayer)"));
}

TEST_CASE("functional configs round-trip through Keras's JSON layout") {
  TwoTower t;
  Model model({t.a, t.b}, {t.main, t.aux}, ModelOptions{.name = "two_tower", .seed = 2});
  const Config cfg = model_to_config(model);
  CHECK(cfg["class_name"] == "Functional");
  const auto& layers_cfg = cfg["config"]["layers"];
  REQUIRE(layers_cfg.size() == 6);
  CHECK(layers_cfg[0]["inbound_nodes"].empty());
  CHECK(layers_cfg[2]["name"] == "dense");
  CHECK(layers_cfg[2]["inbound_nodes"].size() == 2);  // the shared layer's two calls
  CHECK(layers_cfg[2]["inbound_nodes"][1]["args"][0]["config"]["keras_history"] == Config::array({"b", 0, 0}));
  CHECK(layers_cfg[3]["inbound_nodes"][0]["args"][0].size() == 2);  // a merge takes a list
  CHECK(cfg["config"]["input_layers"] == Config::parse(R"([["a",0,0],["b",0,0]])"));
  CHECK(cfg["config"]["output_layers"] == Config::parse(R"([["main",0,0],["aux",0,0]])"));

  auto back = model_from_json(model_to_json(model));
  CHECK(back->class_name() == "Functional");
  CHECK(back->count_params() == model.count_params());
  back->set_weights(model.get_weights());
  Tensor xa = randn({5, 4}, 1), xb = randn({5, 4}, 2);
  auto p1 = model.predict_outputs({xa, xb}, {.verbose = 0});
  auto p2 = back->predict_outputs({xa, xb}, {.verbose = 0});
  CHECK(values(p1[0]) == values(p2[0]));
  CHECK(values(p1[1]) == values(p2[1]));
  CHECK(model_to_config(*back) == cfg);
}

TEST_CASE("architectures written by Keras load: Keras 3 and legacy tf.keras JSON fixtures") {
  auto read = [](const std::string& name) {
    std::ifstream f(std::string(TEMPER_TEST_DATA_DIR) + "/keras/" + name);
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  SUBCASE("Keras 3 functional MLP") {
    auto m = model_from_json(read("functional_mlp_keras3.json"));
    CHECK(m->name() == "functional");
    CHECK(m->input_shape() == Shape{-1, 784});
    CHECK(m->output_shape() == Shape{-1, 10});
    CHECK(m->count_params() == 784 * 64 + 64 + 64 * 10 + 10);
  }
  SUBCASE("Keras 3 residual block with Add and a two-output head") {
    auto m = model_from_json(read("functional_residual_keras3.json"));
    CHECK(m->output_names() == std::vector<std::string>{"main_out", "aux_out"});
    CHECK(m->get_layer("add")->class_name() == "Add");
    auto outs = m->predict_outputs(randn({2, 16}, 3), {.verbose = 0});
    CHECK(outs[0].shape() == Shape{2, 1});
    CHECK(outs[1].shape() == Shape{2, 4});
  }
  SUBCASE("legacy tf.keras list-style inbound_nodes with a shared layer") {
    auto m = model_from_json(read("functional_shared_legacy.json"));
    CHECK(m->input_names() == std::vector<std::string>{"input_1", "input_2"});
    CHECK(m->get_layer("shared_dense")->count_params() == 8 * 4 + 4);
    CHECK(m->predict({randn({3, 8}, 1), randn({3, 8}, 2)}, {.verbose = 0}).shape() == Shape{3, 1});
  }
  SUBCASE("legacy tf.keras Sequential with batch_input_shape") {
    auto m = model_from_json(read("sequential_legacy.json"));
    CHECK(m->class_name() == "Sequential");
    CHECK(m->input_shape() == Shape{-1, 20});
    CHECK(m->output_shape() == Shape{-1, 3});
  }
  SUBCASE("bad configs name the problem") {
    CHECK(contains(error_message([] { model_from_json("{\"class_name\": \"Functional\""); }), "malformed"));
    auto bad = Config::parse(read("functional_mlp_keras3.json"));
    bad["config"]["layers"][1]["class_name"] = "Dense2";
    CHECK(contains(error_message([&] { model_from_config(bad); }), "Dense"));
    auto dangling = Config::parse(read("functional_mlp_keras3.json"));
    dangling["config"]["output_layers"] = Config::array({"nope", 0, 0});
    CHECK(contains(error_message([&] { model_from_config(dangling); }), "nope"));
  }
}

namespace {

// A custom layer: weights in build, ops in call, no backward written (Keras subclassing).
class Scale final : public Layer {
 public:
  explicit Scale(std::string name = "") : Layer(std::move(name)) {}
  std::string class_name() const override { return "Scale"; }
  void build(const Shape& input_shape) override {
    alpha_ = add_weight("alpha", {input_shape.back()}, initializers::Constant(0.5));
    Layer::build(input_shape);
  }
  Tensor call(const Tensor& x, bool) override { return ops::multiply(ops::tanh(x), alpha_->value); }
  std::shared_ptr<Layer> move_into_shared() override { return std::make_shared<Scale>(std::move(*this)); }
  VariablePtr alpha() const { return alpha_; }

 private:
  VariablePtr alpha_;
};

}  // namespace

TEST_CASE("custom layers, losses, metrics and Lambda work without a backward pass") {
  auto x = Input({3});
  auto scale = make_layer<Scale>();
  auto h = scale(x);
  auto y = layers::Lambda([](const Tensor& t) { return ops::multiply(t, 2.0); })(h);
  Model model(x, y, ModelOptions{.name = "custom", .seed = 4});
  CHECK(model.get_layer(1)->class_name() == "Scale");
  // autodiff gradient of the custom layer's weight matches central differences
  auto alpha = scale->alpha();
  auto saved = alpha->value;
  check_gradients(
      [&](const std::vector<Tensor>& v) {
        alpha->value = v[1];
        return model(v[0]);
      },
      {random_tensor({2, 3}, 1), alpha->value.astype(DType::Float64)});
  alpha->value = saved;

  // a custom loss and metric written as plain functions
  auto loss = losses::LossFunctionWrapper([](const Tensor& yt, const Tensor& yp) {
    return ops::mean(ops::abs(ops::subtract(yt, yp)), {-1});
  }, "my_mae");
  auto metric = metrics::MeanMetricWrapper([](const Tensor& yt, const Tensor& yp) {
    return ops::mean(ops::square(ops::subtract(yt, yp)), {-1});
  }, "my_mse");
  model.compile("adam", loss, {metric});
  Tensor xs = randn({32, 3}, 5);
  Tensor ys = ops::multiply(ops::tanh(xs), 1.6);
  auto hist = model.fit(xs, ys, {.batch_size = 8, .epochs = 40, .verbose = 0});
  CHECK(hist.history.at("loss").back() < 0.5 * hist.history.at("loss").front());
  CHECK(hist.history.count("my_mse") == 1);
  CHECK(values(alpha->value)[0] == doctest::Approx(0.8).epsilon(0.1));
}

TEST_CASE("a multi-output model saves and loads with its per-output compile arguments") {
  TwoTower t;
  Model model({t.a, t.b}, {t.main, t.aux}, ModelOptions{.name = "two_tower", .seed = 2});
  model.compile("adam", {.losses = {{"main", "mse"}, {"aux", "sparse_categorical_crossentropy"}},
                         .loss_weights = {{"main", 1.0}, {"aux", 0.5}},
                         .output_metrics = {{"aux", {"accuracy"}}}});
  const std::int64_t n = 16;
  Tensor xa = randn({n, 4}, 1), xb = randn({n, 4}, 2), ym = randn({n, 1}, 3);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n), 1);
  Tensor ya = Tensor::from_vector(labels, {n});
  model.fit({xa, xb}, {ym, ya}, {.batch_size = 8, .epochs = 1, .verbose = 0});
  const auto path = std::filesystem::temp_directory_path() / "temper_test_two_tower.keras";
  model.save(path.string());
  auto back = load_model(path.string());
  std::filesystem::remove(path);
  REQUIRE(back->compiled());
  CHECK(back->loss_weights() == std::vector<double>{1.0, 0.5});
  auto l1 = model.evaluate({xa, xb}, {ym, ya}, {.batch_size = n, .verbose = 0});
  auto l2 = back->evaluate({xa, xb}, {ym, ya}, {.batch_size = n, .verbose = 0});
  CHECK(l2.at("loss") == doctest::Approx(l1.at("loss")));
  CHECK(l2.count("aux_accuracy") == 1);
}

TEST_CASE("Sequential accepts temper::Input as its first entry, as keras.Sequential does") {
  Sequential model({Input({3}), layers::Dense(2)}, {.name = "s", .seed = 1});
  CHECK(model.input_shape() == Shape{-1, 3});
  CHECK(model.count_params() == 8);
}
