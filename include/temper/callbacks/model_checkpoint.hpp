// model_checkpoint.hpp — save the model (or its weights) during fit
// (Keras: keras.callbacks.ModelCheckpoint).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "temper/callbacks.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// How often a checkpointing callback saves (Keras: the `save_freq` argument): the string
/// "epoch" (at the end of every epoch) or a number of training batches N (every N batches,
/// counted across epochs). Converts implicitly from both, so option structs read
/// `.save_freq = "epoch"` or `.save_freq = 100`. Anything else throws ValueError.
class SaveFreq {
 public:
  SaveFreq(const char* s);           // NOLINT(google-explicit-constructor)
  SaveFreq(const std::string& s);    // NOLINT(google-explicit-constructor)
  SaveFreq(std::int64_t batches);    // NOLINT(google-explicit-constructor)
  SaveFreq(int batches) : SaveFreq(static_cast<std::int64_t>(batches)) {}  // NOLINT
  bool per_epoch() const noexcept { return batches_ == 0; }
  /// N when saving every N batches (0 for "epoch").
  std::int64_t batches() const noexcept { return batches_; }
  std::string to_string() const;

 private:
  std::int64_t batches_ = 0;
};

/// Arguments of ModelCheckpoint after `filepath`, with Keras's defaults.
struct ModelCheckpointOptions {
  std::string monitor = "val_loss";      ///< log key compared when save_best_only
  int verbose = 0;                       ///< > 0 prints Keras's "Epoch N: ..." messages
  bool save_best_only = false;           ///< save only when `monitor` improves
  bool save_weights_only = false;        ///< save_weights() instead of save_model()
  std::string mode = "auto";             ///< "auto", "min" or "max"
  SaveFreq save_freq = "epoch";          ///< "epoch" or every N batches
  std::optional<double> initial_value_threshold{};  ///< the value to beat first (save_best_only)
};

/// Saves the model or its weights during training (Keras: keras.callbacks.ModelCheckpoint,
/// Keras 3 algorithm). `filepath` is a Python format string filled with `epoch` (1-based),
/// `batch` (1-based, batch-frequency saves only) and every log value, e.g.
/// "ckpt/model.{epoch:02d}-{val_loss:.2f}.keras" -> "ckpt/model.03-0.41.keras"; a field
/// naming a key that is not in the logs throws ValueError("Failed to format this callback
/// filepath ..."). The name must end in `.keras`, `.h5` or `.hdf5` (whole model) or, with
/// save_weights_only, `.weights.h5` (or legacy `.h5`). With save_best_only the file is
/// written only when the monitored value beats the best so far (strictly; the best starts at
/// initial_value_threshold and is kept across fit calls); a missing monitored key saves anyway
/// with a warning, as in Keras 3. Parent directories are created; every write is atomic.
class ModelCheckpoint : public Callback {
 public:
  using Options = ModelCheckpointOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  /// ValueError for a bad mode, save_freq or file extension.
  explicit ModelCheckpoint(std::string filepath, Options options = {});

  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;

  const std::string& filepath() const noexcept { return filepath_; }
  const Options& options() const noexcept { return options_; }
  /// The best monitored value so far (save_best_only).
  std::optional<double> best() const noexcept { return best_; }
  /// The path of the last file written (empty before the first save).
  const std::string& last_saved() const noexcept { return last_saved_; }

 private:
  bool should_save_on_batch(std::int64_t batch);
  void save(int epoch, std::optional<std::int64_t> batch, const Logs& logs);
  bool should_save(int epoch, const Logs& logs, const std::string& path);

  std::string filepath_;
  Options options_;
  std::optional<double> best_{};
  std::optional<bool> greater_{};
  int current_epoch_ = 0;
  std::int64_t last_batch_seen_ = 0;
  std::int64_t batches_since_save_ = 0;
  std::string last_saved_;
};

namespace detail {
/// Python's `str.format(epoch=..., batch=..., **logs)` for checkpoint file names: fields
/// `{name}` or `{name:spec}` with the format-spec mini-language ([[fill]align][sign][0][width]
/// [,][.precision][type], types d, f, F, e, E, g, G, %). `epoch` and `batch` are integers, log
/// values floats; `{{` and `}}` are literal braces. ValueError naming the pattern and the
/// missing key or bad spec.
std::string format_filepath(const std::string& pattern, int epoch, std::optional<std::int64_t> batch,
                            const Logs& logs);
}  // namespace detail

}  // namespace temper::callbacks
