// The C++ blocks of docs/custom-layers.md, each between // [docs:NAME] and // [docs-end]
// exactly as the page prints it (docs_custom-layers checks the copies and runs this
// program: the layer and the loss train a small model).
#include <iostream>
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

// [docs:layer]
class Gated final : public Layer {
 public:
  explicit Gated(std::int64_t units, std::string name = "") : Layer(std::move(name)), units_(units) {}
  std::string class_name() const override { return "Gated"; }
  void build(const Shape& s) override {
    w_ = add_weight("kernel", {s.back(), units_}, initializers::GlorotUniform());
    b_ = add_weight("bias", {units_}, initializers::Zeros());
    Layer::build(s);
  }
  Tensor call(const Tensor& x, bool) override {
    return ops::tanh(ops::add(ops::matmul(x, w_->value), b_->value));
  }
  Shape compute_output_shape(const Shape& s) const override { Shape o = s; o.back() = units_; return o; }
 private:
  std::int64_t units_;
  VariablePtr w_, b_;
};
// [docs-end]

// [docs:declared]
// A layer whose arguments are declared once: the table gives get_config, from_config,
// the constructor's checks and the registry's argument list.
struct ScaleOptions {
  double factor = 1.0;
  std::string mode = "multiply";
  std::string name{};
};

class Scale final : public layers::LayerClass<Scale, ScaleOptions> {
 public:
  static constexpr const char* keras_class = "Scale";
  using LayerClass::LayerClass;  // Scale(Options), checked against the table
  static const Arguments<Options>& arguments() {
    static const auto args = Arguments<Options>("Scale")
                                 .required("factor", &Options::factor, positive_number())
                                 .add("mode", &Options::mode, one_of({"multiply", "divide"}));
    return args;
  }
  Tensor call(const Tensor& x, bool) override {
    return options_.mode == "multiply" ? ops::multiply(x, options_.factor) : ops::multiply(x, 1.0 / options_.factor);
  }
};

const layers::LayerRegistration<Scale> scale_registered{{"Scale"}};
// [docs-end]

void check_declared_layer() {
  // [docs:declared-use]
  LayerPtr s = layers::deserialize({{"class_name", "Scale"}, {"config", {{"factor", 2.0}}}});
  // {"name": "", "trainable": true, "dtype": "float32", "factor": 2.0, "mode": "multiply"}
  Config c = s->get_config();
  try {
    layers::deserialize({{"class_name", "Scale"}, {"config", {{"factor", 2.0}, {"mdoe", "divide"}}}});
  } catch (const ArgumentError& e) {
    // Scale argument 'mdoe': unknown argument 'mdoe' of Scale. Did you mean 'mode'? ...
    std::cerr << e.what() << "\n";
  }
  // [docs-end]
  if (c["factor"] != 2.0 || c["mode"] != "multiply")
    throw std::runtime_error("docs/custom-layers.md: Scale's get_config is not the declared table");
  bool rejected = false;
  try {
    layers::deserialize({{"class_name", "Scale"}, {"config", {{"factor", 2.0}, {"mdoe", "divide"}}}});
  } catch (const ArgumentError& e) {
    rejected = std::string(e.what()).find("Did you mean 'mode'?") != std::string::npos;
  }
  if (!rejected) throw std::runtime_error("docs/custom-layers.md: a misspelt argument was not rejected");
}

int main() {
  check_declared_layer();
  SymbolicTensor in = Input({4});
  auto gated = make_layer<Gated>(8);
  Model model(in, layers::Dense(1)((*gated)(in)), ModelOptions{.seed = 0});
  // [docs:loss]
  auto my_loss = losses::LossFunctionWrapper(
      [](const Tensor& t, const Tensor& p) { return ops::mean(ops::square(ops::subtract(p, t)), {-1}); },
      "my_mse");
  model.compile("adam", my_loss);
  // [docs-end]
  Generator rng(5);
  Tensor x = ops::random_normal({64, 4}, 0, 1, rng);
  Tensor y = ops::sum(x, {-1}, true);
  History h = model.fit(x, y, {.epochs = 20, .verbose = 0});
  if (!(h["loss"].back() < h["loss"].front()))
    throw std::runtime_error("docs/custom-layers.md: the Gated model's my_mse loss did not decrease");

  // [docs:activation]
  activations::register_activation("squareplus", [](const Tensor& x) {
    return ops::multiply(ops::add(x, ops::sqrt(ops::add(ops::square(x), 4.0))), 0.5);
  });
  layers::Dense hidden(16, "squareplus");  // found by name, also in YAML configs and model files
  // [docs-end]
  if (hidden.get_config()["activation"] != "squareplus")
    throw std::runtime_error("docs/custom-layers.md: a registered activation must keep its name in configs");
}
