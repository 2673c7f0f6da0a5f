// Sequential models and the training loop: Keras semantics of construction, summary,
// compile/fit/evaluate/predict, callbacks, history and reproducibility.
#include <cmath>
#include <cstdio>
#include <string>

#include <doctest/doctest.h>
#include <temper/temper.hpp>

using namespace temper;

namespace {

// Two Gaussian blobs per class in 4-d: linearly separable classification data.
std::pair<Tensor, Tensor> blobs(std::int64_t n, int classes, std::uint64_t seed) {
  Generator g(seed);
  std::vector<float> x(static_cast<std::size_t>(n * 4));
  std::vector<std::int32_t> y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % classes);
    y[static_cast<std::size_t>(i)] = c;
    for (int j = 0; j < 4; ++j) {
      const double centre = (j == c % 4) ? 2.0 : 0.0;
      x[static_cast<std::size_t>(i * 4 + j)] = static_cast<float>(centre + 0.5 * (g.next_double() - 0.5));
    }
  }
  return {Tensor::from_vector(x, {n, 4}), Tensor::from_vector(y, {n})};
}

Sequential small_classifier(std::uint64_t seed = 1) {
  return Sequential({layers::Input({4}), layers::Dense(16, "relu"), layers::Dense(3)}, {.name = "clf", .seed = seed});
}

struct Recorder : Callback {
  std::vector<std::string> events;
  int stop_after_batch = -1;
  void on_train_begin(const Logs&) override { events.push_back("train_begin"); }
  void on_train_end(const Logs&) override { events.push_back("train_end"); }
  void on_epoch_begin(int e, const Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
  void on_epoch_end(int e, const Logs& l) override {
    events.push_back("epoch_end " + std::to_string(e) + (l.count("val_loss") ? " val" : ""));
  }
  void on_train_batch_end(std::int64_t b, const Logs&) override {
    if (b == 0) events.push_back("batch_end 0");
    if (b == stop_after_batch) model()->stop_training = true;
  }
  void on_test_begin(const Logs&) override { events.push_back("test_begin"); }
  void on_test_end(const Logs&) override { events.push_back("test_end"); }
};

}  // namespace

TEST_CASE("Sequential names layers like Keras and rejects duplicates") {
  Sequential m({layers::Input({4}), layers::Dense(8), layers::Dense(8), layers::Dropout(0.1), layers::Dense(2)});
  REQUIRE(m.layers().size() == 4);  // InputLayer is not listed, as in Keras
  CHECK(m.layers()[0]->name() == "dense");
  CHECK(m.layers()[1]->name() == "dense_1");
  CHECK(m.layers()[2]->name() == "dropout");
  CHECK(m.layers()[3]->name() == "dense_2");
  CHECK(m.name() == "sequential");
  CHECK(m.get_layer("dense_1") == m.layers()[1]);
  CHECK(m.get_layer(std::size_t{3}) == m.layers()[3]);
  CHECK_THROWS_AS(m.get_layer("dense_9"), ValueError);
  CHECK_THROWS_AS(m.get_layer(std::size_t{9}), ValueError);
  CHECK_THROWS_AS(m.add(layers::Dense({.units = 2, .name = "dense_1"})), ValueError);
}

TEST_CASE("a layer that does not fit its input is reported when the model is built") {
  SUBCASE("at construction, naming the layer and both shapes") {
    try {
      Sequential m({layers::Input({12}), layers::Dense(6), layers::Reshape(Shape{4, 2})});
      FAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
      const std::string msg = e.what();
      CHECK(msg.find("reshape") != std::string::npos);
      CHECK(msg.find("(None, 6)") != std::string::npos);
      CHECK(msg.find("(4, 2)") != std::string::npos);
    }
  }
  SUBCASE("when adding to a built model; the model stays usable") {
    Sequential m({layers::Input({12}), layers::Dense(6)});
    CHECK_THROWS_AS(m.add(layers::Reshape(Shape{5})), ShapeError);
    CHECK(m.layers().size() == 1);
    CHECK(m.output_shape() == Shape{-1, 6});
  }
  SUBCASE("data of the wrong shape") {
    Sequential m({layers::Input({12}), layers::Dense(6)});
    try {
      (void)m.predict(Tensor::zeros({3, 11}), {.verbose = 0});
      FAIL("expected a ShapeError");
    } catch (const ShapeError& e) {
      CHECK(std::string(e.what()).find("(None, 12)") != std::string::npos);
      CHECK(std::string(e.what()).find("(3, 11)") != std::string::npos);
    }
  }
  SUBCASE("a model without Input builds from the first batch and then checks") {
    Sequential m({layers::Dense(5), layers::Dense(2)});
    CHECK_FALSE(m.built());
    Tensor y = m(Tensor::zeros({2, 7}));
    CHECK(y.shape() == Shape{2, 2});
    CHECK(m.built());
    CHECK_THROWS_AS(m(Tensor::zeros({2, 8})), ShapeError);
  }
}

TEST_CASE("summary() prints Keras's table and totals") {
  Sequential m({layers::Input({28, 28}), layers::Flatten(), layers::Dense(256, "relu"), layers::Dense(128, "relu"),
                layers::Dense(10)});
  const std::string s = m.summary_string(76);
  CHECK(s.find("Model: \"sequential\"") == 0);
  CHECK(s.find("┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃") != std::string::npos);
  CHECK(s.find("│ flatten (Flatten)               │ (None, 784)            │             0 │") != std::string::npos);
  CHECK(s.find("│ dense (Dense)                   │ (None, 256)            │       200,960 │") != std::string::npos);
  CHECK(s.find(" Total params: 235,146 (918.54 KB)") != std::string::npos);
  CHECK(s.find(" Trainable params: 235,146 (918.54 KB)") != std::string::npos);
  CHECK(s.find(" Non-trainable params: 0 (0.00 B)") != std::string::npos);
  CHECK(s.find("Optimizer params") == std::string::npos);
  m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  (void)m.train_on_batch(Tensor::zeros({2, 28, 28}), Tensor::zeros({2}, DType::Int32));
  // Adam: two slots per weight plus the iteration and learning-rate variables, as Keras counts.
  CHECK(m.summary_string(76).find(" Optimizer params: 470,294 (1.79 MB)") != std::string::npos);
}

TEST_CASE("compile resolves names and rejects unknown ones") {
  auto m = small_classifier();
  CHECK_THROWS_AS(m.compile("adamm", "mse"), UnknownNameError);
  CHECK_THROWS_AS(m.compile("adam", "mean_sqared_error"), UnknownNameError);
  CHECK_THROWS_AS(m.compile("adam", "mse", {"acuracy"}), UnknownNameError);
  CHECK_THROWS_AS(m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4}, DType::Int32)), StateError);
  m.compile("sgd", "sparse_categorical_crossentropy", {"accuracy"});
  CHECK(m.optimizer()->class_name() == "SGD");
  CHECK(m.loss()->class_name() == "SparseCategoricalCrossentropy");
}

TEST_CASE("fit lowers the loss, records History and honours validation_split") {
  auto [x, y] = blobs(600, 3, 3);
  auto m = small_classifier();
  m.compile(optimizers::Adam(1e-2), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  History h = m.fit(x, y, {.batch_size = 32, .epochs = 8, .verbose = 0, .validation_split = 0.2});
  CHECK(h.epoch == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  for (const char* k : {"loss", "accuracy", "val_loss", "val_accuracy"}) CHECK(h.history.count(k) == 1);
  CHECK(h["loss"].back() < 0.5 * h["loss"].front());
  CHECK(h["val_accuracy"].back() > 0.95);
  CHECK_THROWS_AS(h["nope"], ValueError);
  Logs scores = m.evaluate(x, y, {.verbose = 0});
  CHECK(scores.at("accuracy") > 0.95);
  CHECK(m.history().epoch.size() == 8);
}

TEST_CASE("evaluate equals the loss and metrics computed by hand") {
  auto [x, y] = blobs(50, 3, 5);
  auto m = small_classifier();
  m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  Logs s = m.evaluate(x, y, {.batch_size = 7, .verbose = 0});
  Tensor logits = m.predict(x, {.verbose = 0});
  const double loss = ops::mean(ops::sparse_softmax_cross_entropy(logits, y)).item();
  const double acc = ops::mean(ops::equal(ops::argmax(logits), y)).item();
  CHECK(s.at("loss") == doctest::Approx(loss).epsilon(1e-5));
  CHECK(s.at("accuracy") == doctest::Approx(acc));
}

TEST_CASE("predict batches, keeps order and matches predict_on_batch") {
  auto [x, y] = blobs(103, 3, 9);
  auto m = small_classifier();
  Tensor all = m.predict_on_batch(x);
  Tensor batched = m.predict(x, {.batch_size = 10, .verbose = 0});
  CHECK(batched.shape() == Shape{103, 3});
  auto a = all.to_vector<float>(), b = batched.to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-6));
}

TEST_CASE("same seed, same weights and same history, different seed, different weights") {
  auto [x, y] = blobs(200, 3, 4);
  auto run = [&](std::uint64_t seed) {
    Sequential m({layers::Input({4}), layers::Dense(16, "relu"), layers::Dropout(0.2), layers::Dense(3)},
                 {.seed = seed});
    m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
    History h = m.fit(x, y, {.batch_size = 16, .epochs = 3, .verbose = 0});
    return std::make_pair(m.get_weights()[0].to_vector<float>(), h["loss"]);
  };
  auto [w1, h1] = run(7);
  auto [w2, h2] = run(7);
  auto [w3, h3] = run(8);
  CHECK(w1 == w2);
  CHECK(h1 == h2);
  CHECK(w1 != w3);
}

TEST_CASE("train_on_batch updates weights, test_on_batch and predict do not") {
  auto [x, y] = blobs(32, 3, 2);
  auto m = small_classifier();
  m.compile(optimizers::SGD(0.1), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  auto before = m.get_weights()[0].to_vector<float>();
  Logs t = m.test_on_batch(x, y);
  CHECK(t.count("loss") == 1);
  CHECK(t.count("accuracy") == 1);
  (void)m.predict(x, {.verbose = 0});
  CHECK(m.get_weights()[0].to_vector<float>() == before);
  Logs l1 = m.train_on_batch(x, y);
  CHECK(m.get_weights()[0].to_vector<float>() != before);
  CHECK(l1.at("loss") == doctest::Approx(t.at("loss")).epsilon(1e-5));  // loss before the step
  Logs l2 = m.train_on_batch(x, y);
  CHECK(l2.at("loss") < l1.at("loss"));
}

TEST_CASE("sample_weight and class_weight scale the loss like Keras") {
  auto [x, y] = blobs(8, 2, 6);
  auto m = small_classifier();
  m.compile("sgd", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  Tensor logits = m.predict_on_batch(x);
  std::vector<float> w{1, 0, 2, 0, 1, 0, 2, 0};
  Tensor sw = Tensor::from_vector(w, {8});
  // sum_over_batch_size: sum(w_i * loss_i) / N
  const double expected = ops::mean(ops::multiply(ops::sparse_softmax_cross_entropy(logits, y), sw)).item();
  CHECK(m.test_on_batch(x, y, sw).at("loss") == doctest::Approx(expected).epsilon(1e-5));
  // class_weight {0: 3, 1: 0.5}
  auto yv = y.to_vector<std::int32_t>();
  std::vector<float> cw;
  for (auto c : yv) cw.push_back(c == 0 ? 3.0f : 0.5f);
  const double expected_cw =
      ops::mean(ops::multiply(ops::sparse_softmax_cross_entropy(logits, y), Tensor::from_vector(cw, {8}))).item();
  auto before = m.get_weights();
  Logs l = m.train_on_batch(x, y, Tensor(), {{0, 3.0}, {1, 0.5}});
  CHECK(l.at("loss") == doctest::Approx(expected_cw).epsilon(1e-5));
}

TEST_CASE("callbacks see Keras's hook order, stop_training ends fit") {
  auto [x, y] = blobs(64, 3, 8);
  auto m = small_classifier();
  m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  auto rec = std::make_shared<Recorder>();
  (void)m.fit(x, y, {.batch_size = 16, .epochs = 2, .verbose = 0, .callbacks = {rec}, .validation_split = 0.25});
  const std::vector<std::string> expected{"train_begin", "epoch_begin 0", "batch_end 0", "test_begin", "test_end",
                                          "epoch_end 0 val", "epoch_begin 1", "batch_end 0", "test_begin",
                                          "test_end", "epoch_end 1 val", "train_end"};
  CHECK(rec->events == expected);
  CHECK(rec->params().at("epochs") == 2);
  CHECK(rec->params().at("steps") == 3);  // 48 training samples / 16

  auto stopper = std::make_shared<Recorder>();
  stopper->stop_after_batch = 1;
  History h = m.fit(x, y, {.batch_size = 16, .epochs = 5, .verbose = 0, .callbacks = {stopper}});
  CHECK(h.epoch.size() == 1);
}

TEST_CASE("initial_epoch, steps_per_epoch, validation_data and validation_freq") {
  auto [x, y] = blobs(64, 3, 10);
  auto m = small_classifier();
  m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  History h = m.fit(x, y, {.batch_size = 8, .epochs = 5, .verbose = 0, .validation_data = ValidationData{x, y},
                           .initial_epoch = 2, .steps_per_epoch = 3, .validation_freq = 2});
  CHECK(h.epoch == std::vector<int>{2, 3, 4});
  CHECK(h["loss"].size() == 3);
  CHECK(h["val_loss"].size() == 1);  // only epoch index 3 ((3 + 1) % 2 == 0) validates
}

TEST_CASE("bad fit arguments are reported with their value") {
  auto [x, y] = blobs(10, 3, 1);
  auto m = small_classifier();
  m.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  CHECK_THROWS_AS(m.fit(x, y, {.batch_size = 0}), ValueError);
  CHECK_THROWS_AS(m.fit(x, y, {.verbose = 0, .validation_split = 1.5}), ValueError);
  CHECK_THROWS_AS(m.fit(x, y.slice_rows(0, 9), {.verbose = 0}), ShapeError);
  try {
    (void)m.fit(x, y.slice_rows(0, 9), {.verbose = 0});
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("(10, 4)") != std::string::npos);
    CHECK(std::string(e.what()).find("(9,)") != std::string::npos);
  }
  Tensor bad_labels = Tensor::full({10}, 7, DType::Int32);
  CHECK_THROWS_AS(m.train_on_batch(x, bad_labels), ValueError);
}

TEST_CASE("get_weights / set_weights round trip and mismatches name the weight") {
  auto m = small_classifier(3);
  auto w = m.get_weights();
  REQUIRE(w.size() == 4);
  CHECK(w[0].shape() == Shape{4, 16});
  CHECK(w[1].shape() == Shape{16});
  auto m2 = small_classifier(4);
  m2.set_weights(w);
  CHECK(m2.get_weights()[2].to_vector<float>() == w[2].to_vector<float>());
  w[0] = Tensor::zeros({5, 16});
  try {
    m2.set_weights(w);
    FAIL("expected ShapeError");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("dense/kernel") != std::string::npos);
  }
}

TEST_CASE("trainable = false freezes a layer") {
  auto [x, y] = blobs(32, 3, 2);
  auto m = small_classifier();
  m.layers()[0]->set_trainable(false);
  m.compile(optimizers::SGD(0.5), losses::SparseCategoricalCrossentropy({.from_logits = true}));
  auto frozen = m.layers()[0]->weights()[0]->value.to_vector<float>();
  auto head = m.layers()[1]->weights()[0]->value.to_vector<float>();
  (void)m.train_on_batch(x, y);
  CHECK(m.layers()[0]->weights()[0]->value.to_vector<float>() == frozen);
  CHECK(m.layers()[1]->weights()[0]->value.to_vector<float>() != head);
  CHECK(m.summary_string(76).find(" Non-trainable params: 80 (320.00 B)") != std::string::npos);
}

TEST_CASE("regularization penalties are part of the training loss") {
  auto [x, y] = blobs(16, 3, 2);
  Sequential m({layers::Input({4}), layers::Dense({.units = 3, .kernel_regularizer = regularizers::L2(0.5)})},
               {.seed = 3});
  m.compile("sgd", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  Tensor k = m.layers()[0]->weights()[0]->value;
  const double penalty = 0.5 * ops::sum(ops::square(k)).item();
  const double data_loss = ops::mean(ops::sparse_softmax_cross_entropy(m.predict_on_batch(x), y)).item();
  CHECK(m.test_on_batch(x, y).at("loss") == doctest::Approx(data_loss + penalty).epsilon(1e-5));
}

TEST_CASE("get_config uses Keras's Sequential layout") {
  auto m = small_classifier();
  Config c = m.get_config();
  CHECK(c["name"] == "clf");
  REQUIRE(c["layers"].size() == 3);
  CHECK(c["layers"][0]["class_name"] == "InputLayer");
  CHECK(c["layers"][1]["class_name"] == "Dense");
  CHECK(c["layers"][1]["config"]["units"] == 16);
  CHECK(c["layers"][1]["config"]["activation"] == "relu");
  CHECK(c["build_input_shape"] == Config::parse("[null, 4]"));
}

TEST_CASE("Progbar: one line per epoch off a terminal, Keras's bar on one") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  Progbar plain({.target = 422, .verbose = 1, .interactive = false, .stream = f});
  for (int i = 1; i <= 422; ++i) plain.update(i, {{"accuracy", 0.87654}, {"loss", 0.5}});
  plain.update(422, {{"accuracy", 0.87654}, {"loss", 0.5}, {"val_loss", 0.25}}, /*finalize=*/true);
  std::rewind(f);
  char buf[512] = {};
  REQUIRE(std::fgets(buf, sizeof buf, f) != nullptr);
  std::string line = buf;
  CHECK(line.rfind("422/422 - 0s - ", 0) == 0);
  CHECK(line.find("/step - accuracy: 0.8765 - loss: 0.5000 - val_loss: 0.2500\n") != std::string::npos);
  CHECK(std::fgets(buf, sizeof buf, f) == nullptr);  // exactly one line
  std::fclose(f);

  std::FILE* g = std::tmpfile();
  Progbar bar({.target = 4, .verbose = 1, .interactive = true, .stream = g});
  bar.update(4, {{"loss", 0.0001}}, true);
  std::rewind(g);
  std::string out(1024, '\0');
  out.resize(std::fread(out.data(), 1, out.size(), g));
  CHECK(out.find("\x1b[1m4/4\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m") != std::string::npos);
  CHECK(out.find("loss: 1.0000e-04") != std::string::npos);
  CHECK(out.back() == '\n');
  std::fclose(g);
}
