// The README's functional-API fragment (docs_README checks the copy and runs this program in
// a scratch directory: it builds, compiles and saves the two-input model).
#include <temper/temper.hpp>
using namespace temper;

int main() {
  // [docs:functional]
  SymbolicTensor top = Input({14, 28}, "top"), bottom = Input({14, 28}, "bottom");
  auto encoder = make_layer<layers::Dense>(128, "relu");          // shared: called twice
  SymbolicTensor h = layers::Concatenate()({encoder(layers::Flatten()(top)),
                                             encoder(layers::Flatten()(bottom))});
  SymbolicTensor clothing = layers::Dense(layers::Dense::Options{.units = 10, .name = "clothing"})(h);
  SymbolicTensor footwear = layers::Dense(layers::Dense::Options{.units = 1, .activation = "sigmoid",
                                                                  .name = "footwear"})(h);
  Model model({top, bottom}, {clothing, footwear});
  model.compile("adam", {.losses = {{"clothing", "sparse_categorical_crossentropy"},
                                    {"footwear", "binary_crossentropy"}},
                         .loss_weights = {{"clothing", 1.0}, {"footwear", 0.2}}});
  model.save("two_halves.keras");                                  // opens in Python Keras
  // [docs-end]
  return load_model("two_halves.keras")->output_names().size() == 2 ? 0 : 1;
}
