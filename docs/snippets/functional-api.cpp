// The C++ fragments of docs/functional-api.md, each between // [docs:NAME] and // [docs-end]
// exactly as the page prints it (docs_functional-api checks the copies and runs this
// program). The code around the regions defines what the page assumes: inputs, a two-output
// model like the page's, and a few random samples to fit on.
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("docs/functional-api.md: ") + what);
}

void shared_layers() {
  SymbolicTensor input_a = Input({16}, "a"), input_b = Input({16}, "b");
  // [docs:shared]
  auto encoder = make_layer<layers::Dense>(128, "relu");
  auto a = encoder(input_a);
  auto b = encoder(input_b);                                // same kernel and bias
  // [docs-end]
  Model model({input_a, input_b}, {layers::Add()({a, b})});
  check(model.trainable_weights().size() == 2, "one kernel and one bias for both calls");
}

void several_inputs_and_outputs() {
  SymbolicTensor in_top = Input({14, 28}, "top"), in_bottom = Input({14, 28}, "bottom");
  SymbolicTensor h = layers::Concatenate()({layers::Flatten()(in_top), layers::Flatten()(in_bottom)});
  SymbolicTensor clothing = layers::Dense(layers::Dense::Options{.units = 10, .name = "clothing"})(h);
  SymbolicTensor footwear =
      layers::Dense(layers::Dense::Options{.units = 1, .activation = "sigmoid", .name = "footwear"})(h);
  Model model({in_top, in_bottom}, {clothing, footwear}, ModelOptions{.name = "two_halves", .seed = 0});
  Generator rng(1);
  Tensor top = ops::random_uniform({64, 14, 28}, 0, 1, rng), bottom = ops::random_uniform({64, 14, 28}, 0, 1, rng);
  Tensor labels = ops::cast(ops::floor(ops::random_uniform({64}, 0, 10, rng)), DType::Int32);
  Tensor is_shoe = ops::floor(ops::random_uniform({64, 1}, 0, 2, rng));
  // [docs:several-io]
  model.compile(optimizers::Adam(1e-3),
                {.losses = {{"clothing", losses::SparseCategoricalCrossentropy({.from_logits = true})},
                            {"footwear", "binary_crossentropy"}},
                 .loss_weights = {{"clothing", 1.0}, {"footwear", 0.2}},
                 .output_metrics = {{"clothing", {"accuracy"}}}});
  model.fit({top, bottom}, {labels, is_shoe}, {.epochs = 3});
  model.fit(Tensors::named({{"top", top}, {"bottom", bottom}}),
            Tensors::named({{"clothing", labels}, {"footwear", is_shoe}}));
  std::vector<Tensor> both = model.predict_outputs({top, bottom});
  // [docs-end]
  check(both.size() == 2 && both[0].shape() == Shape{64, 10} && both[1].shape() == Shape{64, 1},
        "predict_outputs returns both outputs");
}

void nested_models() {
  SymbolicTensor fx_in = Input({8}, "features");
  SymbolicTensor fx_out = layers::Dense(4, "relu")(fx_in);
  SymbolicTensor left = Input({8}, "left"), right = Input({8}, "right");
  // [docs:nested]
  auto extractor = std::make_shared<Model>(fx_in, fx_out, ModelOptions{.name = "extractor"});
  auto d = layers::Subtract()({(*extractor)(left), (*extractor)(right)});
  // [docs-end]
  Model siamese({left, right}, {d});
  check(siamese.trainable_weights().size() == 2, "the extractor's weights are shared by both calls");
}

}  // namespace

int main() {
  shared_layers();
  several_inputs_and_outputs();
  nested_models();
}
