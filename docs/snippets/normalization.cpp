// The example of docs/normalization.md exactly as the page prints it (docs_normalization
// checks the copy and runs this program: it builds the model and fits it briefly, so the
// BatchNormalization moving statistics must change in training only).
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

int main() {
  // [docs:model]
  Sequential model({layers::Input({28, 28}), layers::Flatten(),
                    layers::Dense(256), layers::BatchNormalization(), layers::Activation("relu"),
                    layers::GaussianDropout(0.2), layers::Dense(10)});
  // [docs-end]
  Generator rng(3);
  Tensor x = ops::random_uniform({64, 28, 28}, 0, 1, rng);
  Tensor y = ops::cast(ops::floor(ops::random_uniform({64}, 0, 10, rng)), DType::Int32);
  model.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}));
  const Tensor before = model.get_layer("batch_normalization")->non_trainable_weights()[0]->value.clone();
  model.predict(x);
  const Tensor after_predict = model.get_layer("batch_normalization")->non_trainable_weights()[0]->value;
  if (ops::max(ops::abs(ops::subtract(before, after_predict))).item() != 0.0)
    throw std::runtime_error("docs/normalization.md: predict must not update the moving mean");
  model.fit(x, y, {.epochs = 1, .verbose = 0});
  const Tensor after_fit = model.get_layer("batch_normalization")->non_trainable_weights()[0]->value;
  if (ops::max(ops::abs(ops::subtract(before, after_fit))).item() == 0.0)
    throw std::runtime_error("docs/normalization.md: fit must update the moving mean");
}
