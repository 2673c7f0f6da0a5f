// reduce_lr_on_plateau.cpp — Keras 3 ReduceLROnPlateau.
#include "temper/callbacks/reduce_lr_on_plateau.hpp"

#include "temper/callbacks/registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "temper/callbacks/early_stopping.hpp"
#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper::callbacks {

const Arguments<ReduceLROnPlateau::Options>& ReduceLROnPlateau::arguments() {
  using O = ReduceLROnPlateauOptions;
  static const auto args = Arguments<O>("ReduceLROnPlateau")
                               .add("monitor", &O::monitor)
                               .add("factor", &O::factor)
                               .add("patience", &O::patience)
                               .add("verbose", &O::verbose)
                               .add("mode", &O::mode)
                               .add("min_delta", &O::min_delta)
                               .add("cooldown", &O::cooldown)
                               .add("min_lr", &O::min_lr);
  return args;
}

namespace {
const CallbackRegistration<ReduceLROnPlateau> registered{"ReduceLROnPlateau"};
}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Options options) : options_(std::move(options)) {
  const std::string f = detail::python_float_repr(options_.factor);
  if (!(options_.factor < 1.0))
    throw ValueError("ReduceLROnPlateau does not support a factor >= 1.0. Received factor=" + f);
  if (!(options_.factor >= 0.0))
    throw ValueError("ReduceLROnPlateau: factor must be in [0, 1). Received factor=" + f);
  if (options_.patience < 0)
    throw ValueError("ReduceLROnPlateau: patience must be >= 0. Received: patience=" +
                     std::to_string(options_.patience));
  if (options_.cooldown < 0)
    throw ValueError("ReduceLROnPlateau: cooldown must be >= 0. Received: cooldown=" +
                     std::to_string(options_.cooldown));
  if (!(options_.min_lr >= 0.0) || !std::isfinite(options_.min_lr))
    throw ValueError("ReduceLROnPlateau: min_lr must be a finite number >= 0. Received: min_lr=" +
                     detail::python_float_repr(options_.min_lr));
  if (!std::isfinite(options_.min_delta))
    throw ValueError("ReduceLROnPlateau: min_delta must be finite. Received: min_delta=" +
                     detail::python_float_repr(options_.min_delta));
  detail::check_mode(options_.mode, "ReduceLROnPlateau");
  options_.min_delta = std::abs(options_.min_delta);
}

void ReduceLROnPlateau::on_train_begin(const Logs&) {
  best_.reset();
  cooldown_counter_ = 0;
  wait_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, const Logs& logs) {
  if (model() == nullptr || !model()->optimizer())
    throw StateError("ReduceLROnPlateau: the callback has no compiled model "
                     "(call set_model or use it in fit)");
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ",") + k;
    spdlog::warn("Learning rate reduction is conditioned on metric `{}` which is not available. "
                 "Available metrics are: {}.",
                 options_.monitor, keys);
    return;
  }
  if (!greater_)
    greater_ = detail::monitor_greater(model(), options_.mode, options_.monitor, "ReduceLROnPlateau");
  const double current = it->second;
  if (in_cooldown()) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved = !best_ || (*greater_ ? current - options_.min_delta > *best_
                                             : current + options_.min_delta < *best_);
  if (improved) {
    best_ = current;
    wait_ = 0;
  } else if (!in_cooldown()) {
    ++wait_;
    if (wait_ >= options_.patience) {
      auto& opt = *model()->optimizer();
      const double old_lr = opt.learning_rate();
      // Keras keeps the rate in a float32 variable and compares it with float32(min_lr).
      if (static_cast<float>(old_lr) > static_cast<float>(options_.min_lr)) {
        const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
        opt.set_learning_rate(new_lr);
        if (options_.verbose > 0) {
          std::printf("\nEpoch %d: ReduceLROnPlateau reducing learning rate to %s.\n", epoch + 1,
                      detail::python_float_repr(new_lr).c_str());
          std::fflush(stdout);
        }
        cooldown_counter_ = options_.cooldown;
        wait_ = 0;
      }
    }
  }
}


namespace {
// Keras keeps the rate in a float32 variable and logs float(np.array(lr)).
void log_learning_rate(const Model* model, Logs& logs) {
  if (model != nullptr && model->optimizer())
    logs["learning_rate"] = static_cast<double>(static_cast<float>(model->optimizer()->learning_rate()));
}
}  // namespace

void ReduceLROnPlateau::update_epoch_logs(int, Logs& logs) { log_learning_rate(model(), logs); }

}  // namespace temper::callbacks
