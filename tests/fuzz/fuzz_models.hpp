// fuzz_models.hpp — the small models weight files are loaded into: the architecture of the
// fixtures in tests/data/keras (mlp*.h5, mlp.keras), compiled with Adam so that optimizer
// state in a file is read too.
#pragma once
#include <memory>

#include "temper/temper.hpp"

namespace temper::fuzz {

/// Input(4) -> Dense(5, relu) -> Dropout(0.5) -> Dense(3, softmax), compiled (Adam, sparse
/// categorical crossentropy, accuracy), optimizer slots built.
inline std::shared_ptr<Sequential> mlp() {
  auto m = std::make_shared<Sequential>(std::vector<LayerRef>{
      layers::Input({4}), layers::Dense(5, "relu"), layers::Dropout(0.5), layers::Dense(3, "softmax")});
  m->compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy(), {"accuracy"});
  return m;
}

}  // namespace temper::fuzz
