// lambda_callback.hpp — a callback made of functions (Keras: keras.callbacks.LambdaCallback).
#pragma once
#include <cstdint>
#include <functional>
#include <utility>

#include "temper/callbacks.hpp"

namespace temper::callbacks {

/// The functions of a LambdaCallback; an empty one does nothing.
struct LambdaCallbackOptions {
  using EpochFn = std::function<void(int epoch, const Logs& logs)>;
  using BatchFn = std::function<void(std::int64_t batch, const Logs& logs)>;
  using LogsFn = std::function<void(const Logs& logs)>;

  EpochFn on_epoch_begin{};
  EpochFn on_epoch_end{};
  LogsFn on_train_begin{};
  LogsFn on_train_end{};
  BatchFn on_train_batch_begin{};
  BatchFn on_train_batch_end{};
  LogsFn on_test_begin{};
  LogsFn on_test_end{};
  BatchFn on_test_batch_begin{};
  BatchFn on_test_batch_end{};
  LogsFn on_predict_begin{};
  LogsFn on_predict_end{};
  BatchFn on_predict_batch_begin{};
  BatchFn on_predict_batch_end{};
};

/// A callback built from plain functions, one per hook (Keras:
/// keras.callbacks.LambdaCallback): `LambdaCallback({.on_epoch_end = [](int e, const Logs&
/// l) {...}})`. Keras's `on_batch_begin`/`on_batch_end` are `on_train_batch_begin`/`_end` here.
class LambdaCallback : public Callback {
 public:
  using Options = LambdaCallbackOptions;
  explicit LambdaCallback(Options options = {}) : fns_(std::move(options)) {}

  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_begin(const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  void on_train_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_test_begin(const Logs& logs) override;
  void on_test_end(const Logs& logs) override;
  void on_test_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_test_batch_end(std::int64_t batch, const Logs& logs) override;
  void on_predict_begin(const Logs& logs) override;
  void on_predict_end(const Logs& logs) override;
  void on_predict_batch_begin(std::int64_t batch, const Logs& logs) override;
  void on_predict_batch_end(std::int64_t batch, const Logs& logs) override;

 private:
  Options fns_;
};

}  // namespace temper::callbacks
