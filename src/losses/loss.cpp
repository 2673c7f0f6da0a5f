// The loss base (Keras: keras/src/losses/loss.py), the registry of loss classes and the
// lookups built on it (keras.losses.get / deserialize / serialize).
#include <algorithm>
#include <cctype>

#include "src/losses/common.hpp"
#include "temper/losses.hpp"
#include "temper/names.hpp"

namespace temper::losses {

using namespace detail;

namespace {

// Keras ops.divide_no_nan: num / den, and 0 where den == 0 (with a finite gradient).
Tensor divide_no_nan(const Tensor& num, const Tensor& den) {
  Tensor nz = ops::not_equal(den, scalar_like(0.0, den));
  Tensor safe = ops::add(den, ops::rsub(1.0, nz));
  return ops::multiply(ops::divide(num, safe), nz);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---- reductions -----------------------------------------------------------------------------

std::string reduction_name(Reduction r) {
  switch (r) {
    case Reduction::SumOverBatchSize: return "sum_over_batch_size";
    case Reduction::Sum: return "sum";
    case Reduction::Mean: return "mean";
    case Reduction::None: return "none";
    case Reduction::MeanWithSampleWeight: return "mean_with_sample_weight";
  }
  return "sum_over_batch_size";
}

Reduction reduction_from_name(const std::string& name) {
  if (name == "sum_over_batch_size" || name == "auto") return Reduction::SumOverBatchSize;
  if (name == "sum") return Reduction::Sum;
  if (name == "mean") return Reduction::Mean;
  if (name == "none") return Reduction::None;
  if (name == "mean_with_sample_weight") return Reduction::MeanWithSampleWeight;
  throw ValueError("invalid loss reduction '" + name +
                   "'. Expected one of: sum_over_batch_size, sum, mean, "
                   "mean_with_sample_weight, none");
}

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(const Tensor& x1_in, const Tensor& x2_in,
                                                         bool expand_rank_1) {
  Tensor x1 = x1_in, x2 = x2_in;
  const int r1 = x1.rank(), r2 = x2.rank();
  if (r1 == r2) return {x1, x2};
  if (r1 == r2 + 1 && x1.shape().back() == 1) {
    if (r2 == 1 && expand_rank_1) x2 = ops::expand_dims(x2, -1);
    else x1 = ops::squeeze(x1, -1);
  }
  if (r2 == r1 + 1 && x2.shape().back() == 1) {
    if (r1 == 1 && expand_rank_1) x1 = ops::expand_dims(x1, -1);
    else x2 = ops::squeeze(x2, -1);
  }
  return {x1, x2};
}

}  // namespace temper::losses

namespace temper {

const char* ArgTraits<losses::Reduction>::expected() {
  return "one of 'sum_over_batch_size', 'sum', 'mean', 'mean_with_sample_weight', 'none' (or null)";
}

losses::Reduction ArgTraits<losses::Reduction>::read(const Config& v) {
  auto fail = [&] { throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)}; };
  if (!v.is_string()) fail();
  try {
    return losses::reduction_from_name(v.get<std::string>());
  } catch (const ValueError&) {
    fail();
  }
  return losses::Reduction::SumOverBatchSize;
}

}  // namespace temper

namespace temper::losses {

// ---- Loss base ------------------------------------------------------------------------------

Loss::Loss(std::string name, Reduction reduction)
    : name_(std::move(name)), reduction_(reduction) {}

Loss::~Loss() = default;

std::pair<Tensor, Tensor> Loss::call_with_mask(const Tensor& y_true, const Tensor& y_pred) const {
  return {call(y_true, y_pred), Tensor()};
}

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred,
                        const Tensor& sample_weight) const {
  require_defined(y_true, class_name(), "y_true");
  require_defined(y_pred, class_name(), "y_pred");
  auto [values, mask] = call_with_mask(y_true, y_pred);
  const DType dt = values.dtype();
  const bool averaging =
      reduction_ == Reduction::SumOverBatchSize || reduction_ == Reduction::Mean;

  // Merge the mask into the sample weights (Keras loss.apply_mask). For averaging reductions
  // valid entries get weight total/valid so that the mean runs over valid entries only.
  Tensor weight;
  if (sample_weight.defined()) weight = to_dtype(sample_weight, dt);
  if (mask.defined()) {
    Tensor m = to_dtype(mask, dt);
    if (averaging) {
      const double total = static_cast<double>(m.numel());
      // valid counts 0/1 entries, so clipping it at 1 only changes the all-masked case,
      // where every masked weight is 0 anyway (Keras: divide_no_nan).
      Tensor valid = ops::clip(ops::sum(m), 1.0, std::max(total, 1.0));
      m = ops::multiply(m, ops::rdiv(total, valid));
    }
    if (weight.defined()) {
      auto [m2, w2] = squeeze_or_expand_to_same_rank(m, weight);
      weight = ops::multiply(w2, m2);
    } else {
      weight = m;
    }
  }
  if (weight.defined()) {
    auto [v2, w2] = squeeze_or_expand_to_same_rank(values, weight);
    try {
      (void)broadcast_shapes(v2.shape(), w2.shape());
    } catch (const ShapeError&) {
      throw ShapeError(class_name() + ": sample_weight shape " +
                       shape_to_string(sample_weight.defined() ? sample_weight.shape()
                                                               : w2.shape()) +
                       " does not broadcast to the per-sample loss shape " +
                       shape_to_string(values.shape()));
    }
    values = ops::multiply(v2, w2);
  }

  if (reduction_ == Reduction::None || values.rank() == 0 ||
      (values.rank() == 1 && values.shape()[0] == 0))
    return values;
  Tensor loss = ops::sum(values);
  if (reduction_ == Reduction::MeanWithSampleWeight && weight.defined())
    return divide_no_nan(loss, ops::sum(weight));
  if (reduction_ != Reduction::Sum && values.numel() > 0)
    loss = ops::divide(loss, static_cast<double>(values.numel()));
  return loss;
}

Config Loss::get_config() const {
  return Config{{"name", name_}, {"reduction", reduction_name(reduction_)}};
}

LossFunctionWrapper::LossFunctionWrapper(LossFn fn, std::string name, Reduction reduction)
    : Loss(std::move(name), reduction), fn_(std::move(fn)) {
  if (!fn_) throw ValueError("LossFunctionWrapper '" + this->name() + "': the function is empty");
}
Tensor LossFunctionWrapper::call(const Tensor& y_true, const Tensor& y_pred) const { return fn_(y_true, y_pred); }

// ---- registry and lookups -------------------------------------------------------------------

Registry<Loss>& registry() {
  static Registry<Loss> r("loss");
  return r;
}

std::vector<std::string> names() { return registry().names(true); }

LossPtr get(const std::string& name) {
  if (!registry().contains(name)) throw UnknownNameError(unknown_name_message("loss", name, names()));
  return registry().create(name, Config::object());
}

LossPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape) {
  const std::string l = lower(name);
  if (l == "crossentropy" || l == "ce") {
    const bool is_binary = !y_pred_shape.empty() && y_pred_shape.back() == 1;
    const bool is_sparse =
        y_true_shape.size() < y_pred_shape.size() ||
        (!y_true_shape.empty() && !y_pred_shape.empty() &&
         y_true_shape.size() == y_pred_shape.size() && y_true_shape.back() == 1 &&
         y_pred_shape.back() > 1);
    LossPtr loss;
    if (is_binary) loss = std::make_shared<BinaryCrossentropy>();
    else if (is_sparse) loss = std::make_shared<SparseCategoricalCrossentropy>();
    else loss = std::make_shared<CategoricalCrossentropy>();
    loss->set_name(name);
    return loss;
  }
  const auto entry = registry().find(name);
  if (!entry) {
    std::vector<std::string> known = names();
    known.push_back("crossentropy");
    known.push_back("ce");
    throw UnknownNameError(unknown_name_message("loss", name, known));
  }
  LossPtr loss = registry().create(name, Config::object());
  if (entry->name != name) loss->set_name(name);
  return loss;
}

LossPtr from_config(const Config& config, ConfigSource source) {
  if (config.is_string()) return get(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name") || !config["class_name"].is_string())
    throw ConfigError("loss config must be a name or an object with a string 'class_name', got " +
                      config.dump());
  const std::string cls = config["class_name"].get<std::string>();
  const Config inner = config.contains("config") ? config["config"] : Config::object();
  // Keras 3 writes a plain function as {"class_name": "function", "config": "<fn name>"}.
  if (cls == "function" && inner.is_string()) return get(inner.get<std::string>());
  const auto entry = registry().find(cls);
  if (!entry || entry->name != cls)
    throw UnknownNameError(unknown_name_message("loss class", cls, registry().names()));
  return registry().create(cls, inner, source);
}

Config serialize(const Loss& loss) {
  return Config{{"module", "keras.losses"},
                {"class_name", loss.class_name()},
                {"config", loss.get_config()},
                {"registered_name", nullptr}};
}

}  // namespace temper::losses
