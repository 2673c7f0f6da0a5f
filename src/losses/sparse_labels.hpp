// sparse_labels.hpp — the label check shared by the sparse losses and metrics.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "temper/tensor.hpp"

namespace temper::losses::detail {

/// Throws ValueError naming the first bad label, its index and the class count unless every
/// label is an integer in [0, classes) or equal to `ignore_class` (TensorFlow raises for an
/// out-of-range label; a float label is checked to be integral before any cast truncates it).
/// One pass over the host copy of the labels, no per-element device round trip.
void check_sparse_labels(const std::string& who, const Tensor& labels, std::int64_t classes,
                         std::optional<int> ignore_class = std::nullopt);

}  // namespace temper::losses::detail
