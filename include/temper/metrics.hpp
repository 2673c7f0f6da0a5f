// metrics.hpp — stateful training/evaluation metrics (Keras: keras.metrics).
//
// A metric accumulates statistics over batches (`update_state`), reports them (`result`) and
// is cleared between epochs (`reset_state`). The per-batch work runs as a few ops on the
// tensors' backend; only a handful of scalars come back to the host per update, where the
// state lives as doubles (so long epochs do not lose precision the way a float32 running sum
// would). Updates never record autograd history. The classes live in one header per family;
// each registers itself in metrics::registry() next to its definition.
#pragma once
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/metrics/accuracy.hpp"
#include "temper/metrics/confusion_matrix.hpp"
#include "temper/metrics/f_score.hpp"
#include "temper/metrics/hinge.hpp"
#include "temper/metrics/iou.hpp"
#include "temper/metrics/metric.hpp"
#include "temper/metrics/probabilistic.hpp"
#include "temper/metrics/reduction.hpp"
#include "temper/metrics/regression.hpp"
#include "temper/shape.hpp"

namespace temper::metrics {

// ---- lookup and serialisation ---------------------------------------------------------------

/// Keras keras.metrics.get for strings: class names ("Precision"), snake_case names
/// ("sparse_categorical_accuracy", "auc") and aliases ("mse", "mae", "mape", "msle", "bce",
/// "acc"). Returns a fresh metric with default arguments and name. Unknown names throw
/// UnknownNameError listing the known names and the closest one.
MetricPtr get(const std::string& name);

/// Keras compile-time resolution (trainers/compile_utils.get_metric). "accuracy"/"acc":
/// BinaryAccuracy if y_pred's last dim is 1; else SparseCategoricalAccuracy if rank(y_true) <
/// rank(y_pred) or (y_true's last dim is 1 and y_pred's last dim > 1); else
/// CategoricalAccuracy. "crossentropy"/"ce" pick the matching crossentropy metric by the same
/// rule. Other names go to get(). As in Keras, the metric's name() is the string the user typed.
MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape);

/// Every string get() accepts.
std::vector<std::string> names();

/// Keras keras.metrics.deserialize: a name, or {"class_name", "config"}. Also reads the legacy
/// {"class_name": "MeanMetricWrapper", "config": {"name", "fn": "binary_accuracy"}} that
/// tf.keras wrote into HDF5 training configs, and Keras 3's plain-function form
/// {"class_name": "function", "config": "<fn name>"}. Unknown classes throw UnknownNameError;
/// a bad or unknown argument throws ArgumentError (a ConfigError) naming the class and the
/// argument. `source` decides whether keys that only Keras writes are accepted
/// (ConfigSource::user: a config the user wrote).
MetricPtr from_config(const Config& config, ConfigSource source = ConfigSource::keras_file);

/// {"module": "keras.metrics", "class_name", "config", "registered_name": null}.
Config serialize(const Metric& metric);

}  // namespace temper::metrics
