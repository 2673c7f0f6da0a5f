// callbacks.hpp — hooks into fit/evaluate/predict (Keras: keras.callbacks).
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temper/config.hpp"

namespace temper {

class Model;

/// Metric values by name, sorted by name as Keras sorts its logs ("accuracy", "loss",
/// "val_accuracy", "val_loss").
using Logs = std::map<std::string, double>;

/// Base class of every callback (Keras: keras.callbacks.Callback). Each hook does nothing by
/// default; override the ones you need. `model()` is the model being trained and `params()`
/// holds {"verbose", "epochs", "steps"} as in Keras.
class Callback {
 public:
  virtual ~Callback() = default;

  void set_model(Model* model) noexcept { model_ = model; }
  Model* model() const noexcept { return model_; }
  void set_params(Config params) { params_ = std::move(params); }
  const Config& params() const noexcept { return params_; }

  virtual void on_train_begin(const Logs&) {}
  virtual void on_train_end(const Logs&) {}
  virtual void on_epoch_begin(int /*epoch*/, const Logs&) {}
  virtual void on_epoch_end(int /*epoch*/, const Logs&) {}
  /// Adds entries to an epoch's logs before any callback's on_epoch_end sees them, and so
  /// before History records them (Keras callbacks write into the logs dict in on_epoch_end:
  /// ReduceLROnPlateau and LearningRateScheduler add "learning_rate").
  virtual void update_epoch_logs(int /*epoch*/, Logs& /*logs*/) {}
  virtual void on_train_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_train_batch_end(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_test_begin(const Logs&) {}
  virtual void on_test_end(const Logs&) {}
  virtual void on_test_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_test_batch_end(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_begin(const Logs&) {}
  virtual void on_predict_end(const Logs&) {}
  virtual void on_predict_batch_begin(std::int64_t /*batch*/, const Logs&) {}
  virtual void on_predict_batch_end(std::int64_t /*batch*/, const Logs&) {}

 private:
  Model* model_ = nullptr;
  Config params_ = Config::object();
};

using CallbackPtr = std::shared_ptr<Callback>;

/// Records the epoch-level logs of fit (Keras: keras.callbacks.History). `fit` returns it;
/// `history["loss"][e]` is the loss of epoch `epoch[e]`.
class History : public Callback {
 public:
  std::map<std::string, std::vector<double>> history;
  std::vector<int> epoch;

  void on_train_begin(const Logs&) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  /// Convenience: the list for `key`; throws ValueError listing the keys if absent.
  const std::vector<double>& operator[](const std::string& key) const;
};

/// Keras's progress bar (Keras: keras.utils.Progbar). On a terminal, verbose=1 redraws one
/// line at most every 50 ms (steps, bar, ETA, time per step, running metrics); when output is
/// not a terminal, or verbose=2, it prints one line when the target is reached.
class Progbar {
 public:
  struct Options {
    std::optional<std::int64_t> target{};  ///< number of steps (unknown when empty)
    int verbose = 1;
    std::optional<bool> interactive{};   ///< default: whether stdout is a terminal
    std::FILE* stream = nullptr;         ///< default: stdout
  };
  explicit Progbar(Options options);
  /// Reports that `current` steps are done with these metric values; `finalize` ends the bar
  /// (prints the final line with the elapsed time).
  void update(std::int64_t current, const Logs& values, bool finalize = false);

 private:
  Options options_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::optional<std::chrono::steady_clock::time_point> first_step_done_;
  std::int64_t first_step_ = 0;
  std::size_t previous_width_ = 0;
  std::vector<std::string> order_;
  bool done_ = false;
};

/// Prints the progress bar during fit/evaluate/predict (Keras: keras.callbacks.ProgbarLogger).
/// Added automatically by fit when verbose > 0.
class ProgbarLogger : public Callback {
 public:
  void on_train_begin(const Logs&) override;
  void on_epoch_begin(int epoch, const Logs&) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_test_begin(const Logs&) override;
  void on_test_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_end(const Logs& logs) override;
  void on_predict_begin(const Logs&) override;
  void on_predict_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_predict_end(const Logs& logs) override;

 private:
  void reset(std::optional<std::int64_t> target);
  std::unique_ptr<Progbar> bar_;
  std::int64_t seen_ = 0;
  int verbose_ = 1;
  bool in_fit_ = false;
  Logs last_logs_;
};

/// Dispatches each hook to a list of callbacks in order (Keras: keras.callbacks.CallbackList).
class CallbackList {
 public:
  CallbackList() = default;
  explicit CallbackList(std::vector<CallbackPtr> callbacks) : callbacks_(std::move(callbacks)) {}
  void add(CallbackPtr cb) { callbacks_.push_back(std::move(cb)); }
  void set_model(Model* m);
  void set_params(const Config& p);
  const std::vector<CallbackPtr>& callbacks() const noexcept { return callbacks_; }

  void on_train_begin(const Logs& l = {});
  void on_train_end(const Logs& l = {});
  void on_epoch_begin(int e, const Logs& l = {});
  void on_epoch_end(int e, const Logs& l = {});
  /// Lets every callback add to `l` (update_epoch_logs), then calls on_epoch_end with it.
  void on_epoch_end(int e, Logs& l);
  void on_train_batch_begin(std::int64_t b, const Logs& l = {});
  void on_train_batch_end(std::int64_t b, const Logs& l = {});
  void on_test_begin(const Logs& l = {});
  void on_test_end(const Logs& l = {});
  void on_test_batch_begin(std::int64_t b, const Logs& l = {});
  void on_test_batch_end(std::int64_t b, const Logs& l = {});
  void on_predict_begin(const Logs& l = {});
  void on_predict_end(const Logs& l = {});
  void on_predict_batch_begin(std::int64_t b, const Logs& l = {});
  void on_predict_batch_end(std::int64_t b, const Logs& l = {});

 private:
  std::vector<CallbackPtr> callbacks_;
};

}  // namespace temper
