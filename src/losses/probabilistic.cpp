// Probabilistic losses (Keras: keras/src/losses/losses.py — KLDivergence, Poisson,
// BinaryCrossentropy, CategoricalCrossentropy and the focal crossentropies; the sparse
// crossentropy is in sparse_crossentropy.cpp).
#include "src/losses/common.hpp"
#include "temper/losses/probabilistic.hpp"

namespace temper::losses {

using namespace detail;

// ---- function forms -------------------------------------------------------------------------

Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred) {
  // Keras applies no squeeze/expand here; shapes must already agree.
  auto [t, p] = prepare("kl_divergence", y_true, y_pred, false);
  require_rank("kl_divergence", p, 1);
  t = ops::clip(t, kEpsilon, 1.0);
  p = ops::clip(p, kEpsilon, 1.0);
  return ops::sum(ops::multiply(t, ops::log(ops::divide(t, p))), {-1});
}

Tensor poisson(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("poisson", y_true, y_pred, false);
  require_rank("poisson", p, 1);
  return ops::mean(ops::subtract(p, ops::multiply(t, ops::log(ops::add(p, kEpsilon)))), {-1});
}

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                           double label_smoothing, int axis) {
  auto [t, p] = prepare("binary_crossentropy", y_true, y_pred, false);
  require_rank("binary_crossentropy", p, 1);
  if (label_smoothing != 0.0)
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), 0.5 * label_smoothing);
  Tensor bce;
  if (from_logits) {
    // TensorFlow's sigmoid_cross_entropy_with_logits: max(x, 0) - x z + log(1 + exp(-|x|)).
    // Both branches are selected with the same x >= 0 mask so the gradient at x == 0 is the
    // exact sigmoid(0) - z rather than what relu'(0) = abs'(0) = 0 would give.
    Tensor zero = scalar_like(0.0, p);
    Tensor nonneg = ops::greater_equal(p, zero);
    Tensor relu_part = ops::where(nonneg, p, zero);
    Tensor neg_abs = ops::where(nonneg, ops::negative(p), p);
    bce = ops::add(ops::subtract(relu_part, ops::multiply(p, t)),
                   ops::log1p(ops::exp(neg_abs)));
  } else {
    Tensor q = ops::clip(p, kEpsilon, 1.0 - kEpsilon);
    Tensor pos = ops::multiply(t, ops::log(q));
    Tensor neg = ops::multiply(ops::rsub(1.0, t), ops::log(ops::rsub(1.0, q)));
    bce = ops::negative(ops::add(pos, neg));
  }
  return ops::mean(bce, {axis});
}

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                double label_smoothing, int axis) {
  auto [t, p] = prepare("categorical_crossentropy", y_true, y_pred, false);
  require_rank("categorical_crossentropy", p, 1);
  normalize_axis(axis, p.rank());
  if (label_smoothing != 0.0) {
    // Keras divides by y_true's last extent whatever `axis` is.
    const double num_classes = static_cast<double>(t.shape().back());
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), label_smoothing / num_classes);
  }
  Tensor log_prob;
  if (from_logits) {
    log_prob = ops::log_softmax(p, axis);
  } else {
    Tensor q = ops::divide(p, ops::sum(p, {axis}, true));
    log_prob = ops::log(ops::clip(q, kEpsilon, 1.0 - kEpsilon));
  }
  return ops::negative(ops::sum(ops::multiply(t, log_prob), {axis}));
}

Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                 bool apply_class_balancing, double alpha, double gamma,
                                 bool from_logits, double label_smoothing, int axis) {
  auto [t, p] = prepare("binary_focal_crossentropy", y_true, y_pred, false);
  require_rank("binary_focal_crossentropy", p, 1);
  if (label_smoothing != 0.0)
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), 0.5 * label_smoothing);
  if (from_logits) p = ops::sigmoid(p);
  // Keras ops.binary_crossentropy(from_logits=False) clips p; p_t uses the unclipped p.
  Tensor q = ops::clip(p, kEpsilon, 1.0 - kEpsilon);
  Tensor bce = ops::negative(ops::add(ops::multiply(t, ops::log(q)),
                                      ops::multiply(ops::rsub(1.0, t), ops::log(ops::rsub(1.0, q)))));
  Tensor one_minus_t = ops::rsub(1.0, t);
  Tensor p_t = ops::add(ops::multiply(t, p), ops::multiply(one_minus_t, ops::rsub(1.0, p)));
  Tensor focal = ops::multiply(ops::power(ops::rsub(1.0, p_t), gamma), bce);
  if (apply_class_balancing)
    focal = ops::multiply(ops::add(ops::multiply(t, alpha), ops::multiply(one_minus_t, 1.0 - alpha)), focal);
  return ops::mean(focal, {axis});
}

Tensor categorical_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, double alpha,
                                      double gamma, bool from_logits, double label_smoothing,
                                      int axis) {
  auto [t, p] = prepare("categorical_focal_crossentropy", y_true, y_pred, false);
  require_rank("categorical_focal_crossentropy", p, 1);
  normalize_axis(axis, p.rank());
  if (label_smoothing != 0.0) {
    const double num_classes = static_cast<double>(t.shape().back());
    t = ops::add(ops::multiply(t, 1.0 - label_smoothing), label_smoothing / num_classes);
  }
  if (from_logits) p = ops::softmax(p, axis);
  Tensor q = ops::clip(ops::divide(p, ops::sum(p, {axis}, true)), kEpsilon, 1.0 - kEpsilon);
  Tensor cce = ops::negative(ops::multiply(t, ops::log(q)));
  Tensor weight = ops::multiply(ops::power(ops::rsub(1.0, q), gamma), alpha);
  return ops::sum(ops::multiply(weight, cce), {axis});
}

// ---- classes --------------------------------------------------------------------------------

const Arguments<KLDivergence::Options>& KLDivergence::arguments() {
  static const auto args = loss_arguments<Options>("KLDivergence");
  return args;
}
Tensor KLDivergence::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return kl_divergence(t, p);
}

const Arguments<Poisson::Options>& Poisson::arguments() {
  static const auto args = loss_arguments<Options>("Poisson");
  return args;
}
Tensor Poisson::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return poisson(t, p);
}

const Arguments<BinaryCrossentropy::Options>& BinaryCrossentropy::arguments() {
  static const auto args = loss_arguments<Options>("BinaryCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing, label_smoothing_range())
                               .add("axis", &Options::axis);
  return args;
}
Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  const Options& o = options_;
  return binary_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
}

const Arguments<CategoricalCrossentropy::Options>& CategoricalCrossentropy::arguments() {
  static const auto args = loss_arguments<Options>("CategoricalCrossentropy")
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing, label_smoothing_range())
                               .add("axis", &Options::axis);
  return args;
}
Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  const Options& o = options_;
  return categorical_crossentropy(t, p, o.from_logits, o.label_smoothing, o.axis);
}

const Arguments<BinaryFocalCrossentropy::Options>& BinaryFocalCrossentropy::arguments() {
  static const auto args = loss_arguments<Options>("BinaryFocalCrossentropy")
                               .add("apply_class_balancing", &Options::apply_class_balancing)
                               .add("alpha", &Options::alpha, in_range(0.0, 1.0, true))
                               .add("gamma", &Options::gamma, non_negative_number())
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing, label_smoothing_range())
                               .add("axis", &Options::axis);
  return args;
}
Tensor BinaryFocalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  const Options& o = options_;
  return binary_focal_crossentropy(t, p, o.apply_class_balancing, o.alpha, o.gamma, o.from_logits,
                                   o.label_smoothing, o.axis);
}

const Arguments<CategoricalFocalCrossentropy::Options>& CategoricalFocalCrossentropy::arguments() {
  static const auto args = loss_arguments<Options>("CategoricalFocalCrossentropy")
                               .add("alpha", &Options::alpha, in_range(0.0, 1.0, true))
                               .add("gamma", &Options::gamma, non_negative_number())
                               .add("from_logits", &Options::from_logits)
                               .add("label_smoothing", &Options::label_smoothing, label_smoothing_range())
                               .add("axis", &Options::axis);
  return args;
}
Tensor CategoricalFocalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  const Options& o = options_;
  return categorical_focal_crossentropy(t, p, o.alpha, o.gamma, o.from_logits, o.label_smoothing, o.axis);
}

namespace {
const LossRegistration<KLDivergence> kld{
    {"KLDivergence", "kl_divergence", "kld", "KLD", "kullback_leibler_divergence"}};
const LossRegistration<Poisson> poisson_loss{{"Poisson", "poisson"}};
const LossRegistration<BinaryCrossentropy> bce{{"BinaryCrossentropy", "binary_crossentropy", "bce", "BCE"}};
const LossRegistration<CategoricalCrossentropy> cce{{"CategoricalCrossentropy", "categorical_crossentropy"}};
const LossRegistration<BinaryFocalCrossentropy> binary_focal{
    {"BinaryFocalCrossentropy", "binary_focal_crossentropy"}};
const LossRegistration<CategoricalFocalCrossentropy> categorical_focal{
    {"CategoricalFocalCrossentropy", "categorical_focal_crossentropy"}};
}  // namespace

}  // namespace temper::losses
