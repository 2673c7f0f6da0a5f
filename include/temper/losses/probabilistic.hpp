// losses/probabilistic.hpp — probabilistic losses (Keras: keras.losses KLDivergence, Poisson,
// the crossentropies and the focal crossentropies).
#pragma once
#include <optional>

#include "temper/losses/loss.hpp"

namespace temper::losses {

// ---- function forms -------------------------------------------------------------------------

/// sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [1e-7, 1].
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
/// mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);
/// Elementwise -[y log p + (1 - y) log(1 - p)], p clipped to [1e-7, 1 - 1e-7] (or the stable
/// logits form), then the mean over `axis`. Label smoothing: y * (1 - ls) + 0.5 * ls.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, int axis = -1);
/// -sum(y * log p, axis) with p = y_pred / sum(y_pred) clipped to [1e-7, 1 - 1e-7], or
/// log_softmax(y_pred) when from_logits. Label smoothing: y * (1 - ls) + ls / num_classes.
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                bool from_logits = false, double label_smoothing = 0.0,
                                int axis = -1);
/// Integer labels of shape y_pred.shape[:-1] (a trailing 1 is squeezed), int32 or float.
/// from_logits uses the fused ops::sparse_softmax_cross_entropy. Entries whose label equals
/// `ignore_class` get loss 0 (the class form also excludes them from the reduction). Only the
/// last axis is supported as the class axis.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                       bool from_logits = false,
                                       std::optional<int> ignore_class = std::nullopt,
                                       int axis = -1);
/// Keras 3 binary_focal_crossentropy: with y smoothed as in binary_crossentropy and p =
/// y_pred (sigmoid(y_pred) when from_logits), bce = -[y log p + (1 - y) log(1 - p)] (p clipped
/// to [1e-7, 1 - 1e-7]), p_t = y p + (1 - y)(1 - p), focal = (1 - p_t)^gamma * bce, times
/// y alpha + (1 - y)(1 - alpha) with apply_class_balancing; then the mean over `axis`.
Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                 bool apply_class_balancing = false, double alpha = 0.25,
                                 double gamma = 2.0, bool from_logits = false,
                                 double label_smoothing = 0.0, int axis = -1);
/// Keras 3 categorical_focal_crossentropy: y smoothed as in categorical_crossentropy, p =
/// y_pred (softmax(y_pred) when from_logits) renormalised over `axis` and clipped to
/// [1e-7, 1 - 1e-7]; sum over `axis` of alpha * (1 - p)^gamma * (-y log p).
Tensor categorical_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                      double alpha = 0.25, double gamma = 2.0,
                                      bool from_logits = false, double label_smoothing = 0.0,
                                      int axis = -1);

// ---- classes --------------------------------------------------------------------------------

struct KLDivergenceOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "kl_divergence";
};
/// Keras: keras.losses.KLDivergence — sum(y_true * log(y_true / y_pred)) over the last axis,
/// both distributions clipped to [1e-7, 1] first.
class KLDivergence : public LossWithOptions<KLDivergence, KLDivergenceOptions> {
 public:
  explicit KLDivergence(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "KLDivergence"; }
  static const Arguments<Options>& arguments();
};

struct PoissonOptions {
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "poisson";
};
/// Keras: keras.losses.Poisson — mean(y_pred - y_true * log(y_pred + 1e-7)) for count targets.
class Poisson : public LossWithOptions<Poisson, PoissonOptions> {
 public:
  explicit Poisson(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "Poisson"; }
  static const Arguments<Options>& arguments();
};

struct BinaryCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "binary_crossentropy";
};
/// Keras: keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1) —
/// for 0/1 (or soft) targets and one sigmoid output per label. Probabilities are clipped to
/// [1e-7, 1 - 1e-7]; with from_logits the numerically stable logits form of TensorFlow's
/// sigmoid_cross_entropy_with_logits is used instead.
class BinaryCrossentropy : public LossWithOptions<BinaryCrossentropy, BinaryCrossentropyOptions> {
 public:
  explicit BinaryCrossentropy(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "BinaryCrossentropy"; }
  static const Arguments<Options>& arguments();
  bool from_logits() const noexcept { return options_.from_logits; }
  double label_smoothing() const noexcept { return options_.label_smoothing; }
  int axis() const noexcept { return options_.axis; }
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "categorical_crossentropy";
};
/// Keras: keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=0.0,
/// axis=-1) — for one-hot targets. Probabilities are renormalised to sum to one and clipped to
/// [1e-7, 1 - 1e-7]; with from_logits log_softmax is used.
class CategoricalCrossentropy
    : public LossWithOptions<CategoricalCrossentropy, CategoricalCrossentropyOptions> {
 public:
  explicit CategoricalCrossentropy(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CategoricalCrossentropy"; }
  static const Arguments<Options>& arguments();
  bool from_logits() const noexcept { return options_.from_logits; }
  double label_smoothing() const noexcept { return options_.label_smoothing; }
  int axis() const noexcept { return options_.axis; }
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  std::optional<int> ignore_class{};
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "sparse_categorical_crossentropy";
};
/// Keras: keras.losses.SparseCategoricalCrossentropy(from_logits=False, ignore_class=None) —
/// categorical crossentropy with integer labels of shape (batch,) or (batch, 1). The
/// from_logits case runs the fused softmax-crossentropy kernel (the training hot path). With
/// ignore_class, entries with that label contribute zero and are left out of the average.
class SparseCategoricalCrossentropy
    : public LossWithOptions<SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions> {
 public:
  explicit SparseCategoricalCrossentropy(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "SparseCategoricalCrossentropy"; }
  static const Arguments<Options>& arguments();
  bool from_logits() const noexcept { return options_.from_logits; }
  std::optional<int> ignore_class() const noexcept { return options_.ignore_class; }
  int axis() const noexcept { return options_.axis; }

 protected:
  std::pair<Tensor, Tensor> call_with_mask(const Tensor& y_true,
                                           const Tensor& y_pred) const override;
};

struct BinaryFocalCrossentropyOptions {
  bool apply_class_balancing = false;
  double alpha = 0.25;
  double gamma = 2.0;
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "binary_focal_crossentropy";
};
/// Keras: keras.losses.BinaryFocalCrossentropy(apply_class_balancing=False, alpha=0.25,
/// gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1) — binary crossentropy scaled
/// by (1 - p_t)^gamma so that well-classified examples count less (Lin et al. 2017), and
/// optionally by alpha for positives and 1 - alpha for negatives.
class BinaryFocalCrossentropy
    : public LossWithOptions<BinaryFocalCrossentropy, BinaryFocalCrossentropyOptions> {
 public:
  explicit BinaryFocalCrossentropy(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "BinaryFocalCrossentropy"; }
  static const Arguments<Options>& arguments();
};

struct CategoricalFocalCrossentropyOptions {
  double alpha = 0.25;
  double gamma = 2.0;
  bool from_logits = false;
  double label_smoothing = 0.0;
  int axis = -1;
  Reduction reduction = Reduction::SumOverBatchSize;
  std::string name = "categorical_focal_crossentropy";
};
/// Keras: keras.losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0, from_logits=False,
/// label_smoothing=0.0, axis=-1) — categorical crossentropy with each class term scaled by
/// alpha * (1 - p)^gamma, for one-hot targets.
class CategoricalFocalCrossentropy
    : public LossWithOptions<CategoricalFocalCrossentropy, CategoricalFocalCrossentropyOptions> {
 public:
  explicit CategoricalFocalCrossentropy(Options options = {}) : LossWithOptions(std::move(options)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "CategoricalFocalCrossentropy"; }
  static const Arguments<Options>& arguments();
};

}  // namespace temper::losses
