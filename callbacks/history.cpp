#include "temper/error.hpp"
#include "temper/callbacks.hpp"

namespace temper {

void History::on_train_begin(const Logs&) {
  // Keras keeps appending when fit is called again on the same History object; fit creates a
  // fresh History for each call, so this only clears state of a reused instance.
  if (epoch.empty()) history.clear();
}

void History::on_epoch_end(int e, const Logs& logs) {
  epoch.push_back(e);
  for (const auto& [k, v] : logs) history[k].push_back(v);
}

const std::vector<double>& History::operator[](const std::string& key) const {
  auto it = history.find(key);
  if (it == history.end()) {
    std::string keys;
    for (const auto& [k, v] : history) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError("History has no key '" + key + "'; recorded keys: " + (keys.empty() ? "(none)" : keys));
  }
  return it->second;
}

}  // namespace temper
