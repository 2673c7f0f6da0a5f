// The first example of docs/functional-api.md, a whole program exactly as printed there
// (docs_functional-api checks the copy and runs it).
// [docs:program]
#include <temper/temper.hpp>
using namespace temper;

int main() {
  SymbolicTensor inputs = Input({784}, "pixels");          // one sample's shape; batch implied
  SymbolicTensor h = layers::Dense(64, "relu")(inputs);     // calling a layer records a node
  SymbolicTensor outputs = layers::Dense(10)(h);
  Model model(inputs, outputs, ModelOptions{.name = "mlp", .seed = 0});
  model.summary();
}
// [docs-end]
