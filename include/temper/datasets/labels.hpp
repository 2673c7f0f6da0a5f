// labels.hpp — checking label arrays read from files before they are used as class indices.
#pragma once
#include <string>

#include "temper/tensor.hpp"

namespace temper::datasets {

/// Class indices (int32) from a label array read from `source` (a file name, for messages).
///
/// Keras (TensorFlow) raises on labels that are not valid class indices; a float array whose
/// values are 3.0, 7.0, ... is accepted as those classes, as CSV labels are. Int32 arrays are
/// returned as they are and UInt8 ones widened. A float value that is NaN, infinite, not a
/// whole number or outside the int32 range is an IOError naming `source`, the index and the
/// value, instead of being truncated to some class.
Tensor class_labels(const Tensor& labels, const std::string& source);

}  // namespace temper::datasets
