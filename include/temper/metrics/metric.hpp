// metrics/metric.hpp — the base of every metric and how metric classes declare and register
// their arguments (Keras: keras/src/metrics/metric.py).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/registry.hpp"
#include "temper/tensor.hpp"

namespace temper::metrics {

class Metric;
using MetricPtr = std::shared_ptr<Metric>;

/// Keras: keras.metrics.Metric. The base of every metric: state in host doubles, updated from
/// (y_true, y_pred, sample_weight) batches. Metrics are copyable values; clone() copies one
/// (with its current state) behind a MetricPtr.
class Metric {
 public:
  virtual ~Metric();

  /// Accumulates one batch. sample_weight is optional (Keras: weights default to 1; a weight
  /// of 0 masks a sample). Mismatched y_true/y_pred shapes throw ShapeError naming both.
  virtual void update_state(const Tensor& y_true, const Tensor& y_pred,
                            const Tensor& sample_weight = Tensor()) = 0;
  /// The metric's value over everything accumulated since the last reset (0 when empty).
  virtual double result() const = 0;
  virtual void reset_state() = 0;

  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// Keras class name, e.g. "SparseCategoricalAccuracy".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): {"name", "dtype": "float32"} plus the class's own arguments.
  virtual Config get_config() const;
  virtual MetricPtr clone() const = 0;
  /// True when larger is better (Keras Metric._direction "up"); callbacks in "auto" mode use it.
  virtual bool higher_is_better() const { return false; }

 protected:
  explicit Metric(std::string name);
  Metric(const Metric&) = default;
  Metric& operator=(const Metric&) = default;

  /// get_config from a class's argument table, with the current name.
  template <class O> Config config_from(const Arguments<O>& args, O options) const {
    options.name = name();
    return args.write(options);
  }

 private:
  std::string name_;
};

/// The registry of metric classes (class names, snake_case names and Keras aliases).
Registry<Metric>& registry();

/// The arguments every metric has (Keras Metric.__init__: name, dtype). `dtype` is written as
/// "float32" (Temper keeps metric state in doubles); other values are accepted from Keras
/// files only. A class's table starts here and adds its own:
/// `metric_arguments<Options>("BinaryAccuracy").add("threshold", &Options::threshold)`.
template <class O> Arguments<O> metric_arguments(std::string owner) {
  return Arguments<O>(std::move(owner))
      .add("name", &O::name)
      .unsupported("dtype", "float32", Effect::training_only);
}

/// Registers metric class `M` (with Options, a constructor from Options and
/// `static const Arguments<Options>& arguments()`) under `names`: the Keras class name first,
/// then the other strings Keras accepts for it ("acc", "sparse_categorical_accuracy").
template <class M> void register_metric_class(std::vector<std::string> names) {
  Registry<Metric>::Entry e;
  e.name = names.front();
  e.aliases.assign(names.begin() + 1, names.end());
  e.arguments = M::arguments().names();
  e.make = [](ArgReader& r) -> MetricPtr {
    auto options = M::arguments().read(r);
    try {
      return std::make_shared<M>(std::move(options));
    } catch (const ValueError& err) {
      throw ConfigError(err.what());  // a check across arguments
    }
  };
  registry().add(std::move(e));
}

/// Registers `M` at load time, next to its definition:
/// `const MetricRegistration<AUC> registered{{"AUC", "auc"}};`
template <class M> struct MetricRegistration {
  explicit MetricRegistration(std::vector<std::string> names) { register_metric_class<M>(std::move(names)); }
};

/// Keras's unique metric names: the first metric called `n` keeps it, later ones become
/// `n_1`, `n_2`, ... (skipping names already in use), so that two Precision() in one compile
/// log as "precision" and "precision_1".
std::vector<std::string> unique_names(const std::vector<std::string>& names);
/// Renames `metrics` in place with unique_names (in order).
void make_names_unique(const std::vector<MetricPtr>& metrics);

}  // namespace temper::metrics
