// Lesson 1: train a multilayer perceptron on Fashion-MNIST.
//
// Fashion-MNIST is 70,000 grayscale 28x28 pictures of clothes in 10 classes (T-shirt,
// trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot). We train a small
// fully connected network to tell them apart, exactly as you would in Keras:
//
//     model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(),
//                               layers.Dense(256, "relu"), layers.Dense(128, "relu"),
//                               layers.Dense(10)])
//
// Build and run:  cmake --build build && ./build/examples/01_fashion_mnist_mlp
// (the data comes from the Debian package `dataset-fashion-mnist`; pass another directory
// as the first argument, and an epoch count as the second, if you like).
#include <cstdio>
#include <string>

#include <temper/temper.hpp>

using namespace temper;

int main(int argc, char** argv) try {
  // 1. Load the data. `train.x` holds 60,000 images as bytes (uint8, shape (60000, 28, 28))
  //    and `train.y` their labels 0..9 (int32). The test split has 10,000 more.
  std::optional<std::filesystem::path> dir;
  if (argc > 1) dir = argv[1];
  const int epochs = argc > 2 ? std::stoi(argv[2]) : 5;
  auto [train, test] = datasets::fashion_mnist::load(dir);
  std::printf("train: x %s, y %s   test: x %s\n", shape_to_string(train.x.shape()).c_str(),
              shape_to_string(train.y.shape()).c_str(), shape_to_string(test.x.shape()).c_str());

  // 2. Scale the pixels from 0..255 to 0..1. Networks train best on small inputs; dividing a
  //    uint8 tensor by a float gives a float32 tensor, as in NumPy.
  Tensor x_train = train.x / 255.0f;
  Tensor x_test = test.x / 255.0f;

  // 3. Describe the model: a stack of layers. Input fixes the shape of one sample, Flatten
  //    turns each 28x28 image into a vector of 784 numbers, and each Dense layer computes
  //    relu(x @ W + b). The last layer has one output per class and no activation: its
  //    outputs are "logits", turned into probabilities by the loss below. The seed makes the
  //    run reproducible: same seed, same initial weights, same shuffling, same history.
  Sequential model({layers::Input({28, 28}), layers::Flatten(),
                    layers::Dense(256, "relu"), layers::Dense(128, "relu"),
                    layers::Dense(10)},
                   {.name = "fashion_mlp", .seed = 0});

  // 4. Choose how to learn: the Adam optimizer with learning rate 0.001, the cross-entropy
  //    between labels and softmax(logits) as the loss (`from_logits = true` because the last
  //    layer outputs logits), and accuracy as a metric to watch.
  model.compile(optimizers::Adam(1e-3),
                losses::SparseCategoricalCrossentropy({.from_logits = true}),
                {"accuracy"});

  // 5. Look at the model: every layer, its output shape and its number of weights.
  //    Dense(256) on 784 inputs has 784*256 weights + 256 biases = 200,960 parameters.
  model.summary();

  // 6. Train. Each epoch shows every training image once, in shuffled batches of 128; after
  //    each batch the optimizer nudges the weights downhill. The last 10% of the training
  //    set is held out to measure accuracy on images the model has not trained on.
  History history = model.fit(x_train, train.y,
                              {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});
  std::printf("validation accuracy per epoch:");
  for (double a : history["val_accuracy"]) std::printf(" %.4f", a);
  std::printf("\n");

  // 7. Evaluate on the test set, which played no part in training.
  Logs scores = model.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});

  // 8. Predict: probabilities for the first test image (softmax of the logits).
  Tensor logits = model.predict(x_test.slice_rows(0, 1), {.verbose = 0});
  Tensor probs = ops::softmax(logits);
  std::printf("first test image: predicted class %d (label %d), p = %.3f\n",
              static_cast<int>(ops::argmax(probs).item()), static_cast<int>(test.y.slice_rows(0, 1).item()),
              ops::max(probs).item());

  std::printf("Test loss: %.4f\n", scores.at("loss"));
  std::printf("Test accuracy: %.4f\n", scores.at("accuracy"));
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
