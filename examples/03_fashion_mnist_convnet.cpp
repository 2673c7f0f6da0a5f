// Lesson 3: a convolutional network for Fashion-MNIST.
//
// Lesson 1 flattened each 28x28 picture into 784 unrelated numbers. A convolutional network
// keeps the picture a picture: a Conv2D layer slides small 3x3 filters over the image and
// learns to detect local patterns (edges, corners, textures) wherever they appear, and a
// MaxPooling2D layer halves the resolution by keeping the strongest response in each 2x2
// block. Stacking the two lets later filters see larger parts of the garment. This is the
// Keras "simple MNIST convnet" example, unchanged:
//
//     model = keras.Sequential([
//         keras.Input(shape=(28, 28, 1)),
//         layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
//         layers.MaxPooling2D(pool_size=(2, 2)),
//         layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
//         layers.MaxPooling2D(pool_size=(2, 2)),
//         layers.Flatten(),
//         layers.Dropout(0.5),
//         layers.Dense(num_classes, activation="softmax"),
//     ])
//
// Three epochs reach about 87% test accuracy; more epochs reach ~91% (15 epochs, pass the
// epoch count as the second argument). On a quiet 2-core machine an epoch takes ~10-15 s.
//
// Build and run:  cmake --build build && ./build/examples/03_fashion_mnist_convnet [data-dir] [epochs]
#include <cstdio>
#include <string>

#include <temper/temper.hpp>

using namespace temper;

int main(int argc, char** argv) try {
  // 1. Load the data: 60,000 training and 10,000 test images as bytes, labels 0..9.
  std::optional<std::filesystem::path> dir;
  if (argc > 1 && std::string(argv[1]) != "-") dir = argv[1];
  const int epochs = argc > 2 ? std::stoi(argv[2]) : 3;
  auto [train, test] = datasets::fashion_mnist::load(dir);

  // 2. Scale the pixels to 0..1 and add a channel axis. Convolution layers take images as
  //    (batch, height, width, channels) — "channels_last", Keras's default layout. A grayscale
  //    image has one channel, so (60000, 28, 28) becomes (60000, 28, 28, 1). The reshape is a
  //    view: no pixel is copied.
  Tensor x_train = (train.x / 255.0f).reshape({-1, 28, 28, 1});
  Tensor x_test = (test.x / 255.0f).reshape({-1, 28, 28, 1});
  std::printf("x_train %s, x_test %s\n", shape_to_string(x_train.shape()).c_str(),
              shape_to_string(x_test.shape()).c_str());

  // 3. The model. Follow one image through it:
  //      Input            28x28x1
  //      Conv2D 32, 3x3   26x26x32   ("valid" padding: a 3x3 window fits 26 times in 28)
  //      MaxPooling2D 2   13x13x32
  //      Conv2D 64, 3x3   11x11x64
  //      MaxPooling2D 2    5x5x64    (the odd last row and column are dropped, as in Keras)
  //      Flatten          1600
  //      Dropout 0.5      (during training only: zeroes half the features at random, which
  //                        keeps the network from leaning on any single one)
  //      Dense 10 softmax one probability per class
  //    Conv2D(32, 3, "relu") has 3*3*1*32 weights + 32 biases = 320 parameters; the kernel is
  //    stored as (3, 3, 1, 32), exactly like Keras, so Keras weights load one to one.
  Sequential model({layers::Input({28, 28, 1}),
                    layers::Conv2D(32, 3, "relu"),
                    layers::MaxPooling2D(2),
                    layers::Conv2D(64, 3, "relu"),
                    layers::MaxPooling2D(2),
                    layers::Flatten(),
                    layers::Dropout(0.5),
                    layers::Dense(10, "softmax")},
                   {.name = "fashion_convnet", .seed = 0});

  // 4. Learn with Adam and the cross-entropy of the predicted probabilities (the last layer
  //    already applies softmax, so from_logits stays false, Keras's default).
  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy(), {"accuracy"});
  model.summary();

  // 5. Train in batches of 128 on all 60,000 training images, reshuffled every epoch (the
  //    PyTorch reference in ../shared/bench trains the same way; Keras's example also holds
  //    out 10% for validation: add `.validation_split = 0.1` to watch val_accuracy, at the
  //    price of a tenth of the training data).
  History history = model.fit(x_train, train.y, {.batch_size = 128, .epochs = epochs});
  std::printf("training accuracy per epoch:");
  for (double a : history["accuracy"]) std::printf(" %.4f", a);
  std::printf("\n");

  // 6. Evaluate on the test set and look at one prediction.
  Logs scores = model.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});
  Tensor probs = model.predict(x_test.slice_rows(0, 1), {.verbose = 0});
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
