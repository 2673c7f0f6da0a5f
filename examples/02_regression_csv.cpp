// Lesson 2: regression on a table of numbers read from CSV.
//
// The diabetes data set (442 patients, 10 measurements each: age, sex, body-mass index,
// blood pressure and six blood serum values) comes with scikit-learn (Debian package
// python3-sklearn). The target is a number: a measure of disease progression one year later.
// We fit a small network that predicts it, with the mean squared error as the loss and the
// mean absolute error as a metric we can read in the target's own units.
//
// When the package is not installed the lesson generates a table with a known rule instead,
// so it always runs. Build: part of the project; run: ./build/examples/02_regression_csv
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <temper/temper.hpp>

using namespace temper;

namespace {

const std::filesystem::path kSklearnData = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

// A stand-in table: y = 3*x0 - 2*x1 + x2*x3 + noise, so a network has something nonlinear to learn.
std::pair<Tensor, Tensor> generated_table(std::int64_t n) {
  Generator rng(7);
  std::vector<float> x(static_cast<std::size_t>(n * 4)), y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    float* r = &x[static_cast<std::size_t>(i * 4)];
    for (int j = 0; j < 4; ++j) r[j] = static_cast<float>(rng.next_double() * 2 - 1);
    y[static_cast<std::size_t>(i)] = 3 * r[0] - 2 * r[1] + r[2] * r[3] + static_cast<float>(0.1 * (rng.next_double() - 0.5));
  }
  return {Tensor::from_vector(x, {n, 4}), Tensor::from_vector(y, {n, 1})};
}

}  // namespace

int main() try {
  // 1. Load the table. read_csv returns the feature columns as a float32 matrix (rows are
  //    samples) and, when a label column is named, the targets.
  Tensor x, y;
  if (std::filesystem::exists(kSklearnData / "diabetes_data_raw.csv.gz")) {
    datasets::CsvOptions features{.delimiter = ' ', .header = false};
    x = datasets::read_csv(kSklearnData / "diabetes_data_raw.csv.gz", features).x;
    y = datasets::read_csv(kSklearnData / "diabetes_target.csv.gz", features).x;  // one column
    std::printf("diabetes: %lld patients, %lld features\n", static_cast<long long>(x.dim(0)),
                static_cast<long long>(x.dim(1)));
  } else {
    std::tie(x, y) = generated_table(1000);
    std::printf("python3-sklearn is not installed: using a generated table of %lld rows\n",
                static_cast<long long>(x.dim(0)));
  }

  // 2. Hold out 20% of the rows to test on, shuffled reproducibly.
  auto [train, test] = datasets::train_test_split(x, y, 0.2, /*seed=*/42);

  // 3. Standardise the features: each column gets mean 0 and standard deviation 1, using the
  //    training rows' statistics for both parts (the test rows must not leak into training).
  auto [x_train, x_test] = datasets::standardize(train.x, test.x);

  // 4. Scale the target too: the loss then starts near 1 and a learning rate of 1e-3 suits
  //    it. We remember the scale to report errors in the original units.
  const double y_mean = ops::mean(train.y).item();
  const double y_std = std::sqrt(ops::mean(ops::square(train.y - y_mean)).item());
  Tensor y_train = (train.y - y_mean) / y_std;
  Tensor y_test = (test.y - y_mean) / y_std;

  // 5. A small network: two hidden layers with an L2 penalty on their weights (it keeps the
  //    weights small, which helps on a data set of a few hundred rows), one linear output.
  Sequential model({layers::Input({x.dim(1)}),
                    layers::Dense({.units = 32, .activation = "relu", .kernel_regularizer = regularizers::L2(1e-4)}),
                    layers::Dense({.units = 16, .activation = "relu", .kernel_regularizer = regularizers::L2(1e-4)}),
                    layers::Dense(1)},
                   {.name = "regressor", .seed = 1});
  model.compile(optimizers::Adam(1e-3), "mean_squared_error", {"mean_absolute_error"});
  model.summary();

  // 6. Train for 40 short epochs quietly (verbose = 0); History keeps every epoch's loss.
  History history = model.fit(x_train, y_train, {.batch_size = 32, .epochs = 40, .verbose = 0,
                                                  .validation_split = 0.1});
  std::printf("loss went from %.4f (epoch 1) to %.4f (epoch %zu)\n", history["loss"].front(),
              history["loss"].back(), history["loss"].size());

  // 7. Evaluate on the held-out rows, in the target's own units.
  Logs scores = model.evaluate(x_test, y_test, {.verbose = 0});
  std::printf("Test MSE (standardised): %.4f\n", scores.at("loss"));
  std::printf("Test mean absolute error: %.2f (target units; target std %.2f)\n",
              scores.at("mean_absolute_error") * y_std, y_std);
  return 0;
} catch (const temper::Error& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
