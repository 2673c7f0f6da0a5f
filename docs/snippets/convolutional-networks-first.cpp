// The first example of docs/convolutional-networks.md, a whole program exactly as printed
// there (docs_convolutional-networks checks the copy). It trains a convnet on all of
// Fashion-MNIST, so the build compiles it and lesson 3 (the same model,
// example_03_*) is what CTest runs.
// docs: compile-only
// [docs:program]
#include <temper/temper.hpp>
using namespace temper;

int main() {
  auto [train, test] = datasets::fashion_mnist::load();
  Tensor x = (train.x / 255.0f).reshape({-1, 28, 28, 1});     // add the channel axis (a view)

  Sequential model({layers::Input({28, 28, 1}),
                    layers::Conv2D(32, 3, "relu"),               // Conv2D(32, kernel_size=(3, 3), activation="relu")
                    layers::MaxPooling2D(2),                     // MaxPooling2D(pool_size=(2, 2))
                    layers::Conv2D(64, 3, "relu"),
                    layers::MaxPooling2D(2),
                    layers::Flatten(),
                    layers::Dropout(0.5),
                    layers::Dense(10, "softmax")});
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy(), {"accuracy"});
  model.fit(x, train.y, {.batch_size = 128, .epochs = 3});
}
// [docs-end]
