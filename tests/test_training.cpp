// End-to-end training on real data: a Fashion-MNIST subset must reach 80% test accuracy in a
// few seconds. Uses the Debian package dataset-fashion-mnist (installed by
// scripts/install-deps.sh); the test fails, not skips, when the data is missing, because a
// training test that never runs cannot catch anything.
#include <doctest/doctest.h>
#include <temper/temper.hpp>

using namespace temper;

TEST_CASE("MLP on a Fashion-MNIST subset reaches 80% test accuracy") {
  auto [train, test] = datasets::fashion_mnist::load();
  Tensor x_train = train.x.slice_rows(0, 12000) / 255.0f;
  Tensor y_train = train.y.slice_rows(0, 12000);
  Tensor x_test = test.x.slice_rows(0, 2000) / 255.0f;
  Tensor y_test = test.y.slice_rows(0, 2000);

  Sequential model({layers::Input({28, 28}), layers::Flatten(), layers::Dense(128, "relu"), layers::Dense(10)},
                   {.seed = 0});
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}),
                {"accuracy"});
  const double initial_loss = model.evaluate(x_test, y_test, {.verbose = 0}).at("loss");
  History h = model.fit(x_train, y_train, {.batch_size = 64, .epochs = 3, .verbose = 0});
  Logs scores = model.evaluate(x_test, y_test, {.verbose = 0});
  MESSAGE("initial loss " << initial_loss << ", final test loss " << scores.at("loss") << ", test accuracy "
                          << scores.at("accuracy"));
  CHECK(h["loss"][2] < h["loss"][0]);
  CHECK(scores.at("loss") < 0.6 * initial_loss);
  CHECK(scores.at("accuracy") >= 0.80);
}

TEST_CASE("softmax output with from_logits=false trains as well (Keras's usual pairing)") {
  auto [train, test] = datasets::fashion_mnist::load();
  Tensor x_train = train.x.slice_rows(0, 6000) / 255.0f;
  Tensor x_test = test.x.slice_rows(0, 1000) / 255.0f;
  Sequential model({layers::Input({28, 28}), layers::Flatten(), layers::Dense(64, "relu"),
                    layers::Dense(10, "softmax")},
                   {.seed = 1});
  model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
  (void)model.fit(x_train, train.y.slice_rows(0, 6000), {.batch_size = 32, .epochs = 2, .verbose = 0});
  CHECK(model.evaluate(x_test, test.y.slice_rows(0, 1000), {.verbose = 0}).at("accuracy") >= 0.78);
  Tensor p = model.predict(x_test.slice_rows(0, 5), {.verbose = 0});
  auto row_sums = ops::sum(p, {1}).to_vector<float>();
  for (float s : row_sums) CHECK(s == doctest::Approx(1.0f).epsilon(1e-5));
}
