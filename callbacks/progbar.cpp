// Keras 3's Progbar and ProgbarLogger (keras/src/utils/progbar.py), same text and colours.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "temper/callbacks.hpp"

namespace temper {

namespace {

std::string format_value(double v) {
  char buf[64];
  if (std::isnan(v)) return "nan";
  if (std::abs(v) > 1e-3) std::snprintf(buf, sizeof buf, "%.4f", v);
  else std::snprintf(buf, sizeof buf, "%.4e", v);
  return buf;
}

std::string format_time_per_step(double seconds) {
  char buf[64];
  if (seconds >= 1) std::snprintf(buf, sizeof buf, "%.0fs/step", seconds);
  else if (seconds >= 1e-3) std::snprintf(buf, sizeof buf, "%.0fms/step", seconds * 1e3);
  else std::snprintf(buf, sizeof buf, "%.0fus/step", seconds * 1e6);
  return buf;
}

std::string format_eta(double eta) {
  char buf[64];
  const long e = static_cast<long>(eta);
  if (e > 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", e / 3600, (e % 3600) / 60, e % 60);
  else if (e > 60) std::snprintf(buf, sizeof buf, "%ld:%02ld", e / 60, e % 60);
  else std::snprintf(buf, sizeof buf, "%lds", e);
  return buf;
}

std::string repeat(const char* s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

Progbar::Progbar(Options o) : options_(o) {
  if (!options_.stream) options_.stream = stdout;
  if (!options_.interactive) options_.interactive = isatty(fileno(options_.stream)) != 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progbar::update(std::int64_t current, const Logs& values, bool finalize) {
  if (done_ || options_.verbose <= 0) return;
  using clock = std::chrono::steady_clock;
  const auto now = clock::now();
  // Like Keras's ProgbarLogger, batches never finalize: the epoch-end update does, so the
  // final line carries the validation metrics too.
  for (const auto& [k, v] : values)
    if (std::find(order_.begin(), order_.end(), k) == order_.end()) order_.push_back(k);
  // Keras leaves the first step out of the time-per-step estimate (it includes warm-up).
  if (!first_step_done_ && current >= 1) {
    first_step_done_ = now;
    first_step_ = current;
  }
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  double per_step = 0;
  if (first_step_done_ && current > first_step_)
    per_step = std::chrono::duration<double>(now - *first_step_done_).count() /
               static_cast<double>(current - first_step_);
  else if (current > 0)
    per_step = elapsed / static_cast<double>(current);

  std::string metrics;
  for (const auto& k : order_) {
    auto it = values.find(k);
    if (it != values.end()) metrics += " - " + k + ": " + format_value(it->second);
  }

  const bool interactive = *options_.interactive && options_.verbose == 1;
  if (interactive) {
    if (!finalize && std::chrono::duration<double>(now - last_draw_).count() < 0.05) return;
    last_draw_ = now;
    std::string line;
    if (options_.target) {
      const std::int64_t target = *options_.target;
      const int digits = static_cast<int>(std::to_string(target).size());
      char head[64];
      std::snprintf(head, sizeof head, "%*lld/%lld", digits, static_cast<long long>(current),
                    static_cast<long long>(target));
      const int w = target > 0 ? static_cast<int>(20.0 * static_cast<double>(current) / static_cast<double>(target)) : 20;
      line = std::string("\x1b[1m") + head + "\x1b[0m ";
      if (w > 0) line += "\x1b[32m" + repeat("━", w) + "\x1b[0m";
      line += "\x1b[37m" + repeat("━", 20 - w) + "\x1b[0m";
      if (finalize) {
        char t[32];
        std::snprintf(t, sizeof t, "%.0fs", elapsed);
        line += std::string(" \x1b[1m") + t + "\x1b[0m";
      } else {
        line += " \x1b[1m" + format_eta(per_step * static_cast<double>(target - current)) + "\x1b[0m";
      }
    } else {
      char head[64];
      std::snprintf(head, sizeof head, "%7lld/Unknown %.0fs", static_cast<long long>(current), elapsed);
      line = head;
    }
    line += " " + format_time_per_step(per_step) + metrics;
    std::string out = std::string(previous_width_, '\b') + "\r" + line;
    if (line.size() < previous_width_) out += std::string(previous_width_ - line.size(), ' ');
    previous_width_ = line.size();
    if (finalize) out += "\n";
    std::fputs(out.c_str(), options_.stream);
    std::fflush(options_.stream);
  } else if (finalize) {
    // verbose=2, or a log file / pipe: one line when the epoch (or evaluation) is done.
    char head[128];
    const long long target = static_cast<long long>(options_.target.value_or(current));
    const int digits = static_cast<int>(std::to_string(target).size());
    std::snprintf(head, sizeof head, "%*lld/%lld - %.0fs - ", digits, static_cast<long long>(current), target, elapsed);
    std::string line = head + format_time_per_step(per_step) + metrics + "\n";
    std::fputs(line.c_str(), options_.stream);
    std::fflush(options_.stream);
  }
  if (finalize) done_ = true;
}

// ---- ProgbarLogger --------------------------------------------------------------------------

void ProgbarLogger::reset(std::optional<std::int64_t> target) {
  bar_ = std::make_unique<Progbar>(Progbar::Options{target, verbose_, std::nullopt, nullptr});
  seen_ = 0;
}

void ProgbarLogger::on_train_begin(const Logs&) {
  verbose_ = params().value("verbose", 1);
  in_fit_ = true;
}

void ProgbarLogger::on_epoch_begin(int epoch, const Logs&) {
  const int epochs = params().value("epochs", 1);
  if (verbose_ > 0 && epochs > 1) {
    std::printf("Epoch %d/%d\n", epoch + 1, epochs);
    std::fflush(stdout);
  }
  reset(params().contains("steps") && !params()["steps"].is_null()
            ? std::optional<std::int64_t>(params()["steps"].get<std::int64_t>())
            : std::nullopt);
}

void ProgbarLogger::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  seen_ = batch + 1;
  last_logs_ = logs;
  if (bar_) bar_->update(seen_, logs, false);
}

void ProgbarLogger::on_epoch_end(int, const Logs& logs) {
  if (bar_) bar_->update(seen_, logs, true);
}

void ProgbarLogger::on_test_begin(const Logs&) {
  verbose_ = params().value("verbose", 1);
  // During fit the validation pass is silent, as in Keras.
  if (!in_fit_) reset(params().contains("steps") ? std::optional<std::int64_t>(params()["steps"].get<std::int64_t>()) : std::nullopt);
}

void ProgbarLogger::on_test_batch_end(std::int64_t batch, const Logs& logs) {
  if (in_fit_) return;
  seen_ = batch + 1;
  if (bar_) bar_->update(seen_, logs, false);
}

void ProgbarLogger::on_test_end(const Logs& logs) {
  if (!in_fit_ && bar_) bar_->update(seen_, logs, true);
}

void ProgbarLogger::on_predict_begin(const Logs&) {
  verbose_ = params().value("verbose", 1);
  reset(params().contains("steps") ? std::optional<std::int64_t>(params()["steps"].get<std::int64_t>()) : std::nullopt);
}

void ProgbarLogger::on_predict_batch_end(std::int64_t batch, const Logs&) {
  seen_ = batch + 1;
  if (bar_) bar_->update(seen_, {}, false);
}

void ProgbarLogger::on_predict_end(const Logs&) {
  if (bar_) bar_->update(seen_, {}, true);
}

}  // namespace temper
