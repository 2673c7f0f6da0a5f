// early_stopping.hpp — stop fit when a monitored quantity stops improving
// (Keras: keras.callbacks.EarlyStopping).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "temper/callbacks.hpp"
#include "temper/tensor.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// Arguments of EarlyStopping, with Keras's defaults.
struct EarlyStoppingOptions {
  std::string monitor = "val_loss";  ///< the log key to watch
  double min_delta = 0.0;            ///< smallest change that counts as an improvement (sign ignored)
  int patience = 0;                  ///< epochs without improvement before stopping (>= 0)
  int verbose = 0;                   ///< > 0 prints "Epoch N: early stopping"
  std::string mode = "auto";         ///< "auto", "min" or "max"
  std::optional<double> baseline{};  ///< the value to beat before `wait` resets
  bool restore_best_weights = false; ///< set the best epoch's weights at the end of training
  int start_from_epoch = 0;          ///< epochs ignored at the start (warm-up)
};

/// Stops training when a monitored log value has stopped improving (Keras:
/// keras.callbacks.EarlyStopping, Keras 3 algorithm). At each epoch end the value must beat
/// the best so far by more than `|min_delta|` (lower in "min" mode, higher in "max"; "auto"
/// picks "min" for losses and otherwise follows the compiled metric's direction). After
/// `patience` epochs without improvement (and never at epoch 0) it sets
/// `model->stop_training`. With a `baseline`, an improvement resets the wait counter only if
/// it also beats the baseline. With `restore_best_weights`, the weights of the epoch with the
/// best value are set back in `on_train_end`, whether or not training stopped early and even
/// when no epoch beat the baseline (Keras 3). A missing monitor key logs a warning and the
/// epoch is skipped.
class EarlyStopping : public Callback {
 public:
  using Options = EarlyStoppingOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  /// ValueError for a negative patience or start_from_epoch, or a mode other than
  /// "auto", "min", "max".
  explicit EarlyStopping(Options options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const Options& options() const noexcept { return options_; }
  /// The 0-based epoch at which training was stopped (0 when it was not stopped).
  int stopped_epoch() const noexcept { return stopped_epoch_; }
  /// The 0-based epoch with the best monitored value so far.
  int best_epoch() const noexcept { return best_epoch_; }
  /// The best monitored value so far (empty before the first monitored epoch).
  std::optional<double> best() const noexcept { return best_; }
  /// Epochs since the last improvement (Keras `wait`).
  int wait() const noexcept { return wait_; }

 private:
  bool is_improvement(double current, std::optional<double> reference) const;

  Options options_;
  std::optional<bool> greater_{};  // resolved lazily from `mode`, as Keras does
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  std::optional<double> best_{};
  std::optional<std::vector<Tensor>> best_weights_{};
};

namespace detail {
/// Keras 3 MonitorCallback._set_monitor_op: true when larger values of `monitor` are better.
/// "min"/"max" decide directly; "auto" uses "min" for "loss"/"val_loss", else the direction of
/// the model's compiled metric with that name (without "val_"), else greater when the name
/// ends with "acc", "accuracy" or "auc" (tf.keras rule); otherwise ValueError as in Keras.
bool monitor_greater(const Model* model, const std::string& mode, const std::string& monitor,
                     const std::string& callback_name);
/// ValueError unless `mode` is "auto", "min" or "max".
void check_mode(const std::string& mode, const std::string& callback_name);
/// Python's repr() of a float ("0.1", "1e-05", "2.0", "nan").
std::string python_float_repr(double value);
}  // namespace detail

}  // namespace temper::callbacks
