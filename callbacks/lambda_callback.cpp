// lambda_callback.cpp — Keras LambdaCallback.
#include "temper/callbacks/lambda_callback.hpp"

namespace temper::callbacks {

#define TEMPER_LAMBDA_HOOK(hook, Arg)                       \
  void LambdaCallback::hook(Arg a, const Logs& logs) {      \
    if (fns_.hook) fns_.hook(a, logs);                      \
  }
#define TEMPER_LAMBDA_LOGS_HOOK(hook)                       \
  void LambdaCallback::hook(const Logs& logs) {             \
    if (fns_.hook) fns_.hook(logs);                         \
  }

TEMPER_LAMBDA_HOOK(on_epoch_begin, int)
TEMPER_LAMBDA_HOOK(on_epoch_end, int)
TEMPER_LAMBDA_LOGS_HOOK(on_train_begin)
TEMPER_LAMBDA_LOGS_HOOK(on_train_end)
TEMPER_LAMBDA_HOOK(on_train_batch_begin, std::int64_t)
TEMPER_LAMBDA_HOOK(on_train_batch_end, std::int64_t)
TEMPER_LAMBDA_LOGS_HOOK(on_test_begin)
TEMPER_LAMBDA_LOGS_HOOK(on_test_end)
TEMPER_LAMBDA_HOOK(on_test_batch_begin, std::int64_t)
TEMPER_LAMBDA_HOOK(on_test_batch_end, std::int64_t)
TEMPER_LAMBDA_LOGS_HOOK(on_predict_begin)
TEMPER_LAMBDA_LOGS_HOOK(on_predict_end)
TEMPER_LAMBDA_HOOK(on_predict_batch_begin, std::int64_t)
TEMPER_LAMBDA_HOOK(on_predict_batch_end, std::int64_t)

#undef TEMPER_LAMBDA_HOOK
#undef TEMPER_LAMBDA_LOGS_HOOK

}  // namespace temper::callbacks
