// The examples of docs/metrics.md exactly as the page prints them (docs_metrics checks the
// copies and runs this program: the standalone values are the page's, and compile/evaluate
// must log every metric under its name).
#include <cmath>
#include <stdexcept>
#include <string>

#include <temper/temper.hpp>
using namespace temper;

namespace {
void expect_near(double got, double want, const std::string& what) {
  if (std::fabs(got - want) > 1e-5) throw std::runtime_error("docs/metrics.md: " + what + " = " + std::to_string(got));
}
}  // namespace

int main() {
  // [docs:standalone]
  metrics::MeanIoU miou({.num_classes = 2});
  miou.update_state(Tensor::from_vector(std::vector<float>{0, 0, 1, 1}, {4}),
                    Tensor::from_vector(std::vector<float>{0, 1, 0, 1}, {4}));
  double iou = miou.result();  // 0.333: each class has 1 hit, 1 miss, 1 false alarm

  metrics::Precision precision({.thresholds = std::vector<double>{0.3, 0.7}});
  precision.update_state(Tensor::from_vector(std::vector<float>{0, 1, 1, 1}, {4}),
                         Tensor::from_vector(std::vector<float>{0.6, 0.4, 0.8, 0.9}, {4}));
  std::vector<double> at_each = precision.results();  // {0.75, 1.0}
  // [docs-end]
  expect_near(iou, 1.0 / 3, "MeanIoU");
  expect_near(at_each.at(0), 0.75, "precision at 0.3");
  expect_near(at_each.at(1), 1.0, "precision at 0.7");

  // [docs:compile]
  Sequential model({layers::Input({4}), layers::Dense(3, "softmax")});
  model.compile("adam", "sparse_categorical_crossentropy",
                {"accuracy", metrics::SparseTopKCategoricalAccuracy({.k = 2}),
                 metrics::MeanIoU({.num_classes = 3, .sparse_y_pred = false})});
  // [docs-end]
  Generator rng(1);
  const Tensor x = ops::random_uniform({16, 4}, 0, 1, rng);
  const Tensor y = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, {16});
  const Logs logs = model.evaluate(x, y, {.verbose = 0});
  for (const char* key : {"loss", "accuracy", "sparse_top_k_categorical_accuracy", "mean_io_u"})
    if (!logs.count(key)) throw std::runtime_error(std::string("docs/metrics.md: evaluate did not log ") + key);
}
