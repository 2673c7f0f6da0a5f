// terminate_on_nan.cpp — Keras TerminateOnNaN.
#include "temper/callbacks/terminate_on_nan.hpp"

#include "temper/callbacks/registry.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper::callbacks {

const Arguments<TerminateOnNaN::Options>& TerminateOnNaN::arguments() {
  using O = TerminateOnNaNOptions;
  static const auto args = Arguments<O>("TerminateOnNaN").add("raise_error", &O::raise_error);
  return args;
}

namespace {
const CallbackRegistration<TerminateOnNaN> registered{"TerminateOnNaN"};
}  // namespace

void TerminateOnNaN::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  auto it = logs.find("loss");
  if (it == logs.end() || std::isfinite(it->second)) return;
  if (options_.raise_error)
    throw Error("NaN or Inf loss encountered at batch " + std::to_string(batch) + ". Stopping training.");
  std::printf("Batch %lld: Invalid loss, terminating training\n", static_cast<long long>(batch));
  std::fflush(stdout);
  if (model() != nullptr) model()->stop_training = true;
}

}  // namespace temper::callbacks
