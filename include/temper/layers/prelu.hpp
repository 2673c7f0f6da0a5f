// prelu.hpp — the PReLU layer (Keras: keras.layers.PReLU).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Constructor arguments of PReLU, with Keras's names and defaults.
struct PReLUOptions {
  initializers::Initializer alpha_initializer = "zeros";
  regularizers::Regularizer alpha_regularizer = {};
  constraints::Constraint alpha_constraint = {};
  std::optional<std::vector<std::int64_t>> shared_axes{};
  std::string name{};
};

/// Parametric ReLU: `x` for x >= 0, `alpha * x` otherwise, with a learned `alpha` (Keras:
/// keras.layers.PReLU). `alpha` has the shape of one sample, except that the `shared_axes`
/// (1-based sample axes, as in Keras) have extent 1 so that one slope is shared along them:
/// for images (batch, h, w, c) `shared_axes = {1, 2}` learns one slope per channel. The weight
/// is named "alpha", as in Keras, so weights map one to one.
class PReLU final : public LayerClass<PReLU, PReLUOptions> {
 public:
  static constexpr const char* keras_class = "PReLU";
  using LayerClass::LayerClass;
  PReLU() : LayerClass(Options{}) {}

  void build(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  void check_input_shape(const Shape& input_shape) const override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const VariablePtr& alpha() const noexcept { return alpha_; }

 private:
  bool shared(std::size_t axis) const;
  VariablePtr alpha_;
};

}  // namespace temper::layers
