// registry.hpp — creating callbacks by Keras class name from a config object, the way
// layers::deserialize creates layers (used by the `temper` CLI and by model loading).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/callbacks.hpp"
#include "temper/config.hpp"
#include "temper/error.hpp"

namespace temper::callbacks {

/// A callback argument that is unknown, missing or of the wrong type. `argument()` names it
/// (empty when the problem is not tied to one argument) so that a caller such as the CLI can
/// report the full path (`callbacks[1].EarlyStopping.patience`); `detail()` is the message
/// without the class and argument prefix ("expected an integer, found \"three\"").
class CallbackArgumentError : public ConfigError {
 public:
  CallbackArgumentError(const std::string& class_name, std::string argument, std::string detail);
  const std::string& argument() const noexcept { return argument_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string argument_;
  std::string detail_;
};

/// Creates a callback from its Keras class name and its constructor arguments as a JSON
/// object (Keras: `keras.callbacks.EarlyStopping(**args)`): EarlyStopping, ReduceLROnPlateau,
/// CSVLogger, TerminateOnNaN, ModelCheckpoint, BackupAndRestore, LearningRateScheduler (its
/// `schedule` is a serialized learning-rate schedule evaluated at the epoch number, e.g.
/// {"class_name": "ExponentialDecay", "config": {...}}), History and ProgbarLogger, plus any
/// class added with register_callback. `args` may be null (no arguments). Every argument has
/// Keras's name and default. An unknown class throws UnknownNameError suggesting the closest
/// names; an unknown argument, a missing required one or a value of the wrong type throws
/// CallbackArgumentError naming the argument (suggesting the closest argument names);
/// values outside their domain throw the callback's own ValueError.
CallbackPtr create(const std::string& class_name, const Config& args);

/// Keras: keras.callbacks deserialization — {"class_name": "EarlyStopping", "config": {...}}
/// (a "module"/"registered_name" is accepted and ignored), or a bare class-name string.
CallbackPtr deserialize(const Config& config);

/// A factory that builds a callback from its argument object.
using CallbackFactory = std::function<CallbackPtr(const Config& args)>;

/// Registers a callback class (built-in or custom) under `class_name`, with the argument
/// names it accepts (used for "did you mean" suggestions and `callback_arguments`). A later
/// registration under the same name replaces the earlier one.
void register_callback(const std::string& class_name, CallbackFactory factory,
                       std::vector<std::string> arguments = {});

/// Class names known to the registry, sorted.
std::vector<std::string> registered_callbacks();

/// The argument names `class_name` accepts, in Keras's order (UnknownNameError if unknown).
std::vector<std::string> callback_arguments(const std::string& class_name);

}  // namespace temper::callbacks
