// test_cli.cpp — the `temper` command line: the table of bad configs and their messages,
// --set overrides, train's run directory and report, interrupt + resume, the other commands,
// exit codes, the callback registry and the .npy reader/writer.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "cli/cli.hpp"
#include "cli/config.hpp"
#include "cli/report.hpp"
#include "support/cli_harness.hpp"
#include "support/helpers.hpp"
#include "temper/callbacks/early_stopping.hpp"
#include "temper/callbacks/registry.hpp"
#include "temper/datasets.hpp"
#include "temper/datasets/npy.hpp"
#include "temper/error.hpp"

namespace fs = std::filesystem;
using temper::testing::contains;
using temper::testing::error_message;

namespace {

const fs::path kDir = TEMPER_CLI_TEST_DIR;

using Result = temper::testing::CliResult;
using temper::testing::read_file;
using temper::testing::run_cli;

// The scratch directories of this process, removed when the tests end.
const temper::testing::ScratchRoot kScratch("cli_test");

// A fresh scratch directory per test case.
fs::path scratch(const std::string& name) { return kScratch.fresh(name); }

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

const std::string kGood = (kDir / "good.yaml").string();

}  // namespace

TEST_CASE("cli: every bad config in tests/cli/bad_configs fails with exit 2 and its expected message") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kDir / "bad_configs"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 30);
  for (const auto& f : files) {
    std::vector<std::string> expected;
    std::istringstream text(read_file(f));
    std::string line;
    while (std::getline(text, line))
      if (line.rfind("# expect: ", 0) == 0) expected.push_back(line.substr(10));
    REQUIRE_MESSAGE(!expected.empty(), (f.string() + " has no '# expect:' line"));
    // Run from the directory so that messages name the file as given.
    const auto cwd = fs::current_path();
    fs::current_path(f.parent_path());
    const Result r = run_cli({"validate", f.filename().string()});
    fs::current_path(cwd);
    CAPTURE(f.filename().string());
    CAPTURE(r.err);
    CHECK(r.code == 2);
    for (const auto& e : expected) CHECK_MESSAGE(contains(r.err, e), ("expected: " + e));
    // One clear line, no stack trace.
    CHECK(count(r.err, "\n") == 1);
    CHECK(!contains(r.err, "terminate called"));
  }
}

TEST_CASE("cli: the good fixture validates, and usage errors exit 2") {
  Result r = run_cli({"validate", kGood});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(contains(r.out, "OK"));
  // --set takes exactly one value, so the config may come after it.
  r = run_cli({"validate", "--set", "fit.epochs=2", "--set", "fit.batch_size=4", kGood});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(run_cli({"--help"}).code == 0);
  // Argument errors are one line on stderr, like every other error: the bad argument and the
  // --help that lists the accepted ones.
  r = run_cli({"train", kGood, "--no-such-flag"});
  CHECK(r.code == 2);
  CHECK_MESSAGE(count(r.err, "\n") == 1, r.err);
  CHECK(contains(r.err, "temper: error: "));
  CHECK(contains(r.err, "--no-such-flag"));
  CHECK(contains(r.err, "'temper train --help'"));
  r = run_cli({"evaluate", "--config", kGood});
  CHECK(r.code == 2);
  CHECK_MESSAGE(count(r.err, "\n") == 1, r.err);
  CHECK(contains(r.err, "--model"));
  r = run_cli({});
  CHECK(r.code == 2);
  CHECK_MESSAGE(count(r.err, "\n") == 1, r.err);
  CHECK(contains(r.err, "'temper --help'"));
  r = run_cli({"trian", kGood});
  CHECK(r.code == 2);
  CHECK_MESSAGE(count(r.err, "\n") == 1, r.err);
  CHECK(contains(r.err, "unknown command 'trian'. Did you mean 'train'?"));
  r = run_cli({"validate", (kDir / "missing.yaml").string()});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing.yaml: error: cannot open"));
  CHECK(contains(r.err, "No such file or directory (expected a YAML config file)"));
}

TEST_CASE("cli: YAML scalars are typed by the YAML 1.2 core schema and quoted ones stay strings") {
  using temper::cli::parse_document;
  using temper::cli::to_json;
  const auto doc = parse_document("a: 12\nb: 1e-3\nc: true\nd: ~\ne: '12'\nf: relu\ng: [1, 2.5]\nh: -.inf\n", "t.yaml");
  const auto j = to_json(doc.root);
  CHECK(j["a"].is_number_integer());
  CHECK(j["a"] == 12);
  CHECK(j["b"].is_number_float());
  CHECK(j["b"].get<double>() == doctest::Approx(1e-3));
  CHECK(j["c"] == true);
  CHECK(j["d"].is_null());
  CHECK(j["e"] == "12");
  CHECK(j["f"] == "relu");
  CHECK(j["g"][1].get<double>() == 2.5);
  CHECK(std::isinf(j["h"].get<double>()));
}

TEST_CASE("cli: --set overrides values, creates keys, indexes lists and reports bad paths") {
  using namespace temper::cli;
  Document doc = parse_document("fit: {epochs: 5}\nmodel:\n  layers:\n    - Dense: {units: 3}\n", "t.yaml");
  apply_override(doc, "fit.epochs=1");
  apply_override(doc, "fit.batch_size=8");
  apply_override(doc, "model.layers[0].Dense.units=64");
  apply_override(doc, "compile.metrics=[accuracy, mae]");
  apply_override(doc, "compile.optimizer={Adam: {learning_rate: 0.01}}");
  const auto j = to_json(doc.root);
  CHECK(j["fit"]["epochs"] == 1);
  CHECK(j["fit"]["batch_size"] == 8);
  CHECK(j["model"]["layers"][0]["Dense"]["units"] == 64);
  CHECK(j["compile"]["metrics"][1] == "mae");
  CHECK(j["compile"]["optimizer"]["Adam"]["learning_rate"].get<double>() == doctest::Approx(0.01));
  CHECK(contains(error_message([&] { apply_override(doc, "model.layers[3].Dense.units=1"); }),
                 "index [3] is past the end of the list (1 items)"));
  CHECK(contains(error_message([&] { apply_override(doc, "fit.epochs"); }), "key.path=value"));
  CHECK(contains(error_message([&] { apply_override(doc, "fit.epochs.x=1"); }), "is not a mapping"));
  // Errors in overridden values name the --set argument instead of a file position.
  Result r = run_cli({"validate", kGood, "--set", "fit.epochs=many"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--set fit.epochs=many: error: fit.epochs: expected an integer, found a string 'many'"));
  // An override can also repair a bad value.
  r = run_cli({"validate", (kDir / "bad_configs" / "fit_wrong_type.yaml").string(), "--set", "fit.batch_size=4"});
  CHECK_MESSAGE(r.code == 0, r.err);
}

TEST_CASE("cli: train writes the run directory and a self-contained report") {
  const fs::path out = scratch("train");
  const Result r = run_cli({"train", kGood, "--output", out.string(), "--set", "fit.epochs=3"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  for (const auto* f : {"config.yaml", "history.csv", "metrics.json", "model.keras", "model.json", "summary.txt",
                        "preprocessing.json", "report.html", "checkpoints/best.keras"})
    CHECK_MESSAGE(fs::exists(out / f), f);
  CHECK(!fs::exists(out / "backup"));
  // The resolved config has the override.
  CHECK(contains(read_file(out / "config.yaml"), "epochs: 3"));
  // history.csv: header + 3 epochs.
  const auto table = temper::cli::read_history_csv((out / "history.csv").string());
  CHECK(table.rows.size() == 3);
  CHECK(table.column("val_loss").size() == 3);
  const auto metrics = temper::Config::parse(read_file(out / "metrics.json"));
  CHECK(metrics["train"].contains("loss"));
  CHECK(metrics["train"].contains("accuracy"));
  CHECK(metrics["validation"].contains("loss"));
  CHECK(metrics["run"]["epochs_completed"] == 3);
  const std::string html = read_file(out / "report.html");
  CHECK(count(html, "<svg") == 2);  // loss and accuracy, each with its val_ series
  for (const auto* needle : {"data-name=\"loss\"", "data-name=\"val_loss\"", "data-name=\"accuracy\"",
                             "data-name=\"val_accuracy\"", "Total params", "sparse_categorical_crossentropy",
                             "Final metrics", "completed 3 epochs", "<polyline"})
    CHECK_MESSAGE(contains(html, needle), needle);
  // Self-contained: no scripts, stylesheets or images fetched from anywhere.
  CHECK(!contains(html, "<script"));
  CHECK(!contains(html, "src="));
  CHECK(!contains(html, "<link"));
  CHECK(count(html, "http") == count(html, "http://www.w3.org/2000/svg"));

  // The other commands on the saved model.
  const fs::path tiny = kDir / "data" / "tiny.csv";
  Result e = run_cli({"evaluate", "--model", (out / "model.keras").string(), "--config", kGood, "--set",
                      "data.test_split=0.3"});
  CHECK_MESSAGE(e.code == 0, e.err);
  CHECK(contains(e.out, "\"loss\""));
  e = run_cli({"evaluate", "--model", (out / "model.keras").string(), "--data", tiny.string(), "--label-column",
               "species", "--output", (out / "eval.json").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  CHECK(temper::Config::parse(read_file(out / "eval.json")).contains("accuracy"));
  e = run_cli({"predict", "--model", (out / "model.keras").string(), "--input", tiny.string(), "--label-column",
               "species", "--output", (out / "pred.csv").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  const std::string pred = read_file(out / "pred.csv");
  CHECK(pred.rfind("output_0,output_1,output_2,class\n", 0) == 0);
  CHECK(count(pred, "\n") == 19);
  e = run_cli({"convert", (out / "model.keras").string(), (out / "m.h5").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  e = run_cli({"convert", (out / "m.h5").string(), (out / "m.weights.h5").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  CHECK(fs::exists(out / "m.json"));
  e = run_cli({"convert", (out / "m.weights.h5").string(), (out / "m2.keras").string(), "--architecture",
               (out / "m.json").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  e = run_cli({"convert", (out / "m.weights.h5").string(), (out / "m3.keras").string()});
  CHECK(e.code == 2);
  CHECK(contains(e.err, "--architecture"));
  e = run_cli({"predict", "--model", (out / "m2.keras").string(), "--input", tiny.string(), "--label-column",
               "species", "--preprocessing", (out / "preprocessing.json").string(), "--output",
               (out / "pred2.csv").string()});
  CHECK_MESSAGE(e.code == 0, e.err);
  CHECK(read_file(out / "pred2.csv") == pred);  // same weights, same preprocessing
  e = run_cli({"summary", (out / "model.keras").string()});
  CHECK(e.code == 0);
  e = run_cli({"summary", kGood});
  CHECK(e.code == 0);
}

TEST_CASE("cli: Ctrl-C stops at the end of a batch with a backup and exit 130 and --resume finishes the run") {
  const fs::path out = scratch("resume");
  // 18 rows, validation_split 0.25 -> 13 training rows, batch 4 -> 4 batches per epoch.
  Result r = run_cli({"train", kGood, "--output", out.string(), "--set", "fit.epochs=4",
                      "--debug-interrupt-after-batches", "6"});
  CHECK(r.code == 130);
  CHECK(contains(r.err, "interrupted during epoch 2 after batch 2"));
  CHECK(contains(r.err, "--resume"));
  CHECK(fs::exists(out / "backup" / "latest.weights.h5"));
  const auto meta = temper::Config::parse(read_file(out / "backup" / "training_metadata.json"));
  CHECK(meta["epoch"] == 1);
  CHECK(temper::cli::read_history_csv((out / "history.csv").string()).rows.size() == 1);
  CHECK(!fs::exists(out / "metrics.json"));
  // A new run into the same directory refuses to clobber the backup.
  r = run_cli({"train", kGood, "--output", out.string(), "--set", "fit.epochs=4"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "pass --resume"));
  // Resume (the config is taken from the run directory when not given).
  r = run_cli({"train", "--output", out.string(), "--resume"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const auto table = temper::cli::read_history_csv((out / "history.csv").string());
  REQUIRE(table.rows.size() == 4);
  const auto epochs = table.column("epoch");
  for (std::size_t i = 0; i < epochs.size(); ++i) CHECK(epochs[i] == static_cast<double>(i));
  CHECK(!fs::exists(out / "backup"));
  CHECK(fs::exists(out / "metrics.json"));
  CHECK(contains(read_file(out / "report.html"), "(resumed)"));
  // Nothing left to resume.
  r = run_cli({"train", kGood, "--output", out.string(), "--resume"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "already finished"));
}

TEST_CASE("cli: a failure during training exits 1 with one line") {
  const fs::path out = scratch("runtime");
  // One-hot crossentropy on integer labels fails at the first batch, not while checking the config.
  const Result r = run_cli({"train", kGood, "--output", out.string(), "--set", "compile.loss=categorical_crossentropy"});
  CHECK(r.code == 1);
  CHECK(contains(r.err, "temper: error: "));
}

TEST_CASE("cli: functional graphs and Keras JSON architectures build from configs") {
  const fs::path out = scratch("functional");
  Result r = run_cli({"train", kGood, "--output", out.string(), "--set", "fit.epochs=1", "--set",
                      "model={name: graph, inputs: {features: [4]}, layers: [{Dense: {name: h, units: 8, inputs: "
                      "features}}, {Dense: {name: out, units: 3, activation: softmax, inputs: h}}], outputs: [out]}"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(contains(read_file(out / "summary.txt"), "graph"));
  const fs::path out2 = scratch("json");
  r = run_cli({"train", kGood, "--output", out2.string(), "--set", "fit.epochs=1", "--set",
               "model={json: " + (out / "model.json").string() + "}"});
  CHECK_MESSAGE(r.code == 0, r.err);
}

TEST_CASE("callbacks registry: Keras class names and arguments, strict keys") {
  namespace cb = temper::callbacks;
  auto es = cb::create("EarlyStopping", {{"monitor", "loss"}, {"patience", 4}, {"restore_best_weights", true}});
  auto* e = dynamic_cast<cb::EarlyStopping*>(es.get());
  REQUIRE(e != nullptr);
  CHECK(e->options().patience == 4);
  CHECK(e->options().monitor == "loss");
  for (const auto& name : {"ReduceLROnPlateau", "TerminateOnNaN", "History", "ProgbarLogger"})
    CHECK(cb::create(name, nullptr) != nullptr);
  CHECK(cb::create("CSVLogger", {{"filename", "h.csv"}, {"separator", ";"}}) != nullptr);
  CHECK(cb::create("ModelCheckpoint", {{"filepath", "m.keras"}, {"save_freq", 10}}) != nullptr);
  CHECK(cb::create("BackupAndRestore", {{"backup_dir", "b"}}) != nullptr);
  temper::Config schedule = {{"class_name", "ExponentialDecay"},
                             {"config", {{"initial_learning_rate", 0.1}, {"decay_steps", 1}, {"decay_rate", 0.5}}}};
  temper::Config lrs = {{"class_name", "LearningRateScheduler"}, {"config", {{"schedule", schedule}}}};
  CHECK(cb::deserialize(lrs) != nullptr);
  CHECK(contains(error_message([] { cb::create("EarlyStoping", nullptr); }), "Did you mean 'EarlyStopping'?"));
  try {
    cb::create("EarlyStopping", {{"patince", 2}});
    FAIL("no error");
  } catch (const cb::CallbackArgumentError& err) {
    CHECK(err.argument() == "patince");
    CHECK(contains(err.detail(), "Did you mean 'patience'?"));
  }
  CHECK(contains(error_message([] { cb::create("EarlyStopping", {{"patience", "x"}}); }),
                 "expected an integer, found a string 'x'"));
  CHECK(contains(error_message([] { cb::create("CSVLogger", nullptr); }), "'filename': missing required argument"));
  CHECK(contains(error_message([] { cb::create("LambdaCallback", nullptr); }), "cannot be created from a config"));
  const auto names = cb::registered_callbacks();
  CHECK(std::find(names.begin(), names.end(), "ModelCheckpoint") != names.end());
  cb::register_callback("MyCallback", [](const temper::Config&) { return std::make_shared<temper::History>(); });
  CHECK(cb::create("MyCallback", nullptr) != nullptr);
}

TEST_CASE("npy: round trip of every dtype, and errors that name the file") {
  using namespace temper;
  const fs::path d = scratch("npy");
  const auto f32 = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  datasets::write_npy(d / "a.npy", f32);
  const auto back = datasets::read_npy(d / "a.npy");
  CHECK(back.shape() == Shape{2, 3});
  CHECK(back.to_vector<float>() == f32.to_vector<float>());
  const auto u8 = Tensor::from_vector(std::vector<std::uint8_t>{1, 255}, {2});
  datasets::write_npy(d / "b.npy", u8);
  CHECK(datasets::read_npy(d / "b.npy").to_vector<std::uint8_t>() == u8.to_vector<std::uint8_t>());
  const auto i32 = Tensor::from_vector(std::vector<std::int32_t>{-7, 9}, {2, 1});
  datasets::write_npy(d / "c.npy", i32);
  CHECK(datasets::read_npy(d / "c.npy").shape() == Shape{2, 1});
  // The header is padded to 64 bytes as numpy does.
  CHECK(fs::file_size(d / "a.npy") == 128 + 24);
  // An int64 file (numpy's default integer) is read as int32.
  {
    std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::ofstream o(d / "i64.npy", std::ios::binary);
    o.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {static_cast<char>(header.size()), 0};
    o.write(len, 2);
    o << header;
    const std::int64_t v[3] = {1, -2, 3};
    o.write(reinterpret_cast<const char*>(v), sizeof v);
  }
  const auto i64 = datasets::read_npy(d / "i64.npy");
  CHECK(i64.dtype() == DType::Int32);
  CHECK(i64.to_vector<std::int32_t>() == std::vector<std::int32_t>{1, -2, 3});
  // Errors.
  CHECK(contains(error_message([&] { datasets::read_npy(d / "none.npy"); }), "none.npy': no such file"));
  { std::ofstream(d / "text.npy") << "hello"; }
  CHECK(contains(error_message([&] { datasets::read_npy(d / "text.npy"); }), "not a NumPy .npy file"));
  fs::copy_file(d / "a.npy", d / "short.npy");
  fs::resize_file(d / "short.npy", fs::file_size(d / "a.npy") - 5);
  CHECK(contains(error_message([&] { datasets::read_npy(d / "short.npy"); }), "truncated"));
  {
    std::string s = read_file(d / "a.npy");
    s.replace(s.find("<f4"), 3, "<c8");
    std::ofstream(d / "complex.npy", std::ios::binary) << s;
  }
  CHECK(contains(error_message([&] { datasets::read_npy(d / "complex.npy"); }), "unsupported dtype '<c8'"));
}

TEST_CASE("cli: .npy and IDX data sources with separate validation and test files") {
  using namespace temper;
  const fs::path d = scratch("arrays");
  datasets::CsvOptions o;
  o.label_column = "species";
  const auto t = datasets::read_csv(kDir / "data" / "tiny.csv", o);
  datasets::write_npy(d / "x.npy", t.x);
  datasets::write_npy(d / "y.npy", t.y);
  datasets::write_idx(d / "x-idx2-float", t.x, false);
  datasets::write_idx(d / "y-idx1-int.gz", t.y, true);
  {
    std::ofstream cfg(d / "arrays.yaml");
    cfg << "seed: 1\n"
           "data:\n"
           "  npy: {x: x.npy, y: y.npy, validation_x: x.npy, validation_y: y.npy, test_x: x.npy, test_y: y.npy}\n"
           "model:\n  layers:\n    - Dense: {units: 3, activation: softmax}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: 2, batch_size: 6, verbose: 0}\n";
  }
  Result r = run_cli({"train", (d / "arrays.yaml").string(), "--output", (d / "run_npy").string()});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto metrics = Config::parse(read_file(d / "run_npy" / "metrics.json"));
  CHECK(metrics.contains("validation"));
  CHECK(metrics["test"].contains("accuracy"));
  r = run_cli({"train", (d / "arrays.yaml").string(), "--output", (d / "run_idx").string(), "--set",
               "data={idx: {x: " + (d / "x-idx2-float").string() + ", y: " + (d / "y-idx1-int.gz").string() +
                   "}, test_split: 0.25}"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  metrics = Config::parse(read_file(d / "run_idx" / "metrics.json"));
  CHECK(metrics["test"].contains("loss"));
  CHECK(!metrics.contains("validation"));
  // Rows that do not match are reported with both files' counts.
  datasets::write_npy(d / "y_short.npy", t.y.slice_rows(0, 5));
  r = run_cli({"validate", (d / "arrays.yaml").string(), "--set", "data.npy.y=" + (d / "y_short.npy").string()});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "data.npy.y: has 5 rows but x has 18"));
}
