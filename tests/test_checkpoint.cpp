// ModelCheckpoint and BackupAndRestore (Keras 3 algorithms, keras/src/callbacks/*.py): file
// name formatting, save_best_only / save_freq / initial_value_threshold, Keras's messages, and
// a crash-and-resume run that ends bit-identical to an uninterrupted one.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <temper/temper.hpp>

#include "support/helpers.hpp"
#include "support/temp_dir.hpp"

using namespace temper;
using namespace temper::callbacks;
using temper::testing::contains;
using temper::testing::error_message;
namespace fs = std::filesystem;

namespace {

struct TempDir : temper::testing::TempDir {
  explicit TempDir(const std::string& tag) : temper::testing::TempDir("ckpt", tag) {}
};

template <class Fn>
std::string capture_stdout(Fn&& fn) {
  std::fflush(nullptr);
  char name[] = "/tmp/temper_ckpt_out_XXXXXX";
  const int tmp = ::mkstemp(name);
  const int saved = ::dup(1);
  ::dup2(tmp, 1);
  fn();
  std::fflush(nullptr);
  ::dup2(saved, 1);
  ::close(saved);
  ::close(tmp);
  std::ifstream in(name);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(name);
  return ss.str();
}

std::pair<Tensor, Tensor> data(std::int64_t n = 32) {
  Generator g(7);
  std::vector<float> x(static_cast<std::size_t>(n * 4)), y(static_cast<std::size_t>(n * 2));
  for (std::int64_t i = 0; i < n; ++i) {
    float t = 0;
    for (int j = 0; j < 4; ++j) {
      const float v = static_cast<float>(g.next_double() - 0.5);
      x[static_cast<std::size_t>(i * 4 + j)] = v;
      t += static_cast<float>(j + 1) * v;
    }
    y[static_cast<std::size_t>(i * 2)] = t;
    y[static_cast<std::size_t>(i * 2 + 1)] = -0.5f * t + 0.25f;
  }
  return {Tensor::from_vector(x, {n, 4}), Tensor::from_vector(y, {n, 2})};
}

// Dense + Dropout + Adam: weights, optimizer slots and dropout masks must all be restored.
std::unique_ptr<Sequential> net(std::uint64_t seed = 42) {
  auto m = std::make_unique<Sequential>(
      std::vector<LayerRef>{layers::Input({4}), layers::Dense(16, "relu"), layers::Dropout(0.25), layers::Dense(2)},
      Sequential::Options{.name = "net", .seed = seed});
  m->compile(optimizers::Adam(1e-2), "mse", {"mae"});
  return m;
}

std::vector<float> flat(const Model& m) {
  std::vector<float> out;
  for (const auto& w : m.get_weights()) {
    auto v = w.to_vector<float>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Crash : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws in the given epoch after `after_batches` batches, like a process being killed.
class Crasher : public Callback {
 public:
  Crasher(int epoch, std::int64_t after_batches) : epoch_(epoch), after_(after_batches) {}
  void on_epoch_begin(int epoch, const Logs&) override { current_ = epoch; }
  void on_train_batch_begin(std::int64_t batch, const Logs&) override {
    if (current_ == epoch_ && batch == after_) throw Crash("simulated crash");
  }

 private:
  int epoch_;
  std::int64_t after_;
  int current_ = -1;
};

}  // namespace

// ---- file names -----------------------------------------------------------------------------
TEST_CASE("ModelCheckpoint: file names are Python format strings over epoch, batch and the logs") {
  using temper::callbacks::detail::format_filepath;
  const Logs logs{{"loss", 0.25}, {"val_loss", 0.4123}, {"accuracy", 0.91234}};
  CHECK(format_filepath("model.{epoch:02d}-{val_loss:.2f}.keras", 3, std::nullopt, logs) == "model.03-0.41.keras");
  CHECK(format_filepath("weights.{epoch:02d}-{val_loss:.2f}.hdf5", 12, std::nullopt, logs) == "weights.12-0.41.hdf5");
  CHECK(format_filepath("m{epoch}.keras", 7, std::nullopt, logs) == "m7.keras");
  CHECK(format_filepath("m{loss}.keras", 1, std::nullopt, logs) == "m0.25.keras");
  CHECK(format_filepath("{accuracy:.1%}|{loss:.3e}|{epoch:>4}|{epoch:<3}|{epoch:^5}|{loss:+.1f}", 5, std::nullopt, logs) ==
        "91.2%|2.500e-01|   5|5  |  5  |+0.2");
  CHECK(format_filepath("b{batch:04d}_{{x}}.keras", 1, 12, logs) == "b0012_{x}.keras");
  CHECK(format_filepath("{epoch:,}", 1234567, std::nullopt, logs) == "1,234,567");
  auto msg = error_message([&] { (void)format_filepath("m-{val_acc:.2f}.keras", 1, std::nullopt, logs); });
  CHECK(contains(msg, "Failed to format this callback filepath: \"m-{val_acc:.2f}.keras\""));
  CHECK(contains(msg, "'val_acc'"));
  CHECK_THROWS_AS((void)format_filepath("{loss:d}.keras", 1, std::nullopt, logs), ValueError);
  CHECK_THROWS_AS((void)format_filepath("{batch}.keras", 1, std::nullopt, logs), ValueError);  // epoch mode
  CHECK_THROWS_AS((void)format_filepath("{epoch.keras", 1, std::nullopt, logs), ValueError);
}

TEST_CASE("ModelCheckpoint: argument checks follow Keras") {
  CHECK_THROWS_AS(ModelCheckpoint("m.weights.h5"), ValueError);          // whole model into a weights name
  CHECK_THROWS_AS(ModelCheckpoint("m.txt"), ValueError);
  CHECK_THROWS_AS(ModelCheckpoint("m.keras", {.save_weights_only = true}), ValueError);
  CHECK_THROWS_AS(ModelCheckpoint("m.keras", {.mode = "largest"}), ValueError);
  CHECK_THROWS_AS(ModelCheckpoint("m.keras", {.save_freq = "batch"}), ValueError);
  CHECK_THROWS_AS(ModelCheckpoint("m.keras", {.save_freq = 0}), ValueError);
  CHECK_NOTHROW(ModelCheckpoint("m.h5"));
  CHECK_NOTHROW(ModelCheckpoint("m.weights.h5", {.save_weights_only = true, .save_freq = 10}));
}

TEST_CASE("ModelCheckpoint: save_best_only saves on strict improvement and prints Keras's messages") {
  TempDir dir("best");
  auto m = net();
  ModelCheckpoint cb(dir / "m-{epoch}.weights.h5", {.verbose = 1, .save_best_only = true, .save_weights_only = true});
  cb.set_model(m.get());
  const std::vector<double> vals{0.5, 0.4, 0.4, 0.6, 0.3};
  const std::string out = capture_stdout([&] {
    cb.on_train_begin({});
    for (int e = 0; e < 5; ++e) {
      cb.on_epoch_begin(e, {});
      cb.on_epoch_end(e, {{"loss", 1.0}, {"val_loss", vals[static_cast<std::size_t>(e)]}});
    }
  });
  CHECK(fs::exists(dir / "m-1.weights.h5"));
  CHECK(fs::exists(dir / "m-2.weights.h5"));
  CHECK_FALSE(fs::exists(dir / "m-3.weights.h5"));  // equal is not better
  CHECK_FALSE(fs::exists(dir / "m-4.weights.h5"));
  CHECK(fs::exists(dir / "m-5.weights.h5"));
  CHECK(cb.best() == doctest::Approx(0.3));
  CHECK(contains(out, "\nEpoch 1: val_loss improved from None to 0.50000, saving model to " + (dir / "m-1.weights.h5") + "\n"));
  CHECK(contains(out, "\nEpoch 2: val_loss improved from 0.50000 to 0.40000, saving model to "));
  CHECK(contains(out, "\nEpoch 3: val_loss did not improve from 0.40000\n"));
  CHECK(contains(out, "\nEpoch 5: val_loss improved from 0.40000 to 0.30000"));

  // max mode, an initial threshold, and a missing key (Keras 3 saves anyway).
  ModelCheckpoint up(dir / "acc-{epoch}.keras", {.monitor = "val_accuracy", .save_best_only = true,
                                                  .mode = "max", .initial_value_threshold = 0.7});
  up.set_model(m.get());
  up.on_epoch_end(0, {{"val_accuracy", 0.6}});
  up.on_epoch_end(1, {{"val_accuracy", 0.75}});
  up.on_epoch_end(2, {{"loss", 0.1}});
  CHECK_FALSE(fs::exists(dir / "acc-1.keras"));
  CHECK(fs::exists(dir / "acc-2.keras"));
  CHECK(fs::exists(dir / "acc-3.keras"));
  CHECK(up.best() == doctest::Approx(0.75));

  ModelCheckpoint plain(dir / "all.keras", {.verbose = 1});
  plain.set_model(m.get());
  const std::string out2 = capture_stdout([&] { plain.on_epoch_end(3, {{"loss", 0.2}}); });
  CHECK(out2 == "\nEpoch 4: saving model to " + (dir / "all.keras") + "\n");
  auto loaded = load_model(dir / "all.keras");
  CHECK(loaded->count_params() == m->count_params());
}

TEST_CASE("ModelCheckpoint: save_freq N counts batches across epochs, fit with save_best_only keeps the best model") {
  TempDir dir("freq");
  auto [x, y] = data(16);
  auto m = net();
  auto cb = std::make_shared<ModelCheckpoint>(dir / "ck-{epoch}-{batch}.weights.h5",
                                              ModelCheckpointOptions{.save_weights_only = true, .save_freq = 3});
  m->fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {cb}, .shuffle = false});
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.path)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"ck-1-3.weights.h5", "ck-2-2.weights.h5"});

  auto m2 = net(5);
  auto best = std::make_shared<ModelCheckpoint>(dir / "best.keras", ModelCheckpointOptions{.save_best_only = true});
  auto history = m2->fit(x, y, {.batch_size = 4, .epochs = 6, .verbose = 0, .callbacks = {best}, .validation_split = 0.25});
  const auto& vl = history["val_loss"];
  const double lowest = *std::min_element(vl.begin(), vl.end());
  CHECK(best->best() == doctest::Approx(lowest));
  auto restored = load_model(dir / "best.keras");
  REQUIRE(restored->compiled());
  auto [xv, yv] = std::pair{x.slice_rows(12, 16), y.slice_rows(12, 16)};
  const double v = restored->evaluate(xv, yv, {.verbose = 0}).at("loss");
  CHECK(v == doctest::Approx(lowest).epsilon(1e-5));
}

// ---- BackupAndRestore -----------------------------------------------------------------------
TEST_CASE("BackupAndRestore: a crashed fit resumed from its backup ends bit-identical to an uninterrupted fit") {
  TempDir dir("resume");
  auto [x, y] = data();
  const FitOptions base{.batch_size = 8, .epochs = 4, .verbose = 0};

  auto reference = net();
  reference->fit(x, y, base);
  const auto want = flat(*reference);

  // Run 1: back up every epoch, crash in the middle of epoch 3 (index 2).
  {
    auto m = net();
    FitOptions o = base;
    o.callbacks = {std::make_shared<BackupAndRestore>(dir / "backup"), std::make_shared<Crasher>(2, 2)};
    CHECK_THROWS_AS(m->fit(x, y, o), Crash);
  }
  REQUIRE(fs::exists(dir / "backup/latest.weights.h5"));
  REQUIRE(fs::exists(dir / "backup/training_metadata.json"));
  const Config meta = Config::parse(std::ifstream(dir / "backup/training_metadata.json"));
  CHECK(meta["epoch"] == 2);
  CHECK(meta["batch"] == 0);
  // The backup is a plain Keras 3 weights file: it loads into any model of the architecture.
  auto probe = net(99);
  load_weights(*probe, dir / "backup/latest.weights.h5");
  CHECK(probe->optimizer()->iterations() == 8);  // 2 epochs x 4 batches

  // Run 2: the same program again (fresh model, same seed) resumes at epoch 3.
  auto m = net();
  auto backup = std::make_shared<BackupAndRestore>(dir / "backup");
  FitOptions o = base;
  o.callbacks = {backup};
  auto history = m->fit(x, y, o);
  CHECK(backup->resumed_epoch() == 2);
  CHECK(history.epoch == std::vector<int>{2, 3});
  CHECK(m->optimizer()->iterations() == 16);
  CHECK(bit_identical(flat(*m), want));
  // A normal end deletes the backup.
  CHECK_FALSE(fs::exists(dir / "backup"));
}

TEST_CASE("BackupAndRestore: batch-frequency backups, delete_checkpoint=false and double_checkpoint") {
  TempDir dir("batchfreq");
  auto [x, y] = data();
  {
    auto m = net();
    FitOptions o{.batch_size = 8, .epochs = 4, .verbose = 0};
    o.callbacks = {std::make_shared<BackupAndRestore>(dir / "b", BackupAndRestoreOptions{.save_freq = 3}),
                   std::make_shared<Crasher>(1, 3)};
    CHECK_THROWS_AS(m->fit(x, y, o), Crash);
  }
  // Batches 0..3 of epoch 0 and 0..2 of epoch 1 ran: saves after global batches 3 and 6, the
  // second one in epoch 1 at batch index 1.
  Config meta = Config::parse(std::ifstream(dir / "b/training_metadata.json"));
  CHECK(meta["epoch"] == 1);
  CHECK(meta["batch"] == 1);
  auto m = net();
  auto cb = std::make_shared<BackupAndRestore>(dir / "b", BackupAndRestoreOptions{.delete_checkpoint = false});
  FitOptions o{.batch_size = 8, .epochs = 3, .verbose = 0};
  o.callbacks = {cb};
  auto h = m->fit(x, y, o);
  CHECK(h.epoch == std::vector<int>{1, 2});  // Keras: restart the interrupted epoch
  REQUIRE(fs::exists(dir / "b/latest.weights.h5"));
  meta = Config::parse(std::ifstream(dir / "b/training_metadata.json"));
  CHECK(meta["epoch"] == 3);

  // double_checkpoint: a damaged latest backup falls back to the previous one.
  auto d = std::make_shared<BackupAndRestore>(dir / "d", BackupAndRestoreOptions{.double_checkpoint = true, .delete_checkpoint = false});
  auto m3 = net();
  FitOptions o3{.batch_size = 8, .epochs = 2, .verbose = 0};
  o3.callbacks = {d};
  m3->fit(x, y, o3);
  CHECK(fs::exists(dir / "d/latest.weights.h5.bkp"));
  std::ofstream(dir / "d/latest.weights.h5", std::ios::trunc) << "garbage";
  auto m4 = net();
  FitOptions o4{.batch_size = 8, .epochs = 3, .verbose = 0};
  o4.callbacks = {d};
  auto h4 = m4->fit(x, y, o4);
  CHECK(d->resumed_epoch() == 1);
  CHECK(h4.epoch == std::vector<int>{1, 2});
}
