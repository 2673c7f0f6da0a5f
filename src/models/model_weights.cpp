// The model's weights (Keras: Model.weights, get_weights / set_weights) and its files.
#include <algorithm>

#include "temper/error.hpp"
#include "temper/model.hpp"
#include "temper/saving.hpp"

namespace temper {

namespace {
void append_unique(std::vector<VariablePtr>& out, const std::vector<VariablePtr>& ws) {
  for (const auto& w : ws)
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
}
}  // namespace

std::vector<VariablePtr> Model::weights() const {
  auto out = trainable_weights();
  append_unique(out, non_trainable_weights());
  return out;
}

std::vector<VariablePtr> Model::trainable_weights() const {
  std::vector<VariablePtr> out;
  if (!trainable()) return out;
  for (const auto& l : layers()) append_unique(out, l->trainable_weights());
  return out;
}

std::vector<VariablePtr> Model::non_trainable_weights() const {
  std::vector<VariablePtr> out;
  for (const auto& l : layers()) append_unique(out, trainable() ? l->non_trainable_weights() : l->weights());
  return out;
}

std::vector<Tensor> Model::regularization_losses() const {
  std::vector<Tensor> out;
  for (const auto& l : layers())
    for (auto& r : l->regularization_losses()) out.push_back(std::move(r));
  return out;
}

void Model::set_trainable(bool t) {
  Layer::set_trainable(t);
  for (const auto& l : layers()) l->set_trainable(t);
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& w : weights()) out.push_back(w->value.clone());
  return out;
}

void Model::set_weights(const std::vector<Tensor>& values) {
  auto ws = weights();
  if (values.size() != ws.size())
    throw ShapeError("set_weights: model '" + name() + "' has " + std::to_string(ws.size()) +
                     " weights but " + std::to_string(values.size()) + " values were given");
  for (std::size_t i = 0; i < ws.size(); ++i) {
    if (values[i].shape() != ws[i]->shape())
      throw ShapeError("set_weights: weight '" + ws[i]->path + "' has shape " + shape_to_string(ws[i]->shape()) +
                       " but the value has shape " + shape_to_string(values[i].shape()));
    ws[i]->value.assign(values[i].astype(ws[i]->value.dtype()));
  }
}

std::int64_t Model::count_params() const {
  std::int64_t n = 0;
  for (const auto& w : weights()) n += w->numel();
  return n;
}

// ---- files ----------------------------------------------------------------------------------
void Model::save(const std::string& path) const { save_model(*this, path); }
void Model::save_weights(const std::string& path) const { temper::save_weights(*this, path); }
void Model::load_weights(const std::string& path) { temper::load_weights(*this, path); }


}  // namespace temper
