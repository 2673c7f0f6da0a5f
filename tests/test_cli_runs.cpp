// test_cli_runs.cpp — `temper train` runs that go wrong: NaN/inf data and losses, two runs in
// one directory, files left by a killed run, callback order around the backup, --resume
// without a backup, and evaluate on regression CSVs.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/report.hpp"
#include "cli/run_dir.hpp"
#include "support/cli_harness.hpp"
#include "support/helpers.hpp"
#include "temper/callbacks/registry.hpp"
#include "temper/datasets.hpp"
#include "temper/datasets/npy.hpp"

namespace fs = std::filesystem;
using temper::testing::contains;

namespace {

const fs::path kDir = TEMPER_CLI_TEST_DIR;
const std::string kGood = (kDir / "good.yaml").string();

using Result = temper::testing::CliResult;
using temper::testing::read_file;
using temper::testing::run_cli;

// The scratch directories of this process, removed when the tests end.
const temper::testing::ScratchRoot kScratch("cli_runs_test");

// A fresh scratch directory per test case.
fs::path scratch(const std::string& name) { return kScratch.fresh(name); }

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

std::vector<double> history_epochs(const fs::path& run) {
  return temper::cli::read_history_csv((run / "history.csv").string()).column("epoch");
}

// Throws out of on_epoch_end once, at the epoch given, as a kill at that moment would stop the
// run: after the user's callbacks began the epoch's end, before the history row is written.
int g_fail_at_epoch = -1;
class FailOnceAtEpochEnd : public temper::Callback {
 public:
  void on_epoch_end(int epoch, const temper::Logs&) override {
    if (epoch != g_fail_at_epoch) return;
    g_fail_at_epoch = -1;
    throw std::runtime_error("simulated crash at the end of epoch " + std::to_string(epoch + 1));
  }
};

void register_fail_once() {
  static const bool registered = [] {
    temper::callbacks::register_callback("FailOnceAtEpochEnd", [](const temper::Config&) -> temper::CallbackPtr {
      return std::make_shared<FailOnceAtEpochEnd>();
    });
    return true;
  }();
  (void)registered;
}

}  // namespace

TEST_CASE("cli runs: NaN/inf in data files is rejected at load time with file:line:column unless allowed") {
  const std::string nan_csv = (kDir / "data" / "nan_feature.csv").string();
  Result r = run_cli({"validate", kGood, "--set", "data.csv.path=" + nan_csv});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "nan_feature.csv:7:9: column 'petal_length': 'nan' is not a finite number"), r.err);
  CHECK(contains(r.err, "data.allow_non_finite: true"));
  CHECK(lines(r.err) == 1);
  // Training stops at the same place, before any file of the run is written.
  const fs::path d = scratch("nan_data");
  r = run_cli({"train", kGood, "--output", (d / "run").string(), "--set", "data.csv.path=" + nan_csv});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "nan_feature.csv:7:9"));
  CHECK(!fs::exists(d / "run"));
  // The config can opt in; the key is known (an unknown one stays an error).
  r = run_cli({"validate", kGood, "--set", "data.csv.path=" + nan_csv, "--set", "data.allow_non_finite=true"});
  CHECK_MESSAGE(r.code == 0, r.err);
  r = run_cli({"validate", kGood, "--set", "data.allow_nonfinite=true"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "unknown key 'allow_nonfinite'"));
  // Regression targets: an infinite target in the label column, and a value beyond float32.
  {
    std::ofstream o(d / "reg.csv");
    o << "a,b,target\n1,2,0.5\n\n3,4,inf\n";
  }
  r = run_cli({"validate", kGood, "--set", "data.csv={path: " + (d / "reg.csv").string() +
                                               ", label_column: target, label_is_class: false}",
               "--set", "compile.loss=mse", "--set", "compile.metrics=[]", "--set", "data.standardize=false"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "reg.csv:4:5: column 'target': 'inf' is not a finite number"), r.err);
  {
    std::ofstream o(d / "big.csv");
    o << "a,b,species\n1,2,0\n1e39,4,1\n";
  }
  r = run_cli({"validate", kGood, "--set", "data.csv.path=" + (d / "big.csv").string()});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "big.csv:3:1: column 'a': '1e39' is not a finite number"), r.err);
  // Array files name the element.
  auto x = temper::Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  auto v = x.to_vector<float>();
  v[7] = std::numeric_limits<float>::infinity();
  temper::datasets::write_npy(d / "x.npy", temper::Tensor::from_vector(v, {4, 2}));
  temper::datasets::write_npy(d / "y.npy", temper::Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 0}));
  r = run_cli({"validate", kGood, "--set",
               "data={npy: {x: " + (d / "x.npy").string() + ", y: " + (d / "y.npy").string() + "}}"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "x.npy:[3, 1]: inf is not a finite number"), r.err);
}

TEST_CASE("cli runs: a NaN loss fails the run with exit 1, names the epoch and batch, and saves no model") {
  const fs::path d = scratch("nan_loss");
  {
    // Row 6 (0-based 5) holds the NaN: without shuffling, batch 2 of epoch 1 (batch size 4).
    std::ofstream o(d / "reg.csv");
    o << "a,b,target\n";
    for (int i = 0; i < 12; ++i) o << (i == 5 ? std::string("nan") : std::to_string(i * 0.5)) << "," << 1.0 - i * 0.25 << "," << 0.3 + i * 0.1 << "\n";
  }
  const std::vector<std::string> regression = {
      "--set", "data={csv: {path: " + (d / "reg.csv").string() + ", label_column: target, label_is_class: false}}",
      "--set", "compile.loss=mse", "--set", "compile.metrics=[mae]", "--set", "model.layers=[{Dense: {units: 1}}]",
      "--set", "fit.validation_split=0", "--set", "fit.shuffle=false", "--set", "fit.epochs=2", "--set",
      "save.formats=[keras, h5]"};
  std::vector<std::string> args = {"train", kGood, "--output", (d / "run").string()};
  args.insert(args.end(), regression.begin(), regression.end());
  args.insert(args.end(), {"--set", "data.allow_non_finite=true"});
  Result r = run_cli(args);
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "temper: error: the training loss became nan in epoch 1, batch 2;"), r.err);
  CHECK(contains(r.err, "without saving the model"));
  CHECK(lines(r.err) == 1);
  for (const auto* f : {"model.keras", "model.h5", "checkpoints/best.keras", "metrics.json"})
    CHECK_MESSAGE(!fs::exists(d / "run" / f), f);
  // A learning rate far too large on finite data: the loss overflows within a few batches, and
  // neither the model nor the last checkpoint is written.
  {
    std::ofstream o(d / "reg.csv");
    o << "a,b,target\n";
    for (int i = 0; i < 12; ++i) o << i * 0.5 << "," << 1.0 - i * 0.25 << "," << 0.3 + i * 0.1 << "\n";
  }
  args = {"train", kGood, "--output", (d / "lr").string(), "--set", "save.checkpoint=last", "--set",
          "compile.optimizer={SGD: {learning_rate: 1e30}}"};
  args.insert(args.end(), regression.begin(), regression.end());
  r = run_cli(args);
  CHECK(r.code == 1);
  CHECK_MESSAGE(contains(r.err, "temper: error: the training loss became"), r.err);
  CHECK(contains(r.err, "in epoch 1, batch "));
  for (const auto* f : {"model.keras", "model.h5", "checkpoints/last.keras", "metrics.json"})
    CHECK_MESSAGE(!fs::exists(d / "lr" / f), f);
}

TEST_CASE("cli runs: a second run into a locked run directory exits 2 naming the holder's pid") {
  const fs::path run = scratch("locked") / "run";
  fs::create_directories(run);
  const fs::path lock = run / temper::cli::kRunLockName;
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  REQUIRE(::write(fd, "4242\n", 5) == 5);
  Result r = run_cli({"train", kGood, "--output", run.string(), "--set", "fit.epochs=1"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(contains(r.err, "temper: error: run directory " + run.string() +
                                    " is in use by another temper process (pid 4242)"),
                r.err);
  r = run_cli({"train", kGood, "--output", run.string(), "--resume"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is in use by another temper process (pid 4242)"));
  CHECK(!fs::exists(run / "history.csv"));
  ::close(fd);  // the first run ends
  r = run_cli({"train", kGood, "--output", run.string(), "--set", "fit.epochs=1"});
  CHECK_MESSAGE(r.code == 0, r.err);
  // The lock file records the last holder, and is not listed in the report.
  CHECK(read_file(lock) == std::to_string(::getpid()) + "\n");
  CHECK(!contains(read_file(run / "report.html"), temper::cli::kRunLockName));
}

TEST_CASE("cli runs: temporary files of a killed run are removed by the next run, nothing else") {
  const fs::path root = scratch("stale");
  const fs::path run = root / "run";
  fs::create_directories(run / "checkpoints");
  fs::create_directories(run / "backup");
  // Names as io::AtomicFile makes them, from a process that no longer exists.
  const std::vector<fs::path> stale = {run / "checkpoints" / ".ep021.keras.tmp-999999999-0",
                                       run / ".history.csv.tmp-999999999-12",
                                       run / "backup" / ".latest.weights.h5.tmp-999999999-3"};
  const std::vector<fs::path> kept = {run / "notes.tmp", run / ".ep021.keras.tmp-x-1", run / "ep.keras.tmp-999999999-1",
                                      root / ".outside.keras.tmp-999999999-0"};
  for (const auto& p : stale) std::ofstream(p) << "partial";
  for (const auto& p : kept) std::ofstream(p) << "keep";
  long pid = 0;
  CHECK(temper::cli::is_atomic_temp_name(".ep021.keras.tmp-123-4", pid));
  CHECK(pid == 123);
  CHECK(!temper::cli::is_atomic_temp_name("ep021.keras.tmp-123-4", pid));
  CHECK(!temper::cli::is_atomic_temp_name(".ep021.keras.tmp-123", pid));
  // A live writer's temporary file stays.
  const fs::path live = run / (".live.keras.tmp-" + std::to_string(::getpid()) + "-0");
  std::ofstream(live) << "in progress";
  const Result r = run_cli({"train", kGood, "--output", run.string(), "--set", "fit.epochs=1"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(contains(r.out, "removed 3 temporary file(s)"));
  for (const auto& p : stale) CHECK_MESSAGE(!fs::exists(p), p.string());
  for (const auto& p : kept) CHECK_MESSAGE(fs::exists(p), p.string());
  CHECK(fs::exists(live));
}

TEST_CASE("cli runs: --resume with no backup yet starts from epoch 1 and says so") {
  const fs::path run = scratch("resume_empty") / "run";
  Result r = run_cli({"train", kGood, "--output", run.string(), "--set", "fit.epochs=2", "--resume"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(contains(r.err, "(the run stopped before its first epoch ended); starting from epoch 1"));
  CHECK(history_epochs(run) == std::vector<double>{0, 1});
  // Finished now: nothing to resume.
  r = run_cli({"train", "--output", run.string(), "--resume"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "already finished"));
}

TEST_CASE("cli runs: the backup marks an epoch done only after the history and the checkpoint have it") {
  register_fail_once();
  const fs::path run = scratch("order") / "run";
  // A crash at the end of epoch 2, after the user's callbacks started it: the backup must still
  // say "epoch 2 to do", so that --resume repeats it and logs and checkpoints it.
  g_fail_at_epoch = 1;
  Result r = run_cli({"train", kGood, "--output", run.string(), "--set", "fit.epochs=3", "--set",
                      "callbacks=[FailOnceAtEpochEnd]", "--set", "save.checkpoint=last"});
  REQUIRE(r.code == 1);
  CHECK(contains(r.err, "simulated crash at the end of epoch 2"));
  CHECK(history_epochs(run) == std::vector<double>{0});
  const auto meta = temper::Config::parse(read_file(run / "backup" / "training_metadata.json"));
  CHECK(meta["epoch"] == 1);
  r = run_cli({"train", "--output", run.string(), "--resume"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(history_epochs(run) == std::vector<double>{0, 1, 2});
  CHECK(fs::exists(run / "checkpoints" / "last.keras"));

  // A kill after the history row of an epoch but before its backup: the resumed run repeats the
  // epoch and logs it once.
  const fs::path run2 = scratch("order2") / "run";
  r = run_cli({"train", kGood, "--output", run2.string(), "--set", "fit.epochs=3", "--debug-interrupt-after-batches",
               "6"});
  REQUIRE(r.code == 130);
  REQUIRE(history_epochs(run2) == std::vector<double>{0});
  {
    std::ofstream o(run2 / "history.csv", std::ios::app | std::ios::binary);
    o << "1,0.5,1.0,0.5,1.0\r\n";
  }
  r = run_cli({"train", "--output", run2.string(), "--resume"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(history_epochs(run2) == std::vector<double>{0, 1, 2});
}

TEST_CASE("cli runs: evaluate and predict read a regression CSV's target column as floats") {
  const fs::path d = scratch("regression");
  {
    std::ofstream o(d / "reg.csv");
    o << "a,b,target\n";
    for (int i = 0; i < 12; ++i) o << i * 0.5 << "," << 1.0 - i * 0.25 << "," << 0.3 + i * 0.1 << "\n";
  }
  const std::string cfg = "data.csv={path: " + (d / "reg.csv").string() + ", label_column: target, label_is_class: false}";
  Result r = run_cli({"train", kGood, "--output", (d / "run").string(), "--set", cfg, "--set", "compile.loss=mse",
                      "--set", "compile.metrics=[mae]", "--set", "model.layers=[{Dense: {units: 1}}]", "--set",
                      "fit.epochs=1"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string model = (d / "run" / "model.keras").string();
  r = run_cli({"evaluate", "--model", model, "--data", (d / "reg.csv").string(), "--label-column", "target"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(contains(r.out, "\"mae\""));
  r = run_cli({"predict", "--model", model, "--input", (d / "reg.csv").string(), "--label-column", "target", "--output",
               (d / "pred.csv").string()});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(lines(read_file(d / "pred.csv")) == 13);
  // A classifier still takes integer classes, and says so for a fractional one.
  const fs::path cls = d / "cls";
  r = run_cli({"train", kGood, "--output", cls.string(), "--set", "fit.epochs=1"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  {
    std::ofstream o(d / "frac.csv");
    o << "a,b,c,d,species\n5.1,3.5,1.4,0.2,0.5\n";
  }
  r = run_cli({"evaluate", "--model", (cls / "model.keras").string(), "--data", (d / "frac.csv").string(),
               "--label-column", "species"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is not an integer class label"));
}
