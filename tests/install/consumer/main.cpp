#include <cstdio>

#include <temper/temper.hpp>

int main() {
  using namespace temper;
  Sequential model({layers::Input({3}), layers::Dense(2, "relu"), layers::Dense(1)}, {.seed = 1});
  model.compile("adam", "mse");
  Tensor x = Tensor::ones({4, 3});
  Tensor y = Tensor::zeros({4, 1});
  Logs logs = model.train_on_batch(x, y);
  std::printf("consumer ok: loss %.4f, %lld params\n", logs.at("loss"), static_cast<long long>(model.count_params()));
  return 0;
}
