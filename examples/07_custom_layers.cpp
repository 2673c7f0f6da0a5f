// Lesson 7: your own layers, losses and metrics.
//
// A custom layer is a class derived from temper::Layer: it creates its weights in build()
// (when the input shape is first known) and computes its output in call() from differentiable
// ops. There is no backward pass to write: the autodiff records the ops and differentiates
// them. This is Keras's subclassing API:
//
//     class Gated(keras.layers.Layer):
//         def __init__(self, units): super().__init__(); self.units = units
//         def build(self, input_shape):
//             self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
//             self.g = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
//             self.b = self.add_weight(shape=(self.units,), initializer="zeros")
//         def call(self, x): return ops.tanh(x @ self.w + self.b) * ops.sigmoid(x @ self.g)
//
// We fit y = tanh(3 x0) * x1 on generated data with a custom layer, a custom loss (written as a
// function) and a custom metric, then save the architecture as Keras JSON and read it back.
//
// Build and run:  cmake --build build && ./build/examples/07_custom_layers
#include <cmath>
#include <cstdio>

#include <temper/temper.hpp>

using namespace temper;

// 1. The layer. Its constructor takes its arguments; build() adds the weights with Keras's
//    add_weight; call() composes ops. get_config()/from_config() make it serialisable.
class Gated final : public Layer {
 public:
  explicit Gated(std::int64_t units, std::string name = "") : Layer(std::move(name)), units_(units) {}

  std::string class_name() const override { return "Gated"; }

  void build(const Shape& input_shape) override {
    const std::int64_t in = input_shape.back();
    w_ = add_weight("kernel", {in, units_}, initializers::GlorotUniform());
    g_ = add_weight("gate_kernel", {in, units_}, initializers::GlorotUniform());
    b_ = add_weight("bias", {units_}, initializers::Zeros());
    Layer::build(input_shape);  // marks the layer built
  }

  Tensor call(const Tensor& x, bool /*training*/) override {
    Tensor value = ops::tanh(ops::add(ops::matmul(x, w_->value), b_->value));
    Tensor gate = ops::sigmoid(ops::matmul(x, g_->value));
    return ops::multiply(value, gate);
  }

  Shape compute_output_shape(const Shape& input_shape) const override {
    Shape out = input_shape;
    out.back() = units_;
    return out;
  }

  Config get_config() const override {
    Config c = base_config();
    c["units"] = units_;
    return c;
  }

  static LayerPtr from_config(const Config& c) {
    return std::make_shared<Gated>(c.at("units").get<std::int64_t>(), c.value("name", std::string()));
  }

 private:
  std::int64_t units_;
  VariablePtr w_, g_, b_;
};

int main() try {
  // 2. Register the class so that configs naming "Gated" can be loaded (Keras:
  //    register_keras_serializable / custom_objects).
  layers::register_layer("Gated", Gated::from_config);

  // 3. Data: 2,048 points in [-1, 1]^2 and the target tanh(3 x0) * x1.
  Generator rng(42);
  Tensor x = ops::random_uniform({2048, 2}, -1.0, 1.0, rng);
  Tensor y = ops::multiply(ops::tanh(ops::multiply(ops::slice(x, 1, 0, 1), 3.0)), ops::slice(x, 1, 1, 2));

  // 4. A model mixing our layer, a Lambda (a function as a layer) and a built-in Dense.
  SymbolicTensor inputs = Input({2}, "xy");
  SymbolicTensor h = Gated(32)(inputs);
  h = Gated(32)(h);
  h = layers::Lambda([](const Tensor& t) { return ops::multiply(t, 2.0); },
                     layers::LambdaOptions{.function_name = "double", .name = "double"})(h);
  SymbolicTensor outputs = layers::Dense(1)(h);
  Model model(inputs, outputs, ModelOptions{.name = "gated_net", .seed = 1});
  model.summary();

  // 5. A custom loss is a per-sample function of ops; so is a custom metric.
  // Here: squared error plus a small absolute-error term.
  auto my_loss = losses::LossFunctionWrapper(
      [](const Tensor& t, const Tensor& p) {
        Tensor e = ops::subtract(p, t);
        return ops::mean(ops::add(ops::square(e), ops::multiply(ops::abs(e), 0.1)), {-1});
      },
      "squared_plus_abs");
  auto abs_error = metrics::MeanMetricWrapper(
      [](const Tensor& t, const Tensor& p) { return ops::max(ops::abs(ops::subtract(p, t)), {-1}); }, "abs_error");
  model.compile(optimizers::Adam(3e-3), my_loss, {abs_error});

  History history = model.fit(x, y, {.batch_size = 64, .epochs = 40, .verbose = 0});
  std::printf("loss: first epoch %.5f, last epoch %.5f\n", history["loss"].front(), history["loss"].back());
  std::printf("mean absolute error after training: %.4f\n", history["abs_error"].back());

  // 6. The architecture round-trips through Keras's JSON, custom layer and Lambda included
  //    (the Lambda's function is found by the name it was registered under).
  layers::register_lambda_function("double", [](const Tensor& t) { return ops::multiply(t, 2.0); });
  auto copy = model_from_json(model_to_json(model));
  copy->set_weights(model.get_weights());
  Tensor probe = ops::random_uniform({4, 2}, -1.0, 1.0, rng);
  const double diff = ops::max(ops::abs(ops::subtract(model.predict(probe, {.verbose = 0}),
                                                       copy->predict(probe, {.verbose = 0})))).item();
  std::printf("reloaded model gives the same predictions: max difference %.2g\n", diff);
  std::printf("Final loss: %.5f\n", history["loss"].back());
  return history["loss"].back() < 0.2 * history["loss"].front() && diff == 0.0 ? 0 : 1;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
