// lambda.hpp — wraps a C++ function as a layer (Keras: keras.layers.Lambda).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "temper/layer.hpp"

namespace temper::layers {

/// Options of Lambda beyond its function.
struct LambdaOptions {
  /// Output shape for one input (batch axis included, -1 for unknown); when absent the
  /// shape is found by running the function on a small zero batch.
  std::optional<Shape> output_shape{};
  /// Name under which the function was registered with register_lambda_function; lets
  /// get_config()/from_config() round-trip the layer (Keras stores Python bytecode instead).
  std::string function_name{};
  std::string name{};
};

/// A layer whose forward pass is a function of differentiable ops (Keras: keras.layers.Lambda).
/// Gradients come from autodiff; a Lambda has no weights. With several inputs the function
/// receives them all (`LambdaMultiFn`).
class Lambda final : public Layer {
 public:
  using Fn = std::function<Tensor(const Tensor&)>;
  using MultiFn = std::function<Tensor(const std::vector<Tensor>&)>;
  explicit Lambda(Fn fn, LambdaOptions options = {});
  explicit Lambda(MultiFn fn, LambdaOptions options = {});

  std::string class_name() const override { return "Lambda"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  void build_multi(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;
  /// Needs the function registered under the config's "function" name; otherwise a
  /// ConfigError says how to register it.
  static LayerPtr from_config(const Config& config);
  std::shared_ptr<Layer> move_into_shared() override;

 private:
  MultiFn fn_;
  LambdaOptions options_;
};

/// Registers a function for Lambda layers loaded from configs (Keras: custom_objects).
void register_lambda_function(const std::string& name, Lambda::MultiFn fn);
void register_lambda_function(const std::string& name, Lambda::Fn fn);

}  // namespace temper::layers
