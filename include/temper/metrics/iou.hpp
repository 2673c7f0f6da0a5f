// metrics/iou.hpp — intersection-over-union metrics (Keras: keras/src/metrics/iou_metrics.py).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "temper/metrics/metric.hpp"

namespace temper::metrics {

/// The confusion matrix of class ids that every IoU metric accumulates (Keras: _IoUBase), and
/// the mean IoU = TP / (TP + FP + FN) over the target classes whose denominator is not zero
/// (Keras: IoU.result). Rows are true classes, columns predicted classes; sample weights add
/// up in the cells. A class id outside [0, num_classes) is a ValueError naming it.
class IoUBase : public Metric {
 public:
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) override;
  double result() const override;
  void reset_state() override;
  bool higher_is_better() const override { return true; }
  /// The accumulated num_classes x num_classes matrix, row-major.
  const std::vector<double>& total_confusion_matrix() const noexcept { return cm_; }

 protected:
  /// What an IoU class turns its arguments into.
  struct Setup {
    std::int64_t num_classes = 2;
    std::vector<std::int64_t> target_class_ids{};
    std::optional<int> ignore_class{};
    bool sparse_y_true = true;
    bool sparse_y_pred = true;
    int axis = -1;
    std::optional<double> threshold{};  ///< BinaryIoU: class 1 where y_pred >= threshold
  };
  explicit IoUBase(std::string name) : Metric(std::move(name)) {}
  /// Checks the class ids against num_classes and sizes the matrix.
  void configure(Setup setup);

 private:
  Setup s_;
  std::vector<double> cm_;
};

/// The common part of the IoU classes: the Options value checked by `Derived::arguments()`,
/// class_name, get_config from the table, clone.
template <class Derived, class O> class IoUClass : public IoUBase {
 public:
  using Options = O;
  std::string class_name() const override { return Derived::keras_class; }
  Config get_config() const override { return config_from(Derived::arguments(), options_); }
  MetricPtr clone() const override { return std::make_shared<Derived>(static_cast<const Derived&>(*this)); }
  const Options& options() const noexcept { return options_; }

 protected:
  explicit IoUClass(O options) : IoUBase(options.name), options_(std::move(options)) {
    Derived::arguments().validate(options_);
    configure(Derived::setup(options_));
  }
  O options_;
};

struct IoUOptions {
  std::int64_t num_classes = 0;                     ///< required
  std::vector<std::int64_t> target_class_ids{};     ///< required
  std::string name = "io_u";
  std::optional<int> ignore_class{};
  bool sparse_y_true = true;
  bool sparse_y_pred = true;
  int axis = -1;
};
/// Keras: keras.metrics.IoU(num_classes, target_class_ids, ignore_class=None,
/// sparse_y_true=True, sparse_y_pred=True, axis=-1) — the mean IoU of the target classes;
/// non-sparse labels or predictions are turned into class ids by argmax over `axis`.
class IoU : public IoUClass<IoU, IoUOptions> {
 public:
  static constexpr const char* keras_class = "IoU";
  explicit IoU(Options options) : IoUClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  static Setup setup(const Options& o);
};

struct MeanIoUOptions {
  std::int64_t num_classes = 0;  ///< required
  std::string name = "mean_io_u";
  std::optional<int> ignore_class{};
  bool sparse_y_true = true;
  bool sparse_y_pred = true;
  int axis = -1;
};
/// Keras: keras.metrics.MeanIoU(num_classes, ...) — IoU averaged over every class.
class MeanIoU : public IoUClass<MeanIoU, MeanIoUOptions> {
 public:
  static constexpr const char* keras_class = "MeanIoU";
  explicit MeanIoU(Options options) : IoUClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  static Setup setup(const Options& o);
};

struct BinaryIoUOptions {
  std::vector<std::int64_t> target_class_ids{0, 1};
  double threshold = 0.5;
  std::string name = "binary_io_u";
};
/// Keras: keras.metrics.BinaryIoU(target_class_ids=(0, 1), threshold=0.5) — IoU of classes 0
/// and/or 1 with predictions >= threshold counted as class 1.
class BinaryIoU : public IoUClass<BinaryIoU, BinaryIoUOptions> {
 public:
  static constexpr const char* keras_class = "BinaryIoU";
  explicit BinaryIoU(Options options = {}) : IoUClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  static Setup setup(const Options& o);
};

struct OneHotIoUOptions {
  std::int64_t num_classes = 0;                  ///< required
  std::vector<std::int64_t> target_class_ids{};  ///< required
  std::string name = "one_hot_io_u";
  std::optional<int> ignore_class{};
  bool sparse_y_pred = false;
  int axis = -1;
};
/// Keras: keras.metrics.OneHotIoU(num_classes, target_class_ids, ...) — IoU for one-hot
/// labels (argmax over `axis`).
class OneHotIoU : public IoUClass<OneHotIoU, OneHotIoUOptions> {
 public:
  static constexpr const char* keras_class = "OneHotIoU";
  explicit OneHotIoU(Options options) : IoUClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  static Setup setup(const Options& o);
};

struct OneHotMeanIoUOptions {
  std::int64_t num_classes = 0;  ///< required
  std::string name = "one_hot_mean_io_u";
  std::optional<int> ignore_class{};
  bool sparse_y_pred = false;
  int axis = -1;
};
/// Keras: keras.metrics.OneHotMeanIoU(num_classes, ...) — MeanIoU for one-hot labels.
class OneHotMeanIoU : public IoUClass<OneHotMeanIoU, OneHotMeanIoUOptions> {
 public:
  static constexpr const char* keras_class = "OneHotMeanIoU";
  explicit OneHotMeanIoU(Options options) : IoUClass(std::move(options)) {}
  static const Arguments<Options>& arguments();
  static Setup setup(const Options& o);
};

}  // namespace temper::metrics
