#include "src/trainers/training_data.hpp"

#include "temper/backend.hpp"
#include "temper/error.hpp"

namespace temper {

namespace {
Tensor rows_of(const Tensor& t, std::span<const std::int64_t> rows) {
  Shape s = t.shape();
  s[0] = static_cast<std::int64_t>(rows.size());
  Tensor out = Tensor::empty(s, t.dtype(), &t.backend());
  t.backend().gather_rows(t, rows, out);
  return out;
}
}  // namespace

TrainingData::TrainingData(std::vector<Tensor> xs, std::vector<Tensor> ys, Tensor sample_weight)
    : xs_(std::move(xs)), ys_(std::move(ys)), sample_weight_(std::move(sample_weight)) {
  if (xs_.empty() || !xs_[0].defined()) throw ValueError("no input data given (x is empty)");
  const std::int64_t n = xs_[0].rank() > 0 ? xs_[0].shape()[0] : -1;
  auto check = [&](const Tensor& t, const std::string& what) {
    if (!t.defined()) throw ValueError(what + " is undefined");
    if (t.rank() == 0 || t.shape()[0] != n)
      throw ShapeError("all inputs and targets must have the same number of samples: x[0] has " +
                       std::to_string(n) + " but " + what + " has shape " + shape_to_string(t.shape()));
  };
  for (std::size_t i = 1; i < xs_.size(); ++i) check(xs_[i], "x[" + std::to_string(i) + "]");
  for (std::size_t i = 0; i < ys_.size(); ++i) check(ys_[i], "y[" + std::to_string(i) + "]");
  index_ = datasets::Dataset(xs_[0], ys_.size() == 1 ? ys_[0] : Tensor(), sample_weight_);
}

TrainingData TrainingData::take(std::int64_t begin, std::int64_t end) const {
  TrainingData d = *this;
  d.index_ = index_.take(begin, end);
  for (auto& x : d.xs_) x = x.slice_rows(begin, end);
  for (auto& y : d.ys_) y = y.slice_rows(begin, end);
  if (d.sample_weight_.defined()) d.sample_weight_ = d.sample_weight_.slice_rows(begin, end);
  return d;
}

std::pair<TrainingData, TrainingData> TrainingData::split(double fraction) const {
  auto [a, b] = index_.split(fraction);  // validates and reports like Dataset
  return {take(0, a.size()), take(a.size(), size())};
}

TrainingData TrainingData::batch(std::int64_t batch_size) const {
  TrainingData d = *this;
  d.index_ = index_.batch(batch_size);
  return d;
}

TrainingData TrainingData::shuffle(bool on, std::uint64_t seed) const {
  TrainingData d = *this;
  d.index_ = index_.shuffle(on, seed);
  return d;
}

void TrainingData::get_batch(std::int64_t i, Model::Batch& out) const {
  auto b = index_.get_batch(i);
  out.x.clear();  // releases the previous batch before this one's rows are gathered
  out.y.clear();
  out.x.push_back(std::move(b.x));
  out.sample_weight = std::move(b.sample_weight);
  if (ys_.size() == 1) out.y.push_back(std::move(b.y));
  if (xs_.size() == 1 && ys_.size() <= 1) return;
  const std::int64_t begin = i * index_.batch_size();
  const std::int64_t end = std::min(size(), begin + index_.batch_size());
  auto extra = [&](const Tensor& t) {
    if (!index_.shuffled()) return t.slice_rows(begin, end);
    return rows_of(t, index_.order().subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
  };
  for (std::size_t k = 1; k < xs_.size(); ++k) out.x.push_back(extra(xs_[k]));
  if (ys_.size() > 1)
    for (const auto& y : ys_) out.y.push_back(extra(y));
}

}  // namespace temper
