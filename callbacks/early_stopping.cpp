// early_stopping.cpp — Keras 3 EarlyStopping and the shared MonitorCallback helpers.
#include "temper/callbacks/early_stopping.hpp"

#include "temper/callbacks/registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper::callbacks {

const Arguments<EarlyStopping::Options>& EarlyStopping::arguments() {
  using O = EarlyStoppingOptions;
  static const auto args = Arguments<O>("EarlyStopping")
                               .add("monitor", &O::monitor)
                               .add("min_delta", &O::min_delta)
                               .add("patience", &O::patience)
                               .add("verbose", &O::verbose)
                               .add("mode", &O::mode)
                               .add("baseline", &O::baseline)
                               .add("restore_best_weights", &O::restore_best_weights)
                               .add("start_from_epoch", &O::start_from_epoch);
  return args;
}

namespace {
const CallbackRegistration<EarlyStopping> registered{"EarlyStopping"};
}  // namespace

namespace detail {

void check_mode(const std::string& mode, const std::string& callback_name) {
  if (mode != "auto" && mode != "min" && mode != "max")
    throw ValueError(callback_name + ": mode must be one of \"auto\", \"min\", \"max\". Received: mode=\"" +
                     mode + "\"");
}

static bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool monitor_greater(const Model* model, const std::string& mode, const std::string& monitor,
                     const std::string& callback_name) {
  if (mode == "min") return false;
  if (mode == "max") return true;
  std::string name = monitor;
  if (name.rfind("val_", 0) == 0) name = name.substr(4);
  if (name == "loss") return false;
  if (model != nullptr) {
    for (const auto& m : model->metrics())
      if (m && m->name() == name) return m->higher_is_better();
  }
  // Metrics are resolved on the first batch; before that fall back to tf.keras's name rule.
  if (ends_with(name, "acc") || ends_with(name, "accuracy") || ends_with(name, "auc")) return true;
  throw ValueError(callback_name + " callback received monitor=" + monitor +
                   ", but Temper isn't able to automatically determine whether that metric should be "
                   "maximized or minimized. Pass `mode = \"max\"` in order to monitor based on the "
                   "highest metric value, or pass `mode = \"min\"` in order to use the lowest value.");
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // shortest round-trip digits: [-]d[.ddd]e[+-]XX
  std::string sign;
  if (!sci.empty() && sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const auto epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos))
    if (c != '.') digits += c;
  const int exp = std::atoi(sci.c_str() + epos + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int n = static_cast<int>(digits.size());
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      std::string int_part = digits.substr(0, static_cast<std::size_t>(std::min(n, exp + 1)));
      while (static_cast<int>(int_part.size()) < exp + 1) int_part += '0';
      std::string frac = n > exp + 1 ? digits.substr(static_cast<std::size_t>(exp + 1)) : "0";
      out = int_part + "." + frac;
    } else {
      out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += e;
  }
  return sign + out;
}

}  // namespace detail

namespace {
std::string available_keys(const Logs& logs) {
  std::string out;
  for (const auto& [k, v] : logs) out += (out.empty() ? "" : ",") + k;
  return out;
}
}  // namespace

EarlyStopping::EarlyStopping(Options options) : options_(std::move(options)) {
  if (options_.patience < 0)
    throw ValueError("EarlyStopping: patience must be >= 0. Received: patience=" +
                     std::to_string(options_.patience));
  if (options_.start_from_epoch < 0)
    throw ValueError("EarlyStopping: start_from_epoch must be >= 0. Received: start_from_epoch=" +
                     std::to_string(options_.start_from_epoch));
  if (!std::isfinite(options_.min_delta))
    throw ValueError("EarlyStopping: min_delta must be finite. Received: min_delta=" +
                     detail::python_float_repr(options_.min_delta));
  detail::check_mode(options_.mode, "EarlyStopping");
  options_.min_delta = std::abs(options_.min_delta);
}

void EarlyStopping::on_train_begin(const Logs&) {
  wait_ = 0;
  stopped_epoch_ = 0;
  best_.reset();
  best_weights_.reset();
  best_epoch_ = 0;
}

bool EarlyStopping::is_improvement(double current, std::optional<double> reference) const {
  if (!reference) return true;
  // Keras: monitor_op(current - min_delta, reference), min_delta negated in min mode.
  return *greater_ ? (current - options_.min_delta > *reference)
                   : (current + options_.min_delta < *reference);
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
  if (!greater_)
    greater_ = detail::monitor_greater(model(), options_.mode, options_.monitor, "EarlyStopping");
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    spdlog::warn("Early stopping conditioned on metric `{}` which is not available. "
                 "Available metrics are: {}",
                 options_.monitor, available_keys(logs));
    return;
  }
  if (epoch < options_.start_from_epoch) return;
  const double current = it->second;
  if (options_.restore_best_weights && !best_weights_) {
    // Until something improves, the first monitored epoch's weights count as the best.
    if (model() != nullptr) best_weights_ = model()->get_weights();
    best_epoch_ = epoch;
  }
  ++wait_;
  if (is_improvement(current, best_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights && model() != nullptr) best_weights_ = model()->get_weights();
    // Only restart the wait if the value beats both the previous best and the baseline.
    if (!options_.baseline || is_improvement(current, options_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    if (model() != nullptr) model()->stop_training = true;
  }
}

void EarlyStopping::on_train_end(const Logs&) {
  if (stopped_epoch_ > 0 && options_.verbose > 0) {
    std::printf("Epoch %d: early stopping\n", stopped_epoch_ + 1);
    std::fflush(stdout);
  }
  if (options_.restore_best_weights && best_weights_ && model() != nullptr) {
    if (options_.verbose > 0) {
      std::printf("Restoring model weights from the end of the best epoch: %d.\n", best_epoch_ + 1);
      std::fflush(stdout);
    }
    model()->set_weights(*best_weights_);
  }
}

}  // namespace temper::callbacks
