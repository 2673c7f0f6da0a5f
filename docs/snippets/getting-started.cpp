// The C++ blocks of docs/getting-started.md, each between // [docs:NAME] and // [docs-end]
// exactly as the page prints it (docs_getting-started checks the copies and runs this
// program). The code around the regions supplies what the page has defined before and keeps
// the training short: the page's model and fit arguments on a slice of Fashion-MNIST.
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("docs/getting-started.md: ") + what);
}

datasets::Split first(const datasets::Split& s, std::int64_t n) {
  return {ops::slice(s.x, 0, 0, n), ops::slice(s.y, 0, 0, n)};
}

void data() {
  // [docs:data]
  auto [train, test] = datasets::fashion_mnist::load();   // keras.datasets.fashion_mnist.load_data()
  Tensor x_train = train.x / 255.0f;                       // uint8 (60000, 28, 28) -> float32 in [0, 1]
  // [docs-end]
  check(x_train.shape() == Shape{60000, 28, 28} && x_train.dtype() == DType::Float32,
        "x_train is float32 (60000, 28, 28)");
}

void tensors() {
  // [docs:tensors]
  Tensor w = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3}).set_requires_grad(true);
  Tensor loss = ops::sum(ops::square(w));
  loss.backward();                 // w.grad() == 2 * w
  // [docs-end]
  check(w.grad().to_vector<float>() == std::vector<float>{2, 4, 6}, "w.grad() == 2 * w");
}

void dense_options() {
  // [docs:dense-options]
  layers::Dense({.units = 64, .activation = "gelu", .use_bias = false,
                 .kernel_initializer = "he_normal", .kernel_regularizer = regularizers::L2(1e-4)});
  // [docs-end]
}

void models_and_training() {
  // [docs:models]
  Sequential model({layers::Input({28, 28}), layers::Flatten(),
                    layers::Dense(256, "relu"), layers::Dense(128, "relu"), layers::Dense(10)},
                   {.name = "fashion_mlp", .seed = 0});
  // [docs-end]
  auto [full_train, full_test] = datasets::fashion_mnist::load();
  const datasets::Split train = first(full_train, 2048), test = first(full_test, 512);
  Tensor x_train = train.x / 255.0f, x_test = test.x / 255.0f;
  // [docs:compile-fit]
  model.compile(optimizers::Adam(1e-3),
                losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  History h = model.fit(x_train, train.y, {.batch_size = 128, .epochs = 5, .validation_split = 0.1});
  Logs scores = model.evaluate(x_test, test.y);        // scores["loss"], scores["accuracy"]
  Tensor logits = model.predict(x_test);
  // [docs-end]
  check(h["val_accuracy"].size() == 5, "History holds one val_accuracy per epoch");
  check(scores.count("loss") == 1 && scores.count("accuracy") == 1, "evaluate logs loss and accuracy");
  check(logits.shape() == Shape{512, 10}, "predict gives (samples, 10) logits");

  Tensor x = x_train, y = train.y;
  // [docs:callbacks]
  auto stop = std::make_shared<callbacks::EarlyStopping>(
      callbacks::EarlyStopping::Options{.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
  auto log = std::make_shared<callbacks::CSVLogger>("training.csv");
  model.fit(x, y, {.epochs = 50, .callbacks = {stop, log}, .validation_split = 0.1});
  // [docs-end]
}

}  // namespace

int main() {
  data();
  tensors();
  dense_options();
  models_and_training();
}
