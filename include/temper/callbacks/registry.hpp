// registry.hpp — creating callbacks by Keras class name from a config object, the way
// layers::deserialize creates layers (used by the `temper` CLI and by model loading).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/callbacks.hpp"
#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/registry.hpp"

namespace temper::callbacks {

/// A callback argument that is unknown, missing or of the wrong type. `argument()` names it
/// (empty when the problem is not tied to one argument) so that a caller such as the CLI can
/// report the full path (`callbacks[1].EarlyStopping.patience`); `detail()` is the message
/// without the class and argument prefix ("expected an integer, found \"three\"").
class CallbackArgumentError : public ArgumentError {
 public:
  CallbackArgumentError(const std::string& class_name, std::string argument, std::string detail,
                        bool unknown_key = false)
      : ArgumentError(class_name, std::move(argument), std::move(detail), unknown_key) {}
  const std::string& argument() const noexcept { return path(); }
};

/// The registry of callback classes (create() and deserialize() read it).
Registry<Callback>& registry();

/// Registers callback class `C` under `name`, its arguments read from
/// `C::arguments()` (an Arguments<C::Options> table). `make` builds the callback from the
/// options and the reader (for arguments outside Options, such as ModelCheckpoint's
/// `filepath`, declared in the table with `.extra`); by default `C(options)`.
template <class C> struct CallbackRegistration {
  using Options = typename C::Options;
  using Make = std::function<CallbackPtr(ArgReader&, Options)>;
  explicit CallbackRegistration(std::string name, Make make = [](ArgReader&, Options o) -> CallbackPtr {
    return std::make_shared<C>(std::move(o));
  }) {
    registry().add({std::move(name), {}, C::arguments().names(), [make](ArgReader& r) {
                      Options o = C::arguments().read(r);
                      return make(r, std::move(o));
                    }});
  }
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
