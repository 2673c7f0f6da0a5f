// learning_rate_scheduler.hpp — set the learning rate at each epoch from a function
// (Keras: keras.callbacks.LearningRateScheduler).
#pragma once
#include <functional>

#include "temper/callbacks.hpp"

namespace temper::callbacks {

/// Sets the optimizer's learning rate at the start of every epoch to
/// `schedule(epoch, current_lr)` (Keras: keras.callbacks.LearningRateScheduler). `epoch` is
/// 0-based. The one-argument form `schedule(epoch)` is Keras's legacy API. With verbose > 0
/// it prints "Epoch N: LearningRateScheduler setting learning rate to LR." A schedule that
/// returns a negative or non-finite rate makes the optimizer throw ValueError. As in Keras 3,
/// the epoch's logs (and so History) get "learning_rate".
class LearningRateScheduler : public Callback {
 public:
  using Schedule = std::function<double(int epoch, double lr)>;
  using LegacySchedule = std::function<double(int epoch)>;

  /// ValueError when `schedule` is empty.
  explicit LearningRateScheduler(Schedule schedule, int verbose = 0);
  explicit LearningRateScheduler(LegacySchedule schedule, int verbose = 0);

  void on_epoch_begin(int epoch, const Logs& logs) override;
  /// Keras 3: logs["learning_rate"] is the rate the epoch trained with.
  void update_epoch_logs(int epoch, Logs& logs) override;

 private:
  Schedule schedule_;
  int verbose_ = 0;
};

}  // namespace temper::callbacks
