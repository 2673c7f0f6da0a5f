// The C++ blocks of docs/custom-layers.md, each between // [docs:NAME] and // [docs-end]
// exactly as the page prints it (docs_custom-layers checks the copies and runs this
// program: the layer and the loss train a small model).
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

int main() {
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
}
