// The examples of docs/layers.md exactly as the page prints them (docs_layers checks the copies
// and runs this program: it checks the values and configs the page states).
#include <cmath>
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

namespace {
void expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("docs/layers.md: ") + what);
}
}  // namespace

int main() {
  // [docs:activation-layers]
  Sequential model({layers::Input({32, 32, 3}),
                    layers::Conv2D(16, 3),
                    layers::PReLU({.shared_axes = std::vector<std::int64_t>{1, 2}}),  // one slope per channel
                    layers::Flatten(),
                    layers::Dense(64),
                    layers::LeakyReLU(0.1),
                    layers::Dense(10),
                    layers::Softmax()});
  // [docs-end]
  expect(model.get_layer("p_re_lu")->weights()[0]->shape() == Shape{1, 1, 16}, "PReLU alpha shape (1, 1, 16)");

  // [docs:relu]
  layers::ReLU relu({.max_value = 6.0, .negative_slope = 0.1, .threshold = 1.0});
  Tensor y = relu(Tensor::from_vector<float>({-2, 0.5, 3, 8}, {1, 4}));  // -0.3, -0.05, 3, 6
  // [docs-end]
  const auto v = y.to_vector<float>();
  expect(std::fabs(v[0] + 0.3f) < 1e-6f && std::fabs(v[1] + 0.05f) < 1e-6f && v[2] == 3.0f && v[3] == 6.0f,
         "ReLU values -0.3, -0.05, 3, 6");

  // [docs:keras-config]
  LayerPtr leaky = layers::deserialize(Config::parse(
      R"({"class_name": "LeakyReLU", "config": {"name": "leaky_re_lu", "alpha": 0.2}})"));
  // leaky->get_config()["negative_slope"] == 0.2
  // [docs-end]
  expect(leaky->get_config()["negative_slope"] == 0.2, "alpha read as negative_slope");
}
