// The arguments of compile / fit / evaluate / predict: optimizer, loss and metric names or
// objects, and the input / target arrays (one, a list or a name -> array map) matched to the
// model's inputs and outputs, with class weights folded into the sample weights.
#include <algorithm>
#include <cmath>

#include "src/trainers/trainer_internal.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper {

// ---- argument wrappers ----------------------------------------------------------------------
OptimizerArg::OptimizerArg(const char* name) : ptr_(optimizers::get(name)) {}
OptimizerArg::OptimizerArg(const std::string& name) : ptr_(optimizers::get(name)) {}
LossArg::LossArg(const char* name) : ptr_(losses::get(name)) {}
LossArg::LossArg(const std::string& name) : ptr_(losses::get(name)) {}

// ---- Tensors ------------------------------------------------------------------------------
Tensors::Tensors(std::map<std::string, Tensor> named) {
  for (auto& [k, v] : named) {
    names_.push_back(k);
    list_.push_back(std::move(v));
  }
}

std::vector<Tensor> Tensors::resolve(const std::vector<std::string>& expected, const std::string& what) const {
  if (!is_named()) {
    if (list_.size() != expected.size()) {
      std::string names;
      for (const auto& n : expected) names += (names.empty() ? "" : ", ") + n;
      throw ValueError("the model has " + std::to_string(expected.size()) + " " + what + " [" + names +
                       "] but " + std::to_string(list_.size()) + " arrays were given");
    }
    return list_;
  }
  std::vector<Tensor> out;
  for (const auto& e : expected) {
    auto it = std::find(names_.begin(), names_.end(), e);
    if (it == names_.end()) {
      std::string names;
      for (const auto& n : expected) names += (names.empty() ? "" : ", ") + n;
      throw ValueError("no array given for " + what + " '" + e + "'; the model's " + what + " are [" + names + "]");
    }
    out.push_back(list_[static_cast<std::size_t>(it - names_.begin())]);
  }
  for (const auto& n : names_)
    if (std::find(expected.begin(), expected.end(), n) == expected.end())
      throw ValueError(unknown_name_message(what == "inputs" ? "input" : "output", n, expected));
  return out;
}

std::int64_t Model::Batch::size() const { return x.empty() || x[0].rank() == 0 ? 0 : x[0].shape()[0]; }

std::vector<Tensor> Model::resolve_inputs(const Tensors& x, const char* what) const {
  if (x.empty()) throw ValueError(std::string(what) + ": x is empty");
  if (!graph_ && !x.is_named()) {
    if (x.size() != 1)
      throw ValueError(std::string(what) + ": model '" + name() + "' takes 1 input but " +
                       std::to_string(x.size()) + " arrays were given");
    return x.list();
  }
  auto xs = x.resolve(input_names(), "inputs");
  trainer_detail::check_inputs_defined(xs, what);
  return xs;
}

std::vector<Tensor> Model::resolve_targets(const Tensors& y, const char* what) const {
  (void)what;
  if (y.empty()) return {};
  return y.resolve(output_names(), "outputs");
}

Tensor Model::class_weights_to_sample_weights(const Tensor& y, const std::map<int, double>& cw,
                                              const Tensor& sample_weight) const {
  if (cw.empty()) return sample_weight;
  if (!y.defined()) throw ValueError("class_weight needs targets y");
  // Keras maps each sample's class (its integer label, or the argmax of a one-hot row).
  std::vector<std::int32_t> labels;
  if (y.dtype() == DType::Int32 && (y.rank() == 1 || (y.rank() == 2 && y.shape()[1] == 1))) {
    labels = y.to_vector<std::int32_t>();
  } else if (y.rank() == 2 && y.shape()[1] > 1) {
    labels = ops::argmax(y, -1).to_vector<std::int32_t>();
  } else {
    Tensor yi = y.astype(DType::Float32);
    for (float v : yi.to_vector<float>()) labels.push_back(static_cast<std::int32_t>(std::lround(v)));
  }
  std::vector<float> w(labels.size(), 1.0f);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto it = cw.find(labels[i]);
    if (it != cw.end()) w[i] = static_cast<float>(it->second);
  }
  Tensor cwt = Tensor::from_vector(w, Shape{static_cast<std::int64_t>(w.size())}, &y.backend());
  if (sample_weight.defined()) return ops::multiply(cwt, sample_weight.reshape({-1}).astype(DType::Float32));
  return cwt;
}

}  // namespace temper
