// variable.hpp — a named, trainable (or not) tensor owned by a layer.
#pragma once
#include <memory>
#include <string>

#include "temper/constraints.hpp"
#include "temper/tensor.hpp"

namespace temper {

/// A model weight (Keras: keras.Variable). `value` is a leaf tensor that requires a gradient
/// when the variable is trainable; optimizers update it in place so that every holder of the
/// tensor sees the new values. `path` is `<layer name>/<variable name>` as in Keras 3.
struct Variable {
  std::string name;   ///< e.g. "kernel"
  std::string path;   ///< e.g. "dense/kernel"
  Tensor value;
  bool trainable = true;
  /// Applied by the optimizer after each update (Keras: the variable's `constraint`).
  constraints::Constraint constraint{};

  const Shape& shape() const { return value.shape(); }
  std::int64_t numel() const { return value.numel(); }
};

using VariablePtr = std::shared_ptr<Variable>;

}  // namespace temper
