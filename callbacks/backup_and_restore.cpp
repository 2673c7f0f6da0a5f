// backup_and_restore.cpp — Keras 3 BackupAndRestore with Temper's random-stream state.
#include "temper/callbacks/backup_and_restore.hpp"

#include "temper/callbacks/registry.hpp"
#include "callbacks/save_freq_argument.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/saving/internal.hpp"
#include "temper/error.hpp"
#include "temper/io/atomic_file.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/model.hpp"
#include "temper/saving.hpp"

namespace temper::callbacks {

const Arguments<BackupAndRestore::Options>& BackupAndRestore::arguments() {
  using O = BackupAndRestoreOptions;
  static const auto args = Arguments<O>("BackupAndRestore")
                               .extra("backup_dir")
                               .add("save_freq", &O::save_freq)
                               .add("double_checkpoint", &O::double_checkpoint)
                               .add("delete_checkpoint", &O::delete_checkpoint);
  return args;
}

namespace {
const CallbackRegistration<BackupAndRestore> registered{
    "BackupAndRestore", [](ArgReader& r, BackupAndRestoreOptions o) -> CallbackPtr {
      return std::make_shared<BackupAndRestore>(r.required<std::string>("backup_dir"), std::move(o));
    }};
}  // namespace

namespace fs = std::filesystem;

namespace {

constexpr const char* kMetadataAttr = "temper_training_metadata";

std::string read_text(const std::string& path) {
  io::require_regular_file(path, "a training metadata file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("cannot read '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Config parse(const std::string& text, const std::string& where) {
  io::check_nesting_depth(text, where);
  try {
    return Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(where + " is not valid JSON: " + e.what());
  }
}

}  // namespace

BackupAndRestore::BackupAndRestore(std::string backup_dir, Options options)
    : backup_dir_(std::move(backup_dir)), options_(std::move(options)) {
  if (backup_dir_.empty()) throw ValueError("BackupAndRestore: empty `backup_dir` argument passed");
}

std::string BackupAndRestore::weights_path() const { return (fs::path(backup_dir_) / "latest.weights.h5").string(); }

std::string BackupAndRestore::metadata_path() const {
  return (fs::path(backup_dir_) / "training_metadata.json").string();
}

bool BackupAndRestore::restore_from(const std::string& weights, const std::string& metadata) {
  const bool have_weights = fs::exists(weights), have_meta = fs::exists(metadata);
  if (!have_weights && !have_meta) return false;
  Model& m = *model();
  Config meta;
  if (have_weights) {
    saving_detail::load_weights_h5(m, weights);
    // The copy of the metadata inside the weights file was written together with them.
    if (auto attr = saving_detail::read_root_attr(weights, kMetadataAttr))
      meta = parse(*attr, "the attribute '" + std::string(kMetadataAttr) + "' of '" + weights + "'");
  }
  if (meta.is_null() && have_meta) meta = parse(read_text(metadata), "'" + metadata + "'");
  if (!meta.is_object() || !meta.contains("epoch") || !meta["epoch"].is_number_integer())
    throw IOError("the backup metadata in '" + backup_dir_ + "' has no integer \"epoch\"");
  const int epoch = meta["epoch"].get<int>();
  if (meta.contains("temper") && meta["temper"].is_object()) {
    const Config& t = meta["temper"];
    Config state = Config::object();
    if (t.contains("rng") && t["rng"].contains("layers")) state["layers"] = t["rng"]["layers"];
    if (t.contains("train_begin_model_rng") && !t["train_begin_model_rng"].is_null()) {
      state["model"] = t["train_begin_model_rng"];
      train_begin_model_rng_ = t["train_begin_model_rng"];
    }
    set_rng_state(m, state);
  }
  m.resume_epoch = epoch;
  resumed_epoch_ = epoch;
  current_epoch_ = epoch;
  return true;
}

void BackupAndRestore::on_train_begin(const Logs&) {
  if (model() == nullptr) throw StateError("BackupAndRestore: no model is set (use it through fit())");
  Model& m = *model();
  if (!m.built())
    throw ValueError("To use the BackupAndRestore callback, your model must be built before you call `fit()`. "
                     "Model '" + m.name() + "' is unbuilt.");
  if (m.compiled() && !m.optimizer()->built()) m.optimizer()->build(m.trainable_weights());
  resumed_epoch_ = -1;
  current_epoch_ = 0;
  last_batch_seen_ = 0;
  batches_since_save_ = 0;
  train_begin_model_rng_ = get_rng_state(m)["model"];
  bool restored = false;
  try {
    restored = restore_from(weights_path(), metadata_path());
  } catch (const Error& e) {
    if (!options_.double_checkpoint) throw;
    spdlog::warn("BackupAndRestore: the latest backup in '{}' cannot be restored ({}); trying the previous one",
                 backup_dir_, e.what());
  }
  if (!restored && options_.double_checkpoint) restore_from(weights_path() + ".bkp", metadata_path() + ".bkp");
}

void BackupAndRestore::on_epoch_begin(int epoch, const Logs&) { current_epoch_ = epoch; }

void BackupAndRestore::on_train_batch_end(std::int64_t batch, const Logs&) {
  if (options_.save_freq.per_epoch()) return;
  const std::int64_t add = batch <= last_batch_seen_ ? batch + 1 : batch - last_batch_seen_;
  batches_since_save_ += add;
  last_batch_seen_ = batch;
  if (batches_since_save_ >= options_.save_freq.batches()) {
    batches_since_save_ = 0;
    backup();
  }
}

void BackupAndRestore::on_epoch_end(int epoch, const Logs&) {
  current_epoch_ = epoch + 1;
  last_batch_seen_ = 0;
  if (options_.save_freq.per_epoch()) backup();
}

void BackupAndRestore::backup() {
  Model& m = *model();
  Config meta = {{"epoch", current_epoch_},
                 {"batch", last_batch_seen_},
                 {"temper", {{"rng", get_rng_state(m)}, {"train_begin_model_rng", train_begin_model_rng_}}}};
  const std::string text = meta.dump();
  if (options_.double_checkpoint) {
    std::error_code ec;
    if (fs::exists(weights_path())) fs::copy_file(weights_path(), weights_path() + ".bkp", fs::copy_options::overwrite_existing, ec);
    if (fs::exists(metadata_path()))
      fs::copy_file(metadata_path(), metadata_path() + ".bkp", fs::copy_options::overwrite_existing, ec);
  }
  saving_detail::save_weights_with_attrs(m, weights_path(), {{kMetadataAttr, text}});
  io::write_file_atomically(metadata_path(), text);
}

void BackupAndRestore::on_train_end(const Logs&) {
  if (!options_.delete_checkpoint) return;
  std::error_code ec;
  for (const auto& p : {weights_path(), metadata_path(), weights_path() + ".bkp", metadata_path() + ".bkp"})
    fs::remove(p, ec);
  if (fs::is_directory(backup_dir_, ec) && fs::is_empty(backup_dir_, ec)) fs::remove(backup_dir_, ec);
}

}  // namespace temper::callbacks
