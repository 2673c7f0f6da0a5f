// reduce_lr_on_plateau.hpp — lower the learning rate when a metric plateaus
// (Keras: keras.callbacks.ReduceLROnPlateau).
#pragma once
#include <optional>
#include <string>

#include "temper/callbacks.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// Arguments of ReduceLROnPlateau, with Keras's defaults.
struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";  ///< the log key to watch
  double factor = 0.1;               ///< new_lr = lr * factor; must be < 1
  int patience = 10;                 ///< epochs without improvement before reducing (>= 0)
  int verbose = 0;                   ///< > 0 prints "Epoch N: ReduceLROnPlateau reducing ..."
  std::string mode = "auto";         ///< "auto", "min" or "max"
  double min_delta = 1e-4;           ///< smallest change that counts as an improvement
  int cooldown = 0;                  ///< epochs to wait after a reduction (>= 0)
  double min_lr = 0.0;               ///< lower bound of the learning rate (>= 0)
};

/// Reduces the optimizer's learning rate when a monitored log value stops improving (Keras:
/// keras.callbacks.ReduceLROnPlateau, Keras 3 algorithm). At each epoch end: during cooldown
/// the cooldown counter decreases and `wait` resets; an improvement (beating `best` by more
/// than `|min_delta|`, direction as in EarlyStopping) records `best` and resets `wait`; otherwise,
/// outside cooldown, `wait` grows and when it reaches `patience` the rate becomes
/// `max(lr * factor, min_lr)` (only if lr > float32(min_lr)), cooldown starts and `wait`
/// resets. As in Keras 3, the epoch's logs (and so History) get "learning_rate", the rate the
/// epoch trained with.
class ReduceLROnPlateau : public Callback {
 public:
  using Options = ReduceLROnPlateauOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  /// ValueError for factor >= 1, negative patience/cooldown/min_lr, or a bad mode.
  explicit ReduceLROnPlateau(Options options = {});

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  /// Keras 3: logs["learning_rate"] is the rate the epoch trained with.
  void update_epoch_logs(int epoch, Logs& logs) override;

  const Options& options() const noexcept { return options_; }
  bool in_cooldown() const noexcept { return cooldown_counter_ > 0; }
  int wait() const noexcept { return wait_; }
  std::optional<double> best() const noexcept { return best_; }

 private:
  Options options_;
  std::optional<bool> greater_{};
  std::optional<double> best_{};
  int cooldown_counter_ = 0;
  int wait_ = 0;
};

}  // namespace temper::callbacks
