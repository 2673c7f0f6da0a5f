// trainer_internal.hpp — what the trainer's source files share (internal to src/trainers/):
// one output's compiled loss and metrics, and the checks of the arrays given to fit & co.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "temper/error.hpp"
#include "temper/model.hpp"

namespace temper {

/// One output's loss, weight and metrics.
struct Model::OutputHead {
  std::string name;      // output name (the producing layer's name)
  std::string prefix;    // "" for a one-output model, "<name>_" otherwise
  losses::LossPtr loss;
  double weight = 1.0;
  std::vector<MetricArg> metric_args;
  std::vector<metrics::MetricPtr> metrics, weighted_metrics;
  std::shared_ptr<metrics::Mean> loss_tracker;  // per-output loss (multi-output only)
};

namespace trainer_detail {

inline std::int64_t batch_count(std::int64_t n, std::int64_t batch) { return (n + batch - 1) / batch; }

inline void check_batch_size(std::int64_t b, const char* what) {
  if (b <= 0)
    throw ValueError(std::string(what) + ": batch_size must be a positive integer, got " + std::to_string(b));
}

inline void check_inputs_defined(const std::vector<Tensor>& xs, const char* what) {
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].defined()) throw ValueError(std::string(what) + ": x[" + std::to_string(i) + "] is undefined");
    if (xs[i].rank() == 0) throw ShapeError(std::string(what) + ": x must have a batch axis, got a scalar");
  }
}

inline void check_same_rows(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const char* what) {
  check_inputs_defined(xs, what);
  const std::int64_t n = xs[0].shape()[0];
  for (std::size_t i = 0; i < ys.size(); ++i)
    if (!ys[i].defined() || ys[i].rank() == 0 || ys[i].shape()[0] != n)
      throw ShapeError(std::string(what) + ": x and y must have the same number of samples, got x " +
                       shape_to_string(xs[0].shape()) + " and y " +
                       (ys[i].defined() ? shape_to_string(ys[i].shape()) : std::string("undefined")));
}

}  // namespace trainer_detail
}  // namespace temper
