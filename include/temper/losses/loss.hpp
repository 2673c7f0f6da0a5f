// losses/loss.hpp — the base of every loss, its reduction, and how loss classes declare and
// register their arguments (Keras: keras/src/losses/loss.py).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "temper/arguments.hpp"
#include "temper/config.hpp"
#include "temper/registry.hpp"
#include "temper/shape.hpp"
#include "temper/tensor.hpp"

namespace temper::losses {

/// How per-sample losses become the returned value (Keras: the `reduction` argument).
/// SumOverBatchSize and Mean divide the weighted sum by the number of loss elements (Keras treats
/// them identically); MeanWithSampleWeight divides by the sum of the sample weights instead.
enum class Reduction { SumOverBatchSize, Sum, Mean, None, MeanWithSampleWeight };

/// Keras spelling: "sum_over_batch_size", "sum", "mean", "none", "mean_with_sample_weight".
std::string reduction_name(Reduction r);
/// Parses a Keras reduction string ("auto", which tf.keras 2.x writes, is sum_over_batch_size);
/// ValueError listing the valid ones.
Reduction reduction_from_name(const std::string& name);

}  // namespace temper::losses

namespace temper {
/// A loss `reduction`: one of the Keras strings (JSON null, "no reduction" in Keras 3, is
/// handled by the loss factory since ArgReader treats null as absent).
template <> struct ArgTraits<losses::Reduction> {
  static const char* expected();
  static losses::Reduction read(const Config& value);
  static Config write(losses::Reduction value) { return losses::reduction_name(value); }
};
}  // namespace temper

namespace temper::losses {

class Loss;
using LossPtr = std::shared_ptr<Loss>;

/// Keras: keras.losses.Loss. The base of every loss: subclasses compute per-sample values in
/// `call`; `operator()` multiplies them by the sample weights and reduces them the way Keras's
/// `Loss.__call__` does, so a user-defined loss only has to supply `call`, `class_name` and
/// `clone`. Losses are small copyable values (a name, a reduction and their arguments).
class Loss {
 public:
  virtual ~Loss();

  /// Per-sample losses: y_pred's shape without its last axis for the built-in losses (Keras
  /// Loss.call; the last axis is averaged or summed where Keras does so).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;

  /// Keras Loss.__call__: call(), multiply by `sample_weight` (shape (batch,) or broadcastable
  /// to the per-sample losses; Keras squeezes/expands a trailing 1 to match ranks), then reduce.
  /// Returns a 0-d tensor, or the weighted per-sample losses for Reduction::None.
  /// Differentiable with respect to y_pred.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred,
                    const Tensor& sample_weight = Tensor()) const;

  /// Keras class name, e.g. "SparseCategoricalCrossentropy".
  virtual std::string class_name() const = 0;
  /// Keras instance name, e.g. "sparse_categorical_crossentropy".
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  Reduction reduction() const noexcept { return reduction_; }
  /// Keras get_config(): {"name", "reduction"} plus the class's own arguments.
  virtual Config get_config() const;
  /// A copy of this loss behind a LossPtr (losses are held polymorphically by models).
  virtual LossPtr clone() const = 0;

 protected:
  Loss(std::string name, Reduction reduction);
  Loss(const Loss&) = default;
  Loss& operator=(const Loss&) = default;

  /// Per-sample losses plus an optional 0/1 mask of the entries that count (Keras attaches
  /// such a mask to the output of SparseCategoricalCrossentropy with ignore_class; the
  /// reduction then averages over the valid entries only). Defaults to {call(), undefined}.
  virtual std::pair<Tensor, Tensor> call_with_mask(const Tensor& y_true,
                                                   const Tensor& y_pred) const;

 private:
  std::string name_;
  Reduction reduction_;
};

/// A per-sample loss function: (y_true, y_pred) -> values whose first axis is the batch.
using LossFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

/// Keras: keras.losses.LossFunctionWrapper — turns a per-sample function of differentiable
/// ops into a Loss (sample weights and the reduction are applied as for the built-in losses).
/// This is how a custom loss written as a plain function is passed to compile().
class LossFunctionWrapper : public Loss {
 public:
  LossFunctionWrapper(LossFn fn, std::string name, Reduction reduction = Reduction::SumOverBatchSize);
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  std::string class_name() const override { return "LossFunctionWrapper"; }
  LossPtr clone() const override { return std::make_shared<LossFunctionWrapper>(*this); }

 private:
  LossFn fn_;
};

/// Keras keras.src.losses.loss.squeeze_or_expand_to_same_rank: when the ranks differ by one and
/// the longer has a trailing 1, squeeze it (or, for a rank-1 partner and expand_rank_1, expand
/// the partner instead). Used by losses and metrics to line up labels, predictions and weights.
std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1, const Tensor& x2,
                                                         bool expand_rank_1 = true);

// ---- built-in loss classes: arguments declared once ------------------------------------------

/// The registry of loss classes (class names, snake_case function names and Keras aliases).
Registry<Loss>& registry();

/// The arguments every loss has (Keras Loss.__init__: name, reduction; `dtype` is accepted
/// from Keras files and not written, as Keras 3 never writes it). A class's table starts
/// here and adds its own: `loss_arguments<Options>("Huber").add("delta", &Options::delta)`.
/// `O` has members `name` (std::string) and `reduction` (Reduction).
template <class O> Arguments<O> loss_arguments(std::string owner) {
  return Arguments<O>(std::move(owner))
      .add("name", &O::name)
      .add("reduction", &O::reduction)
      .unsupported("dtype", nullptr, Effect::training_only, false);
}

/// The common part of the built-in losses: the Options value (whose `name` and `reduction`
/// go to the Loss base), checks from `Derived::arguments()` in the constructor, get_config
/// written from that table, and clone.
template <class Derived, class O> class LossWithOptions : public Loss {
 public:
  using Options = O;
  Config get_config() const override {
    O o = options_;
    o.name = name();
    o.reduction = reduction();
    return Derived::arguments().write(o);
  }
  LossPtr clone() const override { return std::make_shared<Derived>(static_cast<const Derived&>(*this)); }
  const Options& options() const noexcept { return options_; }

 protected:
  explicit LossWithOptions(O o) : Loss(o.name, o.reduction), options_(std::move(o)) {
    Derived::arguments().validate(options_);
  }
  O options_;
};

/// Registers loss class `L` (with Options, a constructor from Options and
/// `static const Arguments<Options>& arguments()`) under `names`: the Keras class name first,
/// then the other strings Keras accepts for it ("mse", "mean_squared_error").
template <class L> void register_loss_class(std::vector<std::string> names) {
  Registry<Loss>::Entry e;
  e.name = names.front();
  e.aliases.assign(names.begin() + 1, names.end());
  e.arguments = L::arguments().names();
  e.make = [](ArgReader& r) -> LossPtr {
    auto options = L::arguments().read(r);
    // Keras 3: reduction=None (JSON null) means no reduction.
    if (auto it = r.config().find("reduction"); it != r.config().end() && it->is_null())
      options.reduction = Reduction::None;
    try {
      return std::make_shared<L>(std::move(options));
    } catch (const ValueError& err) {
      throw ConfigError(err.what());  // a check across arguments
    }
  };
  registry().add(std::move(e));
}

/// Registers `L` at load time, next to its definition:
/// `const LossRegistration<Huber> registered{{"Huber", "huber", "huber_loss"}};`
template <class L> struct LossRegistration {
  explicit LossRegistration(std::vector<std::string> names) { register_loss_class<L>(std::move(names)); }
};

}  // namespace temper::losses
