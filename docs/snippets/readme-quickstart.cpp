// The README's first example, exactly as printed there (docs_README checks the copy). It
// trains on all of Fashion-MNIST, so the build compiles it and lesson 1 (the same model,
// example_01_*) is what CTest runs.
// docs: compile-only
// [docs:program]
#include <temper/temper.hpp>
using namespace temper;

int main() {
  auto [train, test] = datasets::fashion_mnist::load();
  Sequential model({layers::Input({28, 28}), layers::Flatten(),
                    layers::Dense(256, "relu"), layers::Dense(128, "relu"),
                    layers::Dense(10)});
  model.compile(optimizers::Adam(1e-3),
                losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  model.summary();
  auto history = model.fit(train.x / 255.0f, train.y,
                           {.batch_size = 128, .epochs = 5, .validation_split = 0.1});
  auto scores = model.evaluate(test.x / 255.0f, test.y);
  auto probs = model.predict(test.x / 255.0f);
}
// [docs-end]
