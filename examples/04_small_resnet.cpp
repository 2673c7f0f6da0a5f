// Lesson 4: a small residual network with batch normalization (functional API).
//
// Deep stacks of convolutions train badly: the signal and its gradient fade as they pass
// through many layers. A residual block adds its input back to its output, y = relu(x + F(x)),
// so each block only has to learn a correction F and the identity path carries the gradient.
// BatchNormalization after each convolution keeps activations at a steady scale. A skip
// connection is not a stack, so the model is written with the functional API:
//
//     def block(x, filters, stride):
//         shortcut = x
//         y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
//         y = layers.Activation("relu")(layers.BatchNormalization()(y))
//         y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
//         if stride != 1 or x.shape[-1] != filters:      # reshape the shortcut to match
//             shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
//         return layers.Activation("relu")(layers.Add()([shortcut, y]))
//
// Build and run:  cmake --build build && ./build/examples/04_small_resnet [data dir] [epochs] [train samples]
#include <cstdio>
#include <string>

#include <temper/temper.hpp>

using namespace temper;

namespace {

// Convolution -> batch normalization; the convolution has no bias because the
// normalization's beta plays that role. Momentum 0.9 instead of Keras's default 0.99 lets the
// moving averages (used at inference) catch up within a few dozen steps: this network's
// convolutions start with outputs of variance ~0.01, far from the averages' initial 1.
SymbolicTensor conv_bn(const SymbolicTensor& x, std::int64_t filters, std::int64_t kernel, std::int64_t stride) {
  SymbolicTensor y = layers::Conv2D(layers::Conv2DOptions{.filters = filters, .kernel_size = kernel, .strides = stride,
                                                          .padding = "same", .use_bias = false})(x);
  return layers::BatchNormalization(layers::BatchNormalizationOptions{.momentum = 0.9})(y);
}

// One residual block: two 3x3 convolutions and a shortcut, added and passed through relu.
SymbolicTensor residual_block(const SymbolicTensor& x, std::int64_t filters, std::int64_t stride) {
  SymbolicTensor y = layers::Activation("relu")(conv_bn(x, filters, 3, stride));
  y = conv_bn(y, filters, 3, 1);
  SymbolicTensor shortcut = x;
  if (stride != 1 || x.shape().back() != filters) shortcut = conv_bn(x, filters, 1, stride);  // projection
  return layers::Activation("relu")(layers::Add()({shortcut, y}));
}

}  // namespace

int main(int argc, char** argv) try {
  std::optional<std::filesystem::path> dir;
  if (argc > 1 && argv[1][0] != '\0') dir = argv[1];
  const int epochs = argc > 2 ? std::stoi(argv[2]) : 3;
  auto [train, test] = datasets::fashion_mnist::load(dir);
  const std::int64_t n_train = argc > 3 ? std::min<std::int64_t>(std::stoll(argv[3]), train.x.shape()[0]) : train.x.shape()[0];

  // 1. Images get a channel axis: (N, 28, 28) -> (N, 28, 28, 1), channels last as in Keras.
  Tensor x_train = (train.x.slice_rows(0, n_train) / 255.0f).reshape({-1, 28, 28, 1});
  Tensor y_train = train.y.slice_rows(0, n_train);
  Tensor x_test = (test.x / 255.0f).reshape({-1, 28, 28, 1});

  // 2. A stem (convolution + 2x2 max pooling: 14x14 maps), two residual stages (14x14 with
  //    32 filters, then 7x7 with 64), global average pooling and a linear classifier.
  SymbolicTensor inputs = Input({28, 28, 1}, "image");
  SymbolicTensor h = layers::Activation("relu")(conv_bn(inputs, 32, 3, 1));
  h = layers::MaxPooling2D()(h);
  h = residual_block(h, 32, 1);
  h = residual_block(h, 64, 2);
  h = layers::GlobalAveragePooling2D()(h);
  SymbolicTensor logits = layers::Dense(10)(h);
  Model model(inputs, logits, ModelOptions{.name = "small_resnet", .seed = 0});
  model.summary();  // note the non-trainable params: BatchNormalization's moving statistics

  model.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});

  // 3. During fit, BatchNormalization normalises with each batch's statistics and updates its
  //    moving averages (momentum 0.9: each step moves them 10% of the way); evaluate and
  //    predict use the moving averages instead.
  model.fit(x_train, y_train, {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});
  Logs scores = model.evaluate(x_test, test.y, {.batch_size = 256, .verbose = 0});
  std::printf("Test loss: %.4f\n", scores.at("loss"));
  std::printf("Test accuracy: %.4f\n", scores.at("accuracy"));
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
