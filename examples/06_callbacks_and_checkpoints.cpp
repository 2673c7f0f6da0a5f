// Lesson 6: callbacks and checkpoints — stop early, keep the best model, log every epoch,
// and survive a crash.
//
// Long trainings get interrupted (a node reboots, a job hits its time limit). Four Keras
// callbacks cover it:
//   * EarlyStopping      stops when the validation loss stops improving, and puts back the
//                        weights of the best epoch;
//   * ModelCheckpoint    writes the best model so far to a .keras file (Keras's own format:
//                        Python's keras.models.load_model opens it);
//   * CSVLogger          appends one line of metrics per epoch;
//   * BackupAndRestore   backs up weights, optimizer state and random streams every epoch, so
//                        rerunning the same program after a crash continues where it stopped.
// We simulate the crash with a callback that throws in epoch 4, then "rerun the program".
//
// Build: part of the project; run: ./build/examples/06_callbacks_and_checkpoints [output_dir]
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <temper/temper.hpp>

using namespace temper;
namespace fs = std::filesystem;

namespace {

// Three noisy clusters in the plane: class k is centred at angle 2*pi*k/3.
std::pair<Tensor, Tensor> clusters(std::int64_t n, std::uint64_t seed) {
  Generator rng(seed);
  std::vector<float> x(static_cast<std::size_t>(n * 2));
  std::vector<std::int32_t> y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(i % 3);
    const double a = 2.0 * 3.141592653589793 * k / 3.0;
    x[static_cast<std::size_t>(2 * i)] = static_cast<float>(std::cos(a) + 3.0 * (rng.next_double() - 0.5));
    x[static_cast<std::size_t>(2 * i + 1)] = static_cast<float>(std::sin(a) + 3.0 * (rng.next_double() - 0.5));
    y[static_cast<std::size_t>(i)] = k;
  }
  return {Tensor::from_vector(x, {n, 2}), Tensor::from_vector(y, {n})};
}

// The same program builds the same model: a fixed seed gives the same initial weights,
// dropout masks and shuffling, which is what lets a resumed run match an uninterrupted one.
std::unique_ptr<Sequential> make_model() {
  auto model = std::make_unique<Sequential>(
      std::vector<LayerRef>{layers::Input({2}), layers::Dense(64, "relu"), layers::Dense(64, "relu"), layers::Dropout(0.1), layers::Dense(3)},
      Sequential::Options{.name = "clusters", .seed = 2024});
  model->compile(optimizers::Adam(1e-2), losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  return model;
}

// Stands in for a crash: throws at the start of the given (0-based) epoch.
class SimulatedCrash : public Callback {
 public:
  explicit SimulatedCrash(int epoch) : epoch_(epoch) {}
  void on_epoch_begin(int epoch, const Logs&) override {
    if (epoch == epoch_) throw std::runtime_error("simulated crash at the start of epoch " + std::to_string(epoch + 1));
  }

 private:
  int epoch_;
};

}  // namespace

int main(int argc, char** argv) try {
  const fs::path out = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "temper_lesson_06";
  fs::remove_all(out);
  fs::create_directories(out);
  const std::string best_path = (out / "best.keras").string();
  const std::string log_path = (out / "training.csv").string();
  const std::string backup_dir = (out / "backup").string();

  auto [x, y] = clusters(300, 1);
  auto [x_test, y_test] = clusters(300, 2);

  // 1. The callbacks. Each is an ordinary object; fit calls their hooks in list order.
  auto make_callbacks = [&] {
    return std::vector<CallbackPtr>{
        std::make_shared<callbacks::EarlyStopping>(
            callbacks::EarlyStopping::Options{.monitor = "val_loss", .patience = 3, .restore_best_weights = true}),
        std::make_shared<callbacks::ModelCheckpoint>(
            best_path, callbacks::ModelCheckpoint::Options{.verbose = 1, .save_best_only = true}),
        std::make_shared<callbacks::CSVLogger>(log_path, callbacks::CSVLogger::Options{.append = true}),
        std::make_shared<callbacks::BackupAndRestore>(backup_dir),
    };
  };
  FitOptions fit{.batch_size = 32, .epochs = 60, .verbose = 2, .validation_split = 0.2};

  // 2. First run: it "crashes" at the start of epoch 4. The backup of epoch 3 is on disk.
  {
    auto model = make_model();
    fit.callbacks = make_callbacks();
    fit.callbacks.push_back(std::make_shared<SimulatedCrash>(3));
    try {
      model->fit(x, y, fit);
    } catch (const std::runtime_error& e) {
      std::printf("\n*** %s: the process would die here ***\n\n", e.what());
    }
  }
  std::printf("backup on disk: %s (%s)\n", backup_dir.c_str(),
              fs::exists(fs::path(backup_dir) / "latest.weights.h5") ? "latest.weights.h5 + training_metadata.json"
                                                                       : "missing!");

  // 3. Second run of "the same program": BackupAndRestore finds the backup and fit continues
  //    at epoch 4 with the weights, optimizer state and random streams of the end of epoch 3.
  auto model = make_model();
  fit.callbacks = make_callbacks();
  auto backup = std::static_pointer_cast<callbacks::BackupAndRestore>(fit.callbacks.back());
  auto history = model->fit(x, y, fit);
  std::printf("\nResumed at epoch %d; trained epochs %d..%d; early stopping ended the run: %s\n",
              backup->resumed_epoch() + 1, history.epoch.front() + 1, history.epoch.back() + 1,
              history.epoch.back() + 1 < fit.epochs ? "yes" : "no");

  // 4. The best checkpoint is a complete model: architecture, weights, optimizer, compile config.
  auto best = load_model(best_path);
  const Logs scores = best->evaluate(x_test, y_test, {.verbose = 0});
  std::printf("Best checkpoint %s: test loss %.4f, test accuracy %.4f\n", best_path.c_str(), scores.at("loss"),
              scores.at("accuracy"));

  // 5. The other formats: Keras 3 weights, and the legacy tf.keras HDF5 file.
  save_weights(*model, (out / "final.weights.h5").string());
  save_model(*model, (out / "final.h5").string());
  auto again = make_model();
  load_weights(*again, (out / "final.weights.h5").string());
  std::printf("Reloaded weights give the same test accuracy: %.4f\n",
              again->evaluate(x_test, y_test, {.verbose = 0}).at("accuracy"));

  // 6. The CSV log has one line per epoch of both runs (append = true).
  std::ifstream csv(log_path);
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  std::printf("%s: %d lines (header + one per epoch)\n", log_path.c_str(), lines);
  for (const auto& e : fs::directory_iterator(out)) std::printf("  %s\n", e.path().filename().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
