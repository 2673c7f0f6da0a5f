// terminate_on_nan.hpp — stop training on a NaN or infinite loss
// (Keras: keras.callbacks.TerminateOnNaN).
#pragma once
#include <cstdint>

#include "temper/callbacks.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// Arguments of TerminateOnNaN.
struct TerminateOnNaNOptions {
  bool raise_error = false;  ///< throw temper::Error instead of stopping quietly
};

/// Stops training as soon as a batch's running loss is NaN or infinite (Keras:
/// keras.callbacks.TerminateOnNaN). It prints "Batch N: Invalid loss, terminating training"
/// (N 0-based) and sets `model->stop_training`, so fit ends after that batch; with
/// `raise_error` it throws temper::Error instead (Keras raises RuntimeError).
class TerminateOnNaN : public Callback {
 public:
  using Options = TerminateOnNaNOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  explicit TerminateOnNaN(Options options = {}) : options_(options) {}

  void on_train_batch_end(std::int64_t batch, const Logs& logs) override;

 private:
  Options options_;
};

}  // namespace temper::callbacks
