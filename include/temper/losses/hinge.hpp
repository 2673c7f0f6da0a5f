// losses/hinge.hpp — hinge losses (Keras: keras.losses Hinge, SquaredHinge, CategoricalHinge).
#pragma once
#include "temper/losses/loss.hpp"

namespace temper::losses {

/// mean(max(1 - y_true * y_pred, 0), axis=-1); {0, 1} labels are mapped to {-1, 1}.
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
/// mean(square(max(1 - y_true * y_pred, 0)), axis=-1); {0, 1} labels are mapped to {-1, 1}.
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
/// max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis.
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);

struct HingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "hinge";
};
/// Keras: keras.losses.Hinge — mean(max(1 - y_true * y_pred, 0)) with labels in {-1, 1}
/// ({0, 1} labels are converted, as Keras does).
class Hinge : public LossWithOptions<Hinge, HingeOptions> {
 public:
  explicit Hinge(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Hinge"; }
  static const Arguments<Options>& arguments();
};

struct SquaredHingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "squared_hinge";
};
/// Keras: keras.losses.SquaredHinge — mean(square(max(1 - y_true * y_pred, 0))).
class SquaredHinge : public LossWithOptions<SquaredHinge, SquaredHingeOptions> {
 public:
  explicit SquaredHinge(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "SquaredHinge"; }
  static const Arguments<Options>& arguments();
};

struct CategoricalHingeOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "categorical_hinge";
};
/// Keras: keras.losses.CategoricalHinge — max(neg - pos + 1, 0) with pos = sum(y_true * y_pred)
/// and neg = max((1 - y_true) * y_pred), for one-hot labels.
class CategoricalHinge : public LossWithOptions<CategoricalHinge, CategoricalHingeOptions> {
 public:
  explicit CategoricalHinge(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CategoricalHinge"; }
  static const Arguments<Options>& arguments();
};

}  // namespace temper::losses
