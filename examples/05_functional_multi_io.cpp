// Lesson 5: the functional API — two inputs, two outputs, one shared layer.
//
// Not every model is a stack. Here each Fashion-MNIST picture is cut into its top and bottom
// halves, which enter the model as two separate inputs. One Dense "half encoder" reads both
// halves: it is the *same* layer, called twice, so both halves are described with the same
// weights (a shared layer; its gradients from both calls add up). The two codes are joined and
// feed two heads:
//   - "clothing": which of the 10 classes the picture shows (the main task), and
//   - "footwear": is it a sandal, a sneaker or an ankle boot? (an auxiliary yes/no task).
// In Keras this is:
//
//     top = keras.Input((14, 28), name="top"); bottom = keras.Input((14, 28), name="bottom")
//     encoder = layers.Dense(128, activation="relu", name="half_encoder")
//     h = layers.Concatenate()([encoder(layers.Flatten()(top)), encoder(layers.Flatten()(bottom))])
//     clothing = layers.Dense(10, name="clothing")(layers.Dense(128, activation="relu")(h))
//     footwear = layers.Dense(1, activation="sigmoid", name="footwear")(h)
//     model = keras.Model([top, bottom], [clothing, footwear])
//
// Build and run:  cmake --build build && ./build/examples/05_functional_multi_io [data dir] [epochs]
#include <cstdio>
#include <string>

#include <temper/temper.hpp>

using namespace temper;

namespace {

// 1 for sandals (5), sneakers (7) and ankle boots (9), else 0: the auxiliary target.
Tensor footwear_labels(const Tensor& labels) {
  std::vector<float> out;
  for (std::int32_t c : labels.to_vector<std::int32_t>()) out.push_back(c == 5 || c == 7 || c == 9 ? 1.0f : 0.0f);
  return Tensor::from_vector(out, {static_cast<std::int64_t>(out.size()), 1});
}

}  // namespace

int main(int argc, char** argv) try {
  std::optional<std::filesystem::path> dir;
  if (argc > 1) dir = argv[1];
  const int epochs = argc > 2 ? std::stoi(argv[2]) : 3;

  // 1. Data: pixels scaled to 0..1, then each image split into rows 0-13 and rows 14-27.
  auto [train, test] = datasets::fashion_mnist::load(dir);
  Tensor x_train = train.x / 255.0f, x_test = test.x / 255.0f;
  Tensor top_train = ops::slice(x_train, 1, 0, 14), bottom_train = ops::slice(x_train, 1, 14, 28);
  Tensor top_test = ops::slice(x_test, 1, 0, 14), bottom_test = ops::slice(x_test, 1, 14, 28);
  Tensor shoes_train = footwear_labels(train.y), shoes_test = footwear_labels(test.y);

  // 2. Symbolic inputs: Input() describes one sample; the batch axis is implicit.
  SymbolicTensor top = Input({14, 28}, "top");
  SymbolicTensor bottom = Input({14, 28}, "bottom");

  // 3. A layer we call twice must outlive both calls: make_layer keeps it in shared
  //    ownership. Layers called once can be temporaries, as in Keras.
  auto encoder = make_layer<layers::Dense>(layers::Dense::Options{.units = 128, .activation = "relu", .name = "half_encoder"});
  SymbolicTensor top_code = encoder(layers::Flatten()(top));
  SymbolicTensor bottom_code = encoder(layers::Flatten()(bottom));  // same weights as above
  SymbolicTensor joined = layers::Concatenate()({top_code, bottom_code});

  // 4. Two heads, named so that losses, metrics and logs can refer to them.
  SymbolicTensor hidden = layers::Dense(128, "relu")(joined);
  SymbolicTensor clothing = layers::Dense(layers::Dense::Options{.units = 10, .name = "clothing"})(hidden);
  SymbolicTensor footwear =
      layers::Dense(layers::Dense::Options{.units = 1, .activation = "sigmoid", .name = "footwear"})(joined);

  // 5. The model is the graph between the inputs and the outputs. Its summary has Keras's
  //    "Connected to" column: half_encoder shows both of its calls.
  Model model({top, bottom}, {clothing, footwear}, ModelOptions{.name = "two_halves", .seed = 0});
  model.summary();

  // 6. One loss per output, weighted: the auxiliary task counts a fifth as much. Metrics per
  //    output are logged as "<output>_<metric>", losses as "<output>_loss".
  model.compile(optimizers::Adam(1e-3),
                {.losses = {{"clothing", losses::SparseCategoricalCrossentropy({.from_logits = true})},
                            {"footwear", "binary_crossentropy"}},
                 .loss_weights = {{"clothing", 1.0}, {"footwear", 0.2}},
                 .output_metrics = {{"clothing", {"accuracy"}}, {"footwear", {"accuracy"}}}});

  // 7. Inputs and targets are given in model order (lists) — or as name -> tensor maps.
  model.fit({top_train, bottom_train}, Tensors::named({{"clothing", train.y}, {"footwear", shoes_train}}),
            {.batch_size = 128, .epochs = epochs, .validation_split = 0.1});

  Logs scores = model.evaluate({top_test, bottom_test}, {test.y, shoes_test}, {.batch_size = 256, .verbose = 0});
  for (const auto& [name, value] : scores) std::printf("test %s: %.4f\n", name.c_str(), value);
  std::printf("Test accuracy (clothing): %.4f\n", scores.at("clothing_accuracy"));
  std::printf("Test accuracy (footwear): %.4f\n", scores.at("footwear_accuracy"));
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
