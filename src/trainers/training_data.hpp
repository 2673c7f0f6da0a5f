// training_data.hpp — the arrays of one fit/evaluate call (every input, every target, the
// sample weights) batched together in one shuffled order (internal to src/trainers/).
#pragma once
#include <cstdint>
#include <vector>

#include "temper/datasets.hpp"
#include "temper/model.hpp"
#include "temper/tensor.hpp"

namespace temper {

/// Batches several aligned arrays. The order (and so the shuffle) is the one of a
/// datasets::Dataset over the first input, so a one-input model sees exactly the batches a
/// Dataset would give; every other array is gathered with the same rows.
class TrainingData {
 public:
  TrainingData() = default;
  TrainingData(std::vector<Tensor> xs, std::vector<Tensor> ys, Tensor sample_weight);

  std::int64_t size() const noexcept { return index_.size(); }
  /// The rows [begin, end) of every array (views).
  TrainingData take(std::int64_t begin, std::int64_t end) const;
  /// The last `fraction` of the rows as validation data (Keras validation_split).
  std::pair<TrainingData, TrainingData> split(double fraction) const;
  TrainingData batch(std::int64_t batch_size) const;
  TrainingData shuffle(bool on, std::uint64_t seed) const;
  std::int64_t num_batches() const noexcept { return index_.num_batches(); }
  void start_epoch(int epoch) { index_.start_epoch(epoch); }
  /// Fills `out` with batch `i` of the current epoch, reusing its vectors' storage.
  void get_batch(std::int64_t i, Model::Batch& out) const;

 private:
  datasets::Dataset index_;  // over xs[0] (+ ys[0], sample weights): order and batching
  std::vector<Tensor> xs_, ys_;
  Tensor sample_weight_;
};

}  // namespace temper
