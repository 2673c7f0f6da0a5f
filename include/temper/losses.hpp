// losses.hpp — loss functions (Keras: keras.losses).
//
// Every loss is written only with temper::ops, so autodiff provides its gradient and it runs on
// whichever backend holds the tensors. A loss object computes per-sample values (`call`), then
// applies the sample weights and the reduction (`operator()`), exactly as Keras's
// `Loss.__call__` does. The classes live in one header per family; each registers itself in
// losses::registry() next to its definition.
#pragma once
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/losses/hinge.hpp"
#include "temper/losses/loss.hpp"
#include "temper/losses/probabilistic.hpp"
#include "temper/losses/regression.hpp"
#include "temper/shape.hpp"

namespace temper::losses {

// ---- lookup and serialisation ---------------------------------------------------------------

/// Keras keras.losses.get for strings: class names ("MeanSquaredError"), snake_case names
/// ("mean_squared_error", "huber", "kl_divergence") and aliases ("mse", "mae", "mape", "msle",
/// "bce", "kld", "MSE", ...). Returns a fresh instance with the class's default arguments and
/// name. Unknown names throw UnknownNameError listing the known names and the closest one.
LossPtr get(const std::string& name);

/// Keras compile-time resolution (trainers/compile_utils.get_loss): "crossentropy"/"ce" become
/// BinaryCrossentropy when y_pred's last dim is 1, SparseCategoricalCrossentropy when y_true
/// has lower rank than y_pred (or a trailing 1 while y_pred's last dim is > 1), else
/// CategoricalCrossentropy. Other strings go to get(). As in Keras, a loss named by a function
/// name or alias is named by the string the user typed; a class name keeps the default name.
LossPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape);

/// Every string get() accepts.
std::vector<std::string> names();

/// Keras keras.losses.deserialize: a name string, or {"class_name", "config"} (a Keras
/// "module"/"registered_name" is accepted and ignored; Keras 3's plain-function form
/// {"class_name": "function", "config": "mean_squared_error"} is read as the name). Unknown
/// class names throw UnknownNameError; a bad or unknown argument throws ArgumentError (a
/// ConfigError) naming the class and the argument. `source` decides whether keys that only
/// Keras writes are accepted (ConfigSource::user: a config the user wrote).
LossPtr from_config(const Config& config, ConfigSource source = ConfigSource::keras_file);

/// Keras keras.losses.serialize: {"module": "keras.losses", "class_name", "config",
/// "registered_name": null}.
Config serialize(const Loss& loss);

}  // namespace temper::losses
