// learning_rate_scheduler.cpp — Keras LearningRateScheduler.
#include "temper/callbacks/learning_rate_scheduler.hpp"

#include <cstdio>
#include <utility>

#include "temper/callbacks/early_stopping.hpp"
#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper::callbacks {

LearningRateScheduler::LearningRateScheduler(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  if (!schedule_) throw ValueError("LearningRateScheduler: the schedule function is empty");
}

LearningRateScheduler::LearningRateScheduler(LegacySchedule schedule, int verbose) : verbose_(verbose) {
  if (!schedule) throw ValueError("LearningRateScheduler: the schedule function is empty");
  schedule_ = [s = std::move(schedule)](int epoch, double) { return s(epoch); };
}

void LearningRateScheduler::on_epoch_begin(int epoch, const Logs&) {
  if (model() == nullptr || !model()->optimizer())
    throw StateError("LearningRateScheduler: the callback has no compiled model "
                     "(call set_model or use it in fit)");
  auto& opt = *model()->optimizer();
  const double lr = schedule_(epoch, opt.learning_rate());
  opt.set_learning_rate(lr);  // ValueError for a negative or non-finite rate
  if (verbose_ > 0) {
    std::printf("\nEpoch %d: LearningRateScheduler setting learning rate to %s.\n", epoch + 1,
                detail::python_float_repr(lr).c_str());
    std::fflush(stdout);
  }
}

}  // namespace temper::callbacks
