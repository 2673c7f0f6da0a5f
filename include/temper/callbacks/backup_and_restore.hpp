// backup_and_restore.hpp — resume an interrupted fit where it stopped
// (Keras: keras.callbacks.BackupAndRestore).
#pragma once
#include <cstdint>
#include <string>

#include "temper/callbacks.hpp"
#include "temper/callbacks/model_checkpoint.hpp"
#include "temper/config.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// Arguments of BackupAndRestore after `backup_dir`, with Keras's defaults.
struct BackupAndRestoreOptions {
  SaveFreq save_freq = "epoch";     ///< back up at each epoch end, or every N batches
  bool double_checkpoint = false;   ///< keep the previous backup as *.bkp and fall back to it
  bool delete_checkpoint = true;    ///< delete the backup when fit ends normally
};

/// Backs up the training state so that a fit interrupted by a crash or a kill resumes where
/// it stopped (Keras: keras.callbacks.BackupAndRestore, Keras 3 layout). At each epoch end (or
/// every `save_freq` batches) it writes `backup_dir/latest.weights.h5` — the weights and the
/// optimizer state (iterations, learning rate, slots) in the Keras 3 layout — and
/// `backup_dir/training_metadata.json` = {"epoch": next epoch, "batch": last batch, "temper":
/// {random-stream state}}; both writes are atomic. In on_train_begin, when a backup exists, it
/// loads it and sets `model.resume_epoch`, so fit starts at the saved epoch. Because the
/// weights, the optimizer state and the random streams (dropout masks, shuffling) are all
/// restored, rerunning the same program (same seed, same data, same fit arguments) after a
/// crash gives weights bit-identical to an uninterrupted run when backups are taken per
/// epoch; a batch-frequency backup resumes at the start of the interrupted epoch from the
/// mid-epoch weights, as Keras does. When fit ends normally and delete_checkpoint is set, the
/// backup files are removed (and the directory, if it is then empty).
///
/// Order: fit runs the callbacks in list order, as Keras does (History and the progress bar,
/// which fit adds, come after the given list and write no files). The backup of an epoch marks
/// it done, so put BackupAndRestore *after* the callbacks that write something per epoch
/// (CSVLogger, ModelCheckpoint): then a kill between their writes and the backup repeats the
/// epoch on resume, instead of skipping it with its history row and checkpoint lost. Restoring
/// in on_train_begin does not depend on the position. (`temper train` restores first and backs
/// up last; see apps/cli/commands.cpp.)
class BackupAndRestore : public Callback {
 public:
  using Options = BackupAndRestoreOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  /// ValueError for an empty backup_dir.
  explicit BackupAndRestore(std::string backup_dir, Options options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const std::string& backup_dir() const noexcept { return backup_dir_; }
  /// `backup_dir/latest.weights.h5`.
  std::string weights_path() const;
  /// `backup_dir/training_metadata.json`.
  std::string metadata_path() const;
  /// The epoch the last on_train_begin resumed at (-1 when it found no backup).
  int resumed_epoch() const noexcept { return resumed_epoch_; }

 private:
  void backup();
  bool restore_from(const std::string& weights, const std::string& metadata);

  std::string backup_dir_;
  Options options_;
  int current_epoch_ = 0;
  std::int64_t last_batch_seen_ = 0;
  std::int64_t batches_since_save_ = 0;
  int resumed_epoch_ = -1;
  Config train_begin_model_rng_{};
};

}  // namespace temper::callbacks
