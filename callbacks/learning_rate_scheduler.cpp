// learning_rate_scheduler.cpp — Keras LearningRateScheduler.
#include "temper/callbacks/learning_rate_scheduler.hpp"

#include "temper/callbacks/registry.hpp"
#include "temper/schedules.hpp"

#include <cstdio>
#include <utility>

#include "temper/callbacks/early_stopping.hpp"
#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper::callbacks {

namespace {

// From a config the schedule is a serialized learning-rate schedule evaluated at the epoch
// number ({"class_name": "ExponentialDecay", "config": {...}}): Python functions do not travel.
struct SchedulerArguments {
  Config schedule{};
  int verbose = 0;
};

const Arguments<SchedulerArguments>& scheduler_arguments() {
  using O = SchedulerArguments;
  static const auto args =
      Arguments<O>("LearningRateScheduler").required("schedule", &O::schedule).add("verbose", &O::verbose);
  return args;
}

const bool registered = [] {
  registry().add({"LearningRateScheduler", {}, scheduler_arguments().names(), [](ArgReader& r) -> CallbackPtr {
                    const SchedulerArguments a = scheduler_arguments().read(r);
                    if (!a.schedule.is_object())
                      r.fail("schedule", "expected a serialized learning rate schedule such as {\"class_name\": "
                                         "\"ExponentialDecay\", \"config\": {...}}, found " + describe_json(a.schedule));
                    schedules::SchedulePtr schedule;
                    try {
                      schedule = schedules::from_config(a.schedule);
                    } catch (const ArgumentError& e) {
                      throw e.nested_in(r.owner(), "schedule");
                    } catch (const UnknownNameError&) {
                      throw;
                    } catch (const Error& e) {
                      r.fail("schedule", e.what());
                    }
                    return std::make_shared<LearningRateScheduler>(
                        LearningRateScheduler::Schedule([schedule](int epoch, double) { return (*schedule)(epoch); }),
                        a.verbose);
                  }});
  return true;
}();

}  // namespace

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


namespace {
// Keras keeps the rate in a float32 variable and logs float(np.array(lr)).
void log_learning_rate(const Model* model, Logs& logs) {
  if (model != nullptr && model->optimizer())
    logs["learning_rate"] = static_cast<double>(static_cast<float>(model->optimizer()->learning_rate()));
}
}  // namespace

void LearningRateScheduler::update_epoch_logs(int, Logs& logs) { log_learning_rate(model(), logs); }

}  // namespace temper::callbacks
