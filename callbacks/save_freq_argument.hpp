// save_freq_argument.hpp — how ModelCheckpoint's and BackupAndRestore's `save_freq` is read
// from a config: "epoch" or a positive number of batches.
#pragma once
#include "temper/arguments.hpp"
#include "temper/callbacks/model_checkpoint.hpp"

namespace temper {

template <> struct ArgTraits<callbacks::SaveFreq> {
  static const char* expected() { return "\"epoch\" or a positive integer"; }
  static callbacks::SaveFreq read(const Config& v) {
    if (v.is_string() && v.get<std::string>() == "epoch") return "epoch";
    if (v.is_number_integer() && v.get<std::int64_t>() > 0) return callbacks::SaveFreq(v.get<std::int64_t>());
    throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  }
  static Config write(const callbacks::SaveFreq& f) {
    return f.per_epoch() ? Config("epoch") : Config(f.batches());
  }
};

}  // namespace temper
