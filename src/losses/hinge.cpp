// Hinge losses (Keras: keras/src/losses/losses.py — Hinge, SquaredHinge, CategoricalHinge).
#include "src/losses/common.hpp"
#include "temper/losses/hinge.hpp"

namespace temper::losses {

using namespace detail;

namespace {

// Keras losses.convert_binary_labels_to_hinge: {0, 1} labels become {-1, 1}; other label sets
// are left alone. The "all labels are 0 or 1" test stays on the device as a 0/1 scalar so no
// host round trip is needed: y + is_binary * (y - 1) is 2y - 1 when binary, y otherwise.
Tensor hinge_labels(const Tensor& y) {
  Tensor zero_or_one =
      ops::add(ops::equal(y, scalar_like(0.0, y)), ops::equal(y, scalar_like(1.0, y)));
  Tensor is_binary = ops::min(zero_or_one);
  return ops::add(y, ops::multiply(is_binary, ops::add(y, -1.0)));
}

}  // namespace

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("hinge", y_true, y_pred);
  require_rank("hinge", p, 1);
  t = hinge_labels(t);
  return ops::mean(ops::relu(ops::rsub(1.0, ops::multiply(t, p))), {-1});
}

Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("squared_hinge", y_true, y_pred);
  require_rank("squared_hinge", p, 1);
  t = hinge_labels(t);
  return ops::mean(ops::square(ops::relu(ops::rsub(1.0, ops::multiply(t, p)))), {-1});
}

Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare("categorical_hinge", y_true, y_pred, false);
  require_rank("categorical_hinge", p, 1);
  Tensor pos = ops::sum(ops::multiply(t, p), {-1});
  Tensor neg = ops::max(ops::multiply(ops::rsub(1.0, t), p), {-1});
  return ops::relu(ops::add(ops::subtract(neg, pos), 1.0));
}

const Arguments<Hinge::Options>& Hinge::arguments() {
  static const auto args = loss_arguments<Options>("Hinge");
  return args;
}
Tensor Hinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return hinge(y_true, y_pred);
}

const Arguments<SquaredHinge::Options>& SquaredHinge::arguments() {
  static const auto args = loss_arguments<Options>("SquaredHinge");
  return args;
}
Tensor SquaredHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return squared_hinge(y_true, y_pred);
}

const Arguments<CategoricalHinge::Options>& CategoricalHinge::arguments() {
  static const auto args = loss_arguments<Options>("CategoricalHinge");
  return args;
}
Tensor CategoricalHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  auto [t, p] = squeeze_or_expand_to_same_rank(y_true, y_pred);
  return categorical_hinge(t, p);
}

namespace {
const LossRegistration<Hinge> hinge_loss{{"Hinge", "hinge"}};
const LossRegistration<SquaredHinge> squared_hinge_loss{{"SquaredHinge", "squared_hinge"}};
const LossRegistration<CategoricalHinge> categorical_hinge_loss{{"CategoricalHinge", "categorical_hinge"}};
}  // namespace

}  // namespace temper::losses
