// commands.cpp — the subcommands of `temper` and the error/exit-code policy.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "cli/build_model.hpp"
#include "cli/cli.hpp"
#include "cli/config.hpp"
#include "cli/data.hpp"
#include "cli/report.hpp"
#include "cli/run_dir.hpp"
#include "temper/backend.hpp"
#include "temper/callbacks/backup_and_restore.hpp"
#include "temper/callbacks/csv_logger.hpp"
#include "temper/callbacks/model_checkpoint.hpp"
#include "temper/datasets/npy.hpp"
#include "temper/error.hpp"
#include "temper/info.hpp"
#include "temper/io/atomic_file.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/losses.hpp"
#include "temper/model.hpp"
#include "temper/names.hpp"
#include "temper/saving.hpp"

namespace temper::cli {

namespace fs = std::filesystem;

namespace {

// ---- signals ------------------------------------------------------------------------------

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// Installs the SIGINT handler for the lifetime of a training command.
class SigintScope {
 public:
  SigintScope() {
    g_interrupted = 0;
    previous_ = std::signal(SIGINT, on_sigint);
  }
  ~SigintScope() { std::signal(SIGINT, previous_ == SIG_ERR ? SIG_DFL : previous_); }
  SigintScope(const SigintScope&) = delete;
  SigintScope& operator=(const SigintScope&) = delete;

 private:
  void (*previous_)(int) = SIG_DFL;
};

// Thrown out of fit() by InterruptCallback once the backup is written.
struct Interrupted {
  int epoch = 0;
  std::int64_t batch = 0;
};

// Stops training at the end of the batch during which SIGINT arrived: writes a batch-level
// backup (BackupAndRestore with save_freq=1, so resuming restarts that epoch from the weights
// of the last finished batch) and leaves fit by throwing Interrupted, so that no partial epoch
// is logged, validated or checkpointed.
class InterruptCallback : public Callback {
 public:
  InterruptCallback(const std::string& backup_dir, std::int64_t raise_after)
      : backup_(backup_dir, make_options()), raise_after_(raise_after) {}
  void on_train_begin(const Logs& logs) override {
    backup_.set_model(model());
    backup_.set_params(params());
    backup_.on_train_begin(logs);
  }
  void on_epoch_begin(int epoch, const Logs& logs) override {
    epoch_ = epoch;
    backup_.on_epoch_begin(epoch, logs);
  }
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override {
    ++batches_;
    if (raise_after_ > 0 && batches_ == raise_after_) std::raise(SIGINT);
    if (!g_interrupted) return;
    backup_.on_train_batch_end(batch, logs);
    model()->stop_training = true;
    throw Interrupted{epoch_, batch};
  }
  // A Ctrl-C during validation: the epoch has just been logged and backed up (this callback
  // runs last), so stop here and resume with the next epoch.
  void on_epoch_end(int epoch, const Logs&) override {
    if (!g_interrupted) return;
    model()->stop_training = true;
    throw Interrupted{epoch, -1};
  }

 private:
  static callbacks::BackupAndRestoreOptions make_options() {
    callbacks::BackupAndRestoreOptions o;
    o.save_freq = 1;
    o.delete_checkpoint = false;
    return o;
  }
  callbacks::BackupAndRestore backup_;
  std::int64_t raise_after_ = 0;
  std::int64_t batches_ = 0;
  int epoch_ = 0;
};

// Thrown out of fit() by FiniteGuard: training produced a NaN/inf loss (or weights).
struct NonFinite {
  int epoch = 0;
  std::int64_t batch = -1;  // -1: found in the weights at the end of the epoch
  double loss = 0.0;
};

// Stops training at the first batch whose loss is NaN or infinite: from then on every weight
// it touches is non-finite, so continuing only spends time, and nothing of it may be saved as
// a model. It also checks the weights at each epoch end, before the checkpoint saves them.
class FiniteGuard : public Callback {
 public:
  void on_epoch_begin(int epoch, const Logs&) override { epoch_ = epoch; }
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override {
    const auto it = logs.find("loss");
    if (it != logs.end() && !std::isfinite(it->second)) throw NonFinite{epoch_, batch, it->second};
  }
  void on_epoch_end(int epoch, const Logs&) override {
    if (!weights_finite(*model())) throw NonFinite{epoch, -1, 0.0};
  }

  static bool weights_finite(const Model& m) {
    for (const auto& w : m.weights())
      if (is_floating(w->value.dtype()) && !w->value.backend().all_finite(w->value)) return false;
    return true;
  }

 private:
  int epoch_ = 0;
};

// BackupAndRestore has to restore before the other callbacks start (on_train_begin) but must
// mark an epoch done only after every other callback has finished it (on_epoch_end): otherwise
// a kill between the two loses that epoch's history row and checkpoint for good. These two
// adapters give it one place in the list for each: BeforeEpochEnd forwards every hook but
// on_epoch_end, EpochEndOnly forwards on_epoch_end alone.
class BeforeEpochEnd : public Callback {
 public:
  explicit BeforeEpochEnd(CallbackPtr inner) : inner_(std::move(inner)) {}
  void on_train_begin(const Logs& l) override {
    inner_->set_model(model());
    inner_->set_params(params());
    inner_->on_train_begin(l);
  }
  void on_train_end(const Logs& l) override { inner_->on_train_end(l); }
  void on_epoch_begin(int e, const Logs& l) override { inner_->on_epoch_begin(e, l); }
  void on_train_batch_begin(std::int64_t b, const Logs& l) override { inner_->on_train_batch_begin(b, l); }
  void on_train_batch_end(std::int64_t b, const Logs& l) override { inner_->on_train_batch_end(b, l); }
  void on_test_begin(const Logs& l) override { inner_->on_test_begin(l); }
  void on_test_end(const Logs& l) override { inner_->on_test_end(l); }
  void on_test_batch_begin(std::int64_t b, const Logs& l) override { inner_->on_test_batch_begin(b, l); }
  void on_test_batch_end(std::int64_t b, const Logs& l) override { inner_->on_test_batch_end(b, l); }

 private:
  CallbackPtr inner_;
};

class EpochEndOnly : public Callback {
 public:
  explicit EpochEndOnly(CallbackPtr inner) : inner_(std::move(inner)) {}
  void on_epoch_end(int e, const Logs& l) override { inner_->on_epoch_end(e, l); }

 private:
  CallbackPtr inner_;
};

// On --resume, drops the history rows of the epochs that will run again (those from the
// epoch the backup restores): a kill after the history row of an epoch was written but before
// the backup marked it done repeats that epoch. Runs after the backup restored (so the first
// epoch is known) and before CSVLogger opens the file.
class TrimHistoryOnResume : public Callback {
 public:
  TrimHistoryOnResume(fs::path history, int initial_epoch) : history_(std::move(history)), initial_(initial_epoch) {}
  void on_train_begin(const Logs&) override { trim_history(history_, model()->resume_epoch.value_or(initial_)); }

 private:
  fs::path history_;
  int initial_ = 0;
};

// ---- error policy ---------------------------------------------------------------------------

// Errors before any training/evaluation work are the user's input (exit 2); after, runtime (1).
bool g_setup_phase = true;

// Control bytes (from a binary file's content, say) are shown as '?', so that an error is one
// readable line.
std::string printable(std::string s) {
  for (auto& c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
  return s;
}

void print_error(const std::exception& e) {
  if (const auto* issue = dynamic_cast<const ConfigIssue*>(&e)) {
    std::string where = issue->location().to_string();
    std::string line = where.empty() ? std::string("temper") : where;
    line += ": error: ";
    if (!issue->path().empty()) {
      line += issue->path();
      line += ": ";
    }
    line += issue->detail();
    std::cerr << printable(line) << std::endl;
    return;
  }
  std::cerr << "temper: error: " << printable(e.what()) << std::endl;
}

// CLI11's own report is two lines (the message, then "Run with --help ..."); ours is one, like
// every other error, and names the subcommand whose --help lists the accepted arguments.
void print_usage_error(const CLI::ParseError& e, const CLI::App& app, const std::vector<std::string>& args) {
  const auto parsed = app.get_subcommands();
  const std::string help =
      parsed.empty() ? std::string("temper --help") : "temper " + parsed.front()->get_name() + " --help";
  std::string what = e.what();
  // CLI11 reports a misspelt command as "A subcommand is required"; name it instead.
  if (parsed.empty() && args.size() > 1 && !args[1].empty() && args[1][0] != '-') {
    std::vector<std::string> commands;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      commands.push_back(sub->get_name());
    what = unknown_name_message("command", args[1], commands);
  }
  std::replace(what.begin(), what.end(), '\n', ' ');
  std::cerr << "temper: error: " << printable(what) << " (see '" << help << "')" << std::endl;
}

// ---- helpers --------------------------------------------------------------------------------

void write_text(const fs::path& path, const std::string& text) { io::write_file_atomically(path.string(), text); }

std::string read_text(const fs::path& path) {
  io::require_regular_file(path, "a text file");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Config logs_to_json(const Logs& logs) {
  Config o = Config::object();
  for (const auto& [k, v] : logs) o[k] = v;
  return o;
}

std::shared_ptr<Model> load_model_file(const std::string& path) {
  if (!fs::exists(path)) throw IOError("'" + path + "': no such file");
  if (path.ends_with(".json")) return model_from_json(read_text(path));
  if (path.ends_with(".weights.h5"))
    throw ValueError("'" + path + "' holds weights only; give the architecture too (temper convert ... --architecture)");
  return load_model(path);
}

Shape sample_shape(const Tensor& x) { return Shape(x.shape().begin() + 1, x.shape().end()); }

// The parts of a config shared by train, validate, summary and evaluate.
struct Setup {
  Document doc;
  fs::path base_dir;
  std::uint64_t seed = 0;
};

const std::vector<std::string> kTopKeys = {"seed", "backend", "output", "data", "model",
                                           "compile", "fit", "callbacks", "save"};

Setup load_setup(const std::string& config, const std::vector<std::string>& sets,
                 std::optional<std::uint64_t> fallback_seed = {}) {
  Setup s;
  s.doc = load_document(config);
  for (const auto& a : sets) apply_override(s.doc, a);
  s.base_dir = fs::absolute(config).parent_path();
  const Field root = root_field(s.doc);
  root.allow_only(kTopKeys);
  if (root["seed"].present()) {
    const auto seed = root["seed"].as_int();
    if (seed < 0) root["seed"].fail("must be >= 0");
    s.seed = static_cast<std::uint64_t>(seed);
  } else {
    s.seed = fallback_seed ? *fallback_seed : std::random_device{}() % 1000000u;
    s.doc.root["seed"] = s.seed;  // recorded in the resolved config, so the run can be repeated
  }
  if (root["backend"].present()) {
    try {
      set_default_backend(root["backend"].as_string());
    } catch (const Error& e) {
      root["backend"].fail(e.what());
    }
  }
  return s;
}

// Makes the file paths of a config absolute (data files, model files), so that the run
// directory's config.yaml works from anywhere (train --resume reads it back).
void absolutize_paths(Document& doc, const fs::path& base_dir) {
  const Field root = root_field(doc);
  const auto fix = [&](YAML::Node parent, const Field& section, const std::vector<std::string>& keys) {
    if (!section.present() || !section.is_map()) return;
    for (const auto& k : keys) {
      const Field f = section[k];
      if (!f.present() || !f.is_scalar()) continue;
      parent[k] = fs::absolute(resolve_path(f, base_dir)).lexically_normal().string();
    }
  };
  const Field data = root["data"];
  if (data.present() && data.is_map()) {
    fix(doc.root["data"]["csv"], data["csv"],
        {"path", "labels_path", "test_path", "test_labels_path", "validation_path", "validation_labels_path"});
    for (const auto* src : {"idx", "npy"})
      fix(doc.root["data"][src], data[src], {"x", "y", "test_x", "test_y", "validation_x", "validation_y"});
    fix(doc.root["data"]["fashion_mnist"], data["fashion_mnist"], {"dir"});
  }
  fix(doc.root["model"], root["model"], {"json", "load", "weights"});
}

struct FitSpec {
  FitOptions options{};
};

FitSpec parse_fit(const Field& fit) {
  FitSpec f;
  if (fit.present() && !fit.is_map()) fit.wrong_type("a mapping");
  fit.allow_only({"batch_size", "epochs", "verbose", "shuffle", "validation_split", "class_weight", "initial_epoch",
                  "steps_per_epoch", "validation_freq", "validation_batch_size"});
  auto& o = f.options;
  const auto positive = [&](const std::string& k, std::int64_t def) {
    const auto v = fit.get_int(k, def);
    if (v <= 0) fit[k].fail("must be a positive integer");
    return v;
  };
  o.batch_size = positive("batch_size", 32);
  o.epochs = static_cast<int>(positive("epochs", 1));
  o.verbose = static_cast<int>(fit.get_int("verbose", 1));
  if (o.verbose < 0 || o.verbose > 2) fit["verbose"].fail("must be 0, 1 or 2");
  o.shuffle = fit.get_bool("shuffle", true);
  o.validation_split = fit.get_number("validation_split", 0.0);
  if (o.validation_split < 0.0 || o.validation_split >= 1.0) fit["validation_split"].fail("must be in [0, 1)");
  o.initial_epoch = static_cast<int>(fit.get_int("initial_epoch", 0));
  if (o.initial_epoch < 0) fit["initial_epoch"].fail("must be >= 0");
  if (fit["steps_per_epoch"].present()) o.steps_per_epoch = positive("steps_per_epoch", 1);
  o.validation_freq = static_cast<int>(positive("validation_freq", 1));
  if (fit["validation_batch_size"].present()) o.validation_batch_size = positive("validation_batch_size", 32);
  const Field cw = fit["class_weight"];
  if (cw.present()) {
    for (const auto& k : cw.keys()) {
      int cls = 0;
      try {
        std::size_t used = 0;
        cls = std::stoi(k, &used);
        if (used != k.size()) throw std::invalid_argument(k);
      } catch (const std::exception&) {
        cw[k].fail("class_weight keys must be class indices (0, 1, ...)");
      }
      o.class_weight[cls] = cw[k].as_number();
    }
  }
  return f;
}

struct SaveSpec {
  std::vector<std::string> formats{"keras"};
  std::string checkpoint = "best";
  bool report = true;
};

SaveSpec parse_save(const Field& save) {
  SaveSpec s;
  if (save.present() && !save.is_map()) save.wrong_type("a mapping");
  save.allow_only({"formats", "checkpoint", "report"});
  if (save["formats"].present()) {
    s.formats = save["formats"].as_string_list();
    for (std::size_t i = 0; i < s.formats.size(); ++i) {
      const auto& f = s.formats[i];
      if (f != "keras" && f != "h5" && f != "weights") {
        const Field ff = save["formats"].is_list() ? save["formats"].item(i) : save["formats"];
        ff.fail("unknown format '" + f + "' (known: keras, h5, weights)");
      }
    }
  }
  s.checkpoint = save.get_string("checkpoint", "best");
  if (s.checkpoint != "best" && s.checkpoint != "last" && s.checkpoint != "none")
    save["checkpoint"].fail("expected best, last or none, found '" + s.checkpoint + "'");
  s.report = save.get_bool("report", true);
  return s;
}

std::string now_text() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

std::vector<std::string> list_files(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && it->path().filename() != kRunLockName)
      out.push_back(fs::relative(it->path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- train ------------------------------------------------------------------------------------

struct TrainArgs {
  std::string config{};
  std::vector<std::string> sets{};
  std::string output{};
  bool resume = false;
  std::int64_t interrupt_after = 0;
};

int cmd_train(const TrainArgs& a) {
  // Where the run goes, and what is resumed.
  std::string config = a.config;
  std::optional<std::uint64_t> previous_seed;
  if (config.empty()) {
    if (!(a.resume && !a.output.empty()))
      throw ConfigError("train needs a CONFIG file (or --resume --output RUN_DIR to continue a run)");
    config = (fs::path(a.output) / "config.yaml").string();
  }
  if (a.resume && !a.output.empty() && fs::exists(fs::path(a.output) / "config.yaml")) {
    try {
      const Document prev = load_document((fs::path(a.output) / "config.yaml").string());
      if (prev.root["seed"]) previous_seed = prev.root["seed"].as<std::uint64_t>();
    } catch (const std::exception&) {
    }
  }
  Setup s = load_setup(config, a.sets, previous_seed);
  const Field root = root_field(s.doc);
  fs::path run_dir = a.output;
  if (run_dir.empty()) {
    run_dir = root["output"].present() ? fs::path(root["output"].as_string())
                                       : fs::path("runs") / fs::path(config).stem();
  }
  if (a.resume && a.output.empty() && fs::exists(run_dir / "config.yaml") && !root["seed"].node().IsDefined()) {
    // (seed handled above when --output is given)
  }
  // Held until the run ends, so that the checks below and everything written into the run
  // directory are this process's alone.
  const RunDirLock lock(run_dir);
  if (const std::size_t n = remove_stale_temp_files(run_dir))
    std::cout << "temper: removed " << n << " temporary file(s) left in '" << run_dir.string()
              << "' by an interrupted run" << std::endl;
  const fs::path backup_dir = run_dir / "backup";
  const bool has_backup = fs::exists(backup_dir / "latest.weights.h5") || fs::exists(backup_dir / "training_metadata.json");
  if (a.resume && !has_backup) {
    if (fs::exists(run_dir / "metrics.json"))
      throw ConfigError("the run in '" + run_dir.string() + "' already finished; there is nothing to resume");
    // Killed before the first epoch ended: nothing was backed up, so the run starts over.
    std::cerr << "temper: no backup in '" << backup_dir.string()
              << "' (the run stopped before its first epoch ended); starting from epoch 1" << std::endl;
  }
  if (!a.resume && has_backup) {
    throw ConfigError("'" + run_dir.string() +
                      "' holds the backup of an interrupted run: pass --resume to continue it, or choose another "
                      "--output (or delete '" + backup_dir.string() + "')");
  }
  FitSpec fit = parse_fit(root["fit"]);
  const SaveSpec save = parse_save(root["save"]);
  check_data_section(root["data"]);

  std::cout << "temper: loading data" << std::endl;
  LoadedData data = load_data(root["data"], s.base_dir, s.seed);
  std::cout << "temper: " << data.description << std::endl;
  auto model = build_model(root["model"], sample_shape(data.train.x), s.base_dir, s.seed);
  compile_model(*model, root["compile"]);
  auto user_callbacks = build_callbacks(root["callbacks"], run_dir);

  // The run directory: resolved config (absolute paths), summary, preprocessing.
  absolutize_paths(s.doc, s.base_dir);
  write_text(run_dir / "config.yaml", to_yaml(s.doc.root));
  const std::string summary = model->summary_string();
  write_text(run_dir / "summary.txt", summary);
  write_text(run_dir / "preprocessing.json", data.preprocessing.dump(2) + "\n");
  write_text(run_dir / "model.json", model_to_json(*model, 2) + "\n");
  model->summary();

  // Callbacks: the backup restores first, the history is trimmed to it, the finiteness guard
  // runs before anything can log or save a batch, then the user's, the history log, the
  // checkpoint, the backup's end of epoch (last, see BeforeEpochEnd), and the Ctrl-C handler.
  callbacks::BackupAndRestoreOptions bo;
  bo.delete_checkpoint = false;  // deleted below only when training ends normally
  const auto backup = std::make_shared<callbacks::BackupAndRestore>(backup_dir.string(), bo);
  std::vector<CallbackPtr> cbs;
  cbs.push_back(std::make_shared<BeforeEpochEnd>(backup));
  if (a.resume) cbs.push_back(std::make_shared<TrimHistoryOnResume>(run_dir / "history.csv", fit.options.initial_epoch));
  cbs.push_back(std::make_shared<FiniteGuard>());
  for (auto& c : user_callbacks) cbs.push_back(c);
  callbacks::CSVLoggerOptions co;
  co.append = a.resume;
  cbs.push_back(std::make_shared<callbacks::CSVLogger>((run_dir / "history.csv").string(), co));
  const bool has_validation = data.validation.has_value() || fit.options.validation_split > 0.0;
  if (save.checkpoint != "none") {
    callbacks::ModelCheckpointOptions mo;
    mo.monitor = has_validation ? "val_loss" : "loss";
    mo.save_best_only = save.checkpoint == "best";
    cbs.push_back(std::make_shared<callbacks::ModelCheckpoint>(
        (run_dir / "checkpoints" / (save.checkpoint + ".keras")).string(), mo));
  }
  cbs.push_back(std::make_shared<EpochEndOnly>(backup));
  cbs.push_back(std::make_shared<InterruptCallback>(backup_dir.string(), a.interrupt_after));
  fit.options.callbacks = cbs;
  if (data.validation) fit.options.validation_data = ValidationData{data.validation->x, data.validation->y, {}};

  // Training.
  SigintScope sigint;
  if (g_interrupted) {
    std::cerr << "temper: interrupted before training started" << std::endl;
    return kInterrupted;
  }
  g_setup_phase = false;
  const auto t0 = std::chrono::steady_clock::now();
  History history;
  try {
    history = model->fit(data.train.x, data.train.y, fit.options);
  } catch (const Interrupted& i) {
    if (i.batch >= 0)
      std::cerr << "\ntemper: interrupted during epoch " << i.epoch + 1 << " after batch " << i.batch + 1;
    else
      std::cerr << "\ntemper: interrupted at the end of epoch " << i.epoch + 1;
    std::cerr << "; backup saved in '" << backup_dir.string() << "'.\n"
              << "temper: continue with: temper train " << config << " --output " << run_dir.string()
              << " --resume" << std::endl;
    return kInterrupted;
  } catch (const NonFinite& nf) {
    std::cerr << "temper: error: ";
    if (nf.batch >= 0)
      std::cerr << "the training loss became " << (std::isnan(nf.loss) ? "nan" : "inf") << " in epoch " << nf.epoch + 1
                << ", batch " << nf.batch + 1;
    else
      std::cerr << "the weights became non-finite in epoch " << nf.epoch + 1;
    std::cerr << "; training stopped without saving the model (lower the learning rate or check the data)";
    if (fs::exists(backup_dir))
      std::cerr << "; the last finished epoch stays in '" << backup_dir.string() << "' for --resume";
    std::cerr << std::endl;
    return kRuntimeFailure;
  }
  // The guard stops at the first non-finite batch; this is the last line before any file of
  // the model is written.
  if (!FiniteGuard::weights_finite(*model))
    throw ValueError("the trained weights of model '" + model->name() + "' are not finite; no model was saved");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Outputs: metrics, model files, report; the backup is no longer needed.
  Config metrics = Config::object();
  Logs train_logs, val_logs;
  for (const auto& [k, v] : history.history) {
    if (v.empty()) continue;
    if (k.rfind("val_", 0) == 0) val_logs[k.substr(4)] = v.back();
    else train_logs[k] = v.back();
  }
  if (!train_logs.empty()) metrics["train"] = logs_to_json(train_logs);
  if (!val_logs.empty()) metrics["validation"] = logs_to_json(val_logs);
  if (data.test) {
    EvaluateOptions eo;
    eo.batch_size = fit.options.batch_size;
    eo.verbose = 0;
    metrics["test"] = logs_to_json(model->evaluate(data.test->x, data.test->y, eo));
  }
  const HistoryTable table = read_history_csv((run_dir / "history.csv").string());
  Config info = {{"epochs_completed", table.rows.size()},
                 {"epochs_requested", fit.options.epochs},
                 {"train_seconds", seconds},
                 {"finished", now_text()},
                 {"stopped_early", !history.epoch.empty() && history.epoch.back() + 1 < fit.options.epochs}};
  Config metrics_file = metrics;
  metrics_file["run"] = info;
  for (const auto& f : save.formats) {
    if (f == "keras") save_model(*model, (run_dir / "model.keras").string());
    if (f == "h5") save_model(*model, (run_dir / "model.h5").string());
    if (f == "weights") save_weights(*model, (run_dir / "model.weights.h5").string());
  }
  write_text(run_dir / "metrics.json", metrics_file.dump(2) + "\n");
  std::error_code ec;
  fs::remove_all(backup_dir, ec);
  if (save.report) {
    ReportInput r;
    r.title = fs::path(config).filename().string();
    r.status = info["stopped_early"].get<bool>()
                   ? "stopped early after " + std::to_string(table.rows.size()) + " epochs"
                   : "completed " + std::to_string(table.rows.size()) + " epochs";
    r.status += a.resume ? " (resumed)" : "";
    r.data_description = data.description;
    r.summary = summary;
    r.config_yaml = to_yaml(s.doc.root);
    r.final_metrics = metrics;
    r.history = table;
    r.files = list_files(run_dir);
    r.files.push_back("report.html");
    write_text(run_dir / "report.html", render_report(r));
  }
  std::cout << "temper: final metrics " << metrics.dump() << "\n";
  std::cout << "temper: run directory " << run_dir.string();
  if (save.report) std::cout << " (report: " << (run_dir / "report.html").string() << ")";
  std::cout << std::endl;
  return kOk;
}

// ---- validate / summary -------------------------------------------------------------------

int cmd_validate(const std::string& config, const std::vector<std::string>& sets, bool no_data) {
  Setup s = load_setup(config, sets);
  const Field root = root_field(s.doc);
  (void)parse_fit(root["fit"]);
  (void)parse_save(root["save"]);
  check_data_section(root["data"]);
  std::optional<Shape> shape;
  std::string data_text = "data not loaded (--no-data)";
  if (!no_data) {
    LoadedData data = load_data(root["data"], s.base_dir, s.seed);
    shape = sample_shape(data.train.x);
    data_text = data.description;
  } else if (!declares_input_shape(root["model"])) {
    root["model"].fail("with --no-data the model must declare its input shape (model.input_shape or an Input layer)");
  }
  auto model = build_model(root["model"], shape, s.base_dir, s.seed);
  compile_model(*model, root["compile"]);
  const fs::path tmp = fs::temp_directory_path() / "temper-validate";
  (void)build_callbacks(root["callbacks"], tmp);
  std::cout << config << ": OK — model '" << model->name() << "' (" << model->count_params() << " parameters); "
            << data_text << std::endl;
  return kOk;
}

int cmd_summary(const std::string& target, const std::vector<std::string>& sets) {
  std::shared_ptr<Model> model;
  if (target.ends_with(".yaml") || target.ends_with(".yml")) {
    Setup s = load_setup(target, sets);
    const Field root = root_field(s.doc);
    std::optional<Shape> shape;
    if (!declares_input_shape(root["model"])) {
      LoadedData data = load_data(root["data"], s.base_dir, s.seed);
      shape = sample_shape(data.train.x);
    }
    model = build_model(root["model"], shape, s.base_dir, s.seed);
  } else {
    model = load_model_file(target);
  }
  model->summary();
  return kOk;
}

// ---- evaluate / predict -----------------------------------------------------------------------

Config find_preprocessing(const std::string& model_path, const std::string& explicit_path) {
  fs::path p = explicit_path;
  if (p.empty()) {
    const fs::path beside = fs::path(model_path).parent_path() / "preprocessing.json";
    if (fs::exists(beside)) p = beside;
  }
  if (p.empty()) return Config::object();
  try {
    const std::string text = read_text(p);
    io::check_nesting_depth(text, "'" + p.string() + "'");
    return Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError("'" + p.string() + "' is not valid JSON: " + e.what());
  }
}

struct DataArgs {
  std::string data{};
  std::string labels{};
  std::string label_column{};
  bool no_header = false;
  std::size_t skip_rows = 0;
  std::string preprocessing{};
};

// Sparse categorical losses and metrics take integer class ids; every other loss (mse, mae,
// binary or one-hot crossentropy, ...) takes float targets, as Keras feeds them.
bool wants_class_labels(const Model& model) {
  if (!model.compiled()) return false;
  const auto loss = model.loss();
  return loss && loss->class_name().rfind("Sparse", 0) == 0;
}

// `classes`: read the targets as integer class ids (else as floats).
XY read_data_args(const DataArgs& d, const std::string& model_path, bool classes) {
  std::optional<std::string> lc;
  if (!d.label_column.empty()) lc = d.label_column;
  XY xy = read_array_file(d.data, lc, !d.no_header, d.skip_rows, ',', classes);
  if (!d.labels.empty()) {
    XY l = read_array_file(d.labels, std::nullopt, false);
    xy.y = l.x.rank() == 2 && l.x.dim(1) == 1 ? l.x.reshape({l.x.dim(0)}) : l.x;
    if (classes) xy.y = class_labels(xy.y, d.labels);
  }
  xy.x = apply_preprocessing(find_preprocessing(model_path, d.preprocessing), xy.x);
  return xy;
}

int cmd_evaluate(const std::string& model_path, const std::string& config, const std::vector<std::string>& sets,
                 const DataArgs& d, std::int64_t batch_size, const std::string& output) {
  auto model = load_model_file(model_path);
  XY xy;
  if (!config.empty()) {
    Setup s = load_setup(config, sets);
    const Field root = root_field(s.doc);
    LoadedData data = load_data(root["data"], s.base_dir, s.seed);
    if (data.test) xy = *data.test;
    else if (data.validation) xy = *data.validation;
    else throw ConfigError(config + ": the data has no test part (add test files or data.test_split) to evaluate on");
    if (!model->compiled() || root["compile"].present()) compile_model(*model, root["compile"]);
  } else {
    if (d.data.empty()) throw ConfigError("evaluate needs --config CONFIG or --data FILE");
    xy = read_data_args(d, model_path, wants_class_labels(*model));
  }
  if (!xy.y.defined()) throw ConfigError("evaluate needs targets: --labels FILE or --label-column COLUMN");
  if (!model->compiled())
    throw ConfigError("the model in '" + model_path + "' was saved without compile settings; evaluate it with --config");
  g_setup_phase = false;
  EvaluateOptions eo;
  eo.batch_size = batch_size;
  eo.verbose = 0;
  const Config result = logs_to_json(model->evaluate(xy.x, xy.y, eo));
  std::cout << result.dump() << std::endl;
  if (!output.empty()) write_text(output, result.dump(2) + "\n");
  return kOk;
}

int cmd_predict(const std::string& model_path, const DataArgs& d, const std::string& output, std::int64_t batch_size) {
  auto model = load_model_file(model_path);
  XY xy = read_data_args(d, model_path, false);  // the label column is only left out
  g_setup_phase = false;
  PredictOptions po;
  po.batch_size = batch_size;
  po.verbose = 0;
  Tensor p = model->predict(xy.x, po);
  const std::int64_t n = p.rank() ? p.dim(0) : 0;
  const std::int64_t k = n ? p.numel() / n : 0;
  const auto v = p.astype(DType::Float64).to_vector<double>();
  if (output.ends_with(".npy")) {
    datasets::write_npy(output, p);
  } else {
    std::ostringstream out;
    out.precision(9);
    for (std::int64_t j = 0; j < k; ++j) out << (j ? "," : "") << "output_" << j;
    if (k > 1) out << ",class";
    out << "\n";
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t best = 0;
      for (std::int64_t j = 0; j < k; ++j) {
        const double x = v[static_cast<std::size_t>(i * k + j)];
        out << (j ? "," : "") << x;
        if (x > v[static_cast<std::size_t>(i * k + best)]) best = j;
      }
      if (k > 1) out << "," << best;
      out << "\n";
    }
    write_text(output, out.str());
  }
  std::cout << "temper: wrote " << n << " predictions to " << output << std::endl;
  return kOk;
}

// ---- convert --------------------------------------------------------------------------------

int cmd_info() {
  std::cout << build_info() << std::flush;
  return kOk;
}

int cmd_convert(const std::string& in, const std::string& out, const std::string& architecture) {
  std::shared_ptr<Model> model;
  if (in.ends_with(".weights.h5")) {
    if (architecture.empty())
      throw ConfigError("'" + in + "' holds weights only: give the architecture with --architecture MODEL.json");
    model = load_model_file(architecture);
    load_weights(*model, in);
  } else {
    model = load_model_file(in);
  }
  g_setup_phase = false;
  if (out.ends_with(".weights.h5")) {
    save_weights(*model, out);
    std::string arch = out.substr(0, out.size() - std::string(".weights.h5").size());
    arch += ".json";
    write_text(arch, model_to_json(*model, 2) + "\n");
    std::cout << "temper: wrote " << out << " and its architecture " << arch << std::endl;
  } else if (out.ends_with(".keras") || out.ends_with(".h5") || out.ends_with(".hdf5")) {
    save_model(*model, out);
    std::cout << "temper: wrote " << out << std::endl;
  } else if (out.ends_with(".json")) {
    write_text(out, model_to_json(*model, 2) + "\n");
    std::cout << "temper: wrote " << out << std::endl;
  } else {
    throw ConfigError("cannot tell the format of '" + out + "' (use .keras, .h5, .weights.h5 or .json)");
  }
  return kOk;
}

}  // namespace

int run(const std::vector<std::string>& args) {
  g_setup_phase = true;
  CLI::App app{"temper: train and use Keras-style models from YAML configs (see docs/cli.md)", "temper"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "temper 0.1.0");

  TrainArgs ta;
  auto* train = app.add_subcommand("train", "Train as CONFIG says and write a run directory");
  train->add_option("config", ta.config, "The YAML config file");
  train->add_option("--set", ta.sets, "Override a config value: key.path=value (repeatable)")
      ->allow_extra_args(false);
  train->add_option("-o,--output", ta.output, "The run directory (default: config's output, else runs/<config name>)");
  train->add_flag("--resume", ta.resume, "Continue an interrupted run from its backup");
  train->add_option("--debug-interrupt-after-batches", ta.interrupt_after,
                    "Testing aid: raise SIGINT after N training batches")
      ->group("");

  std::string e_model, e_config, e_output;
  std::vector<std::string> e_sets;
  DataArgs e_data;
  std::int64_t e_batch = 32;
  auto* evaluate = app.add_subcommand("evaluate", "Evaluate a saved model on a config's test data or on files");
  evaluate->add_option("-m,--model", e_model, "The model file (.keras, .h5, .json)")->required();
  evaluate->add_option("-c,--config", e_config, "Evaluate on this config's test data");
  evaluate->add_option("--set", e_sets, "Override a config value: key.path=value")->allow_extra_args(false);
  evaluate->add_option("--data", e_data.data, "Inputs (.npy, IDX, .csv)");
  evaluate->add_option("--labels", e_data.labels, "Targets (.npy, IDX, .csv) when not a column of --data");
  evaluate->add_option("--label-column", e_data.label_column, "The CSV column holding the targets");
  evaluate->add_flag("--no-header", e_data.no_header, "The CSV file has no header line");
  evaluate->add_option("--skip-rows", e_data.skip_rows, "Lines to skip at the top of the CSV file");
  evaluate->add_option("--preprocessing", e_data.preprocessing,
                       "preprocessing.json to apply (default: the one beside the model)");
  evaluate->add_option("-b,--batch-size", e_batch, "Batch size");
  evaluate->add_option("-o,--output", e_output, "Also write the metrics to this JSON file");

  std::string p_model, p_output;
  DataArgs p_data;
  std::int64_t p_batch = 32;
  auto* predict = app.add_subcommand("predict", "Write a saved model's predictions for an input file");
  predict->add_option("-m,--model", p_model, "The model file (.keras, .h5, .json)")->required();
  predict->add_option("-i,--input", p_data.data, "Inputs (.npy, IDX, .csv)")->required();
  predict->add_option("-o,--output", p_output, "Predictions (.csv, or .npy)")->required();
  predict->add_option("--label-column", p_data.label_column, "A CSV column to leave out of the inputs");
  predict->add_flag("--no-header", p_data.no_header, "The CSV file has no header line");
  predict->add_option("--skip-rows", p_data.skip_rows, "Lines to skip at the top of the CSV file");
  predict->add_option("--preprocessing", p_data.preprocessing,
                      "preprocessing.json to apply (default: the one beside the model)");
  predict->add_option("-b,--batch-size", p_batch, "Batch size");

  std::string s_target;
  std::vector<std::string> s_sets;
  auto* summary = app.add_subcommand("summary", "Print the model summary of a config or a saved model");
  summary->add_option("target", s_target, "CONFIG.yaml or a model file")->required();
  summary->add_option("--set", s_sets, "Override a config value: key.path=value")->allow_extra_args(false);

  std::string v_config;
  std::vector<std::string> v_sets;
  bool v_no_data = false;
  auto* validate = app.add_subcommand("validate", "Check a config completely and build its model, without training");
  validate->add_option("config", v_config, "The YAML config file")->required();
  validate->add_option("--set", v_sets, "Override a config value: key.path=value")->allow_extra_args(false);
  validate->add_flag("--no-data", v_no_data, "Do not read the data files");

  std::string c_in, c_out, c_arch;
  auto* convert = app.add_subcommand("convert", "Convert between .keras, .h5, .weights.h5 (+ .json architecture)");
  convert->add_option("input", c_in, "The model file to read")->required();
  convert->add_option("output", c_out, "The file to write (format from its extension)")->required();
  convert->add_option("--architecture", c_arch, "Architecture (.json or a model file) for a .weights.h5 input");

  auto* info = app.add_subcommand(
      "info", "Print the build, the CPU and what each backend uses (kernel set, BLAS, threads)");

  std::vector<std::string> argv_rev(args.rbegin(), args.rend());
  if (!argv_rev.empty()) argv_rev.pop_back();  // program name
  try {
    app.parse(argv_rev);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kOk : kConfigError;  // --help, --version
    print_usage_error(e, app, args);
    return kConfigError;
  }
  try {
    if (*train) return cmd_train(ta);
    if (*evaluate) return cmd_evaluate(e_model, e_config, e_sets, e_data, e_batch, e_output);
    if (*predict) return cmd_predict(p_model, p_data, p_output, p_batch);
    if (*summary) return cmd_summary(s_target, s_sets);
    if (*validate) return cmd_validate(v_config, v_sets, v_no_data);
    if (*convert) return cmd_convert(c_in, c_out, c_arch);
    if (*info) return cmd_info();
  } catch (const ConfigError& e) {
    print_error(e);
    return kConfigError;
  } catch (const std::exception& e) {
    print_error(e);
    return g_setup_phase ? kConfigError : kRuntimeFailure;
  } catch (...) {
    std::cerr << "temper: error: unexpected failure" << std::endl;
    return kRuntimeFailure;
  }
  return kConfigError;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  try {
    return run(args);
  } catch (...) {
    std::cerr << "temper: error: unexpected failure" << std::endl;
    return kRuntimeFailure;
  }
}

}  // namespace temper::cli
