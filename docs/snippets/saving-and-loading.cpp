// The C++ blocks of docs/saving-and-loading.md, each between // [docs:NAME] and
// // [docs-end] exactly as the page prints it (docs_saving-and-loading checks the copies and
// runs this program in a scratch directory; the page's h5py block then reads the files it
// wrote there). The code around the regions supplies a small trained model and data.
#include <filesystem>
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("docs/saving-and-loading.md: " + what);
}

}  // namespace

int main() {
  Sequential model({layers::Input({4}), layers::Dense(8, "relu"), layers::Dropout(0.1), layers::Dense(3)},
                   {.seed = 0});
  model.compile("adam", losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
  Generator rng(2);
  Tensor x = ops::random_normal({96, 4}, 0, 1, rng);
  Tensor y = ops::cast(ops::floor(ops::random_uniform({96}, 0, 3, rng)), DType::Int32);
  model.fit(x, y, {.epochs = 1, .verbose = 0});

  // [docs:save-load]
  save_model(model, "model.keras");            // Keras 3 zip: architecture + weights + optimizer
  save_model(model, "model.h5");               // legacy tf.keras HDF5 full-model file
  save_weights(model, "model.weights.h5");     // Keras 3 weights file (optimizer state included)
  save_weights(model, "weights.h5");           // legacy tf.keras weights-only file

  std::shared_ptr<Model> m = load_model("model.keras");   // or "model.h5"
  load_weights(*m, "model.weights.h5");        // also reads .h5 (both legacy kinds) and .keras
  // [docs-end]
  const Tensor expected = model.predict(x);
  for (const char* file : {"model.keras", "model.h5"}) {
    std::shared_ptr<Model> loaded = load_model(file);
    for (const char* weights : {"model.weights.h5", "weights.h5", "model.keras"}) {
      load_weights(*loaded, weights);
      const double diff = ops::max(ops::abs(ops::subtract(loaded->predict(x), expected))).item();
      check(diff == 0.0, std::string(file) + " + " + weights + " predicts differently (max diff " +
                             std::to_string(diff) + ")");
    }
  }

  // [docs:checkpoints]
  auto best = std::make_shared<callbacks::ModelCheckpoint>(
      "ckpt/model.{epoch:02d}-{val_loss:.2f}.keras",
      callbacks::ModelCheckpoint::Options{.monitor = "val_loss", .save_best_only = true});
  auto backup = std::make_shared<callbacks::BackupAndRestore>("ckpt/backup");
  model.fit(x, y, {.epochs = 100, .callbacks = {best, backup}, .validation_split = 0.1});
  // [docs-end]
  int saved = 0;
  for (const auto& e : std::filesystem::directory_iterator("ckpt")) saved += e.path().extension() == ".keras";
  check(saved >= 1, "ModelCheckpoint wrote no ckpt/model.*.keras");
  check(!std::filesystem::exists("ckpt/backup/latest.weights.h5"), "a completed fit must delete the backup");
}
