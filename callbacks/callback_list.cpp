#include "temper/callbacks.hpp"

#include <utility>

namespace temper {

void CallbackList::set_model(Model* m) {
  for (auto& c : callbacks_) c->set_model(m);
}
void CallbackList::set_params(const Config& p) {
  for (auto& c : callbacks_) c->set_params(p);
}

#define TEMPER_DISPATCH(hook, ...)           \
  for (auto& c : callbacks_) c->hook(__VA_ARGS__)

void CallbackList::on_train_begin(const Logs& l) { TEMPER_DISPATCH(on_train_begin, l); }
void CallbackList::on_train_end(const Logs& l) { TEMPER_DISPATCH(on_train_end, l); }
void CallbackList::on_epoch_begin(int e, const Logs& l) { TEMPER_DISPATCH(on_epoch_begin, e, l); }
void CallbackList::on_epoch_end(int e, const Logs& l) {
  Logs copy = l;
  on_epoch_end(e, copy);
}
void CallbackList::on_epoch_end(int e, Logs& l) {
  TEMPER_DISPATCH(update_epoch_logs, e, l);
  for (auto& c : callbacks_) c->on_epoch_end(e, std::as_const(l));
}
void CallbackList::on_train_batch_begin(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_train_batch_begin, b, l); }
void CallbackList::on_train_batch_end(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_train_batch_end, b, l); }
void CallbackList::on_test_begin(const Logs& l) { TEMPER_DISPATCH(on_test_begin, l); }
void CallbackList::on_test_end(const Logs& l) { TEMPER_DISPATCH(on_test_end, l); }
void CallbackList::on_test_batch_begin(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_test_batch_begin, b, l); }
void CallbackList::on_test_batch_end(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_test_batch_end, b, l); }
void CallbackList::on_predict_begin(const Logs& l) { TEMPER_DISPATCH(on_predict_begin, l); }
void CallbackList::on_predict_end(const Logs& l) { TEMPER_DISPATCH(on_predict_end, l); }
void CallbackList::on_predict_batch_begin(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_predict_batch_begin, b, l); }
void CallbackList::on_predict_batch_end(std::int64_t b, const Logs& l) { TEMPER_DISPATCH(on_predict_batch_end, b, l); }

#undef TEMPER_DISPATCH

}  // namespace temper
