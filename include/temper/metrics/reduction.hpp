// metrics/reduction.hpp — Mean, Sum and MeanMetricWrapper (Keras: keras/src/metrics/reduction_metrics.py).
#pragma once
#include <functional>
#include <string>

#include "temper/metrics/metric.hpp"

namespace temper::metrics {

struct MeanOptions {
  std::string name = "mean";
};
/// Keras: keras.metrics.Mean — the (weighted) mean of the values it is given. The model uses
/// one to track the loss (Keras's loss tracker): update_state(batch_loss, batch_size).
class Mean : public Metric {
 public:
  using Options = MeanOptions;
  explicit Mean(Options options = {});
  static const Arguments<Options>& arguments();
  /// Adds `value` with weight `weight` (Keras: update_state(scalar, sample_weight=w)).
  void update_state(double value, double weight = 1.0);
  /// Keras Mean.update_state(values, sample_weight): per-sample values (reduced to one value
  /// per sample by averaging the other axes), optionally weighted.
  void update_values(const Tensor& values, const Tensor& sample_weight = Tensor());
  /// In a (y_true, y_pred) setting a Mean averages y_pred; y_true is ignored.
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  void reset_state() override;
  std::string class_name() const override { return "Mean"; }
  MetricPtr clone() const override { return std::make_shared<Mean>(*this); }
  double total() const noexcept { return total_; }
  double count() const noexcept { return count_; }

 protected:
  double total_ = 0.0;
  double count_ = 0.0;
};

struct SumOptions {
  std::string name = "sum";
};
/// Keras: keras.metrics.Sum — the (weighted) sum of the values it is given.
class Sum : public Metric {
 public:
  using Options = SumOptions;
  explicit Sum(Options options = {});
  static const Arguments<Options>& arguments();
  void update_state(double value, double weight = 1.0);
  void update_values(const Tensor& values, const Tensor& sample_weight = Tensor());
  /// In a (y_true, y_pred) setting a Sum adds up y_pred; y_true is ignored.
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override { return total_; }
  void reset_state() override { total_ = 0.0; }
  std::string class_name() const override { return "Sum"; }
  MetricPtr clone() const override { return std::make_shared<Sum>(*this); }

 private:
  double total_ = 0.0;
};

/// A per-sample metric function: (y_true, y_pred) -> values whose first axis is the batch.
using MetricFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

/// Keras: keras.metrics.MeanMetricWrapper — the weighted mean over samples of a stateless
/// per-sample function. Every accuracy, regression and probabilistic metric below is one;
/// user code can wrap its own function the same way.
class MeanMetricWrapper : public Mean {
 public:
  MeanMetricWrapper(MetricFn fn, std::string name);
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  using Mean::update_state;
  std::string class_name() const override { return "MeanMetricWrapper"; }
  MetricPtr clone() const override { return std::make_shared<MeanMetricWrapper>(*this); }

 protected:
  /// The per-sample values for one batch (default: the wrapped function).
  virtual Tensor values(const Tensor& y_true, const Tensor& y_pred) const;

 private:
  MetricFn fn_;
};

/// The common part of the built-in MeanMetricWrapper subclasses (Keras: the metrics whose
/// result is the weighted mean of a per-sample value): the Options value, the checks of
/// `Derived::arguments()` in the constructor, class_name from `Derived::keras_class`,
/// get_config written from the table, and clone.
template <class Derived, class O> class MeanMetricClass : public MeanMetricWrapper {
 public:
  using Options = O;
  std::string class_name() const override { return Derived::keras_class; }
  Config get_config() const override { return config_from(Derived::arguments(), options_); }
  MetricPtr clone() const override { return std::make_shared<Derived>(static_cast<const Derived&>(*this)); }
  /// The arguments as constructed (the name may change later: name()).
  const Options& options() const noexcept { return options_; }

 protected:
  /// `fn` is the per-sample function; null when Derived overrides values() instead.
  explicit MeanMetricClass(O options, MetricFn fn = nullptr)
      : MeanMetricWrapper(std::move(fn), options.name), options_(std::move(options)) {
    Derived::arguments().validate(options_);
  }

  O options_;
};

}  // namespace temper::metrics
