// labels.cpp — class-index label checks (include/temper/datasets/labels.hpp).
#include "temper/datasets/labels.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <vector>

#include "temper/error.hpp"

namespace temper::datasets {

namespace {

bool is_class_index(double v) {
  return std::isfinite(v) && v == std::floor(v) && v >= std::numeric_limits<std::int32_t>::min() &&
         v <= std::numeric_limits<std::int32_t>::max();
}

}  // namespace

Tensor class_labels(const Tensor& labels, const std::string& source) {
  if (!labels.defined()) throw ValueError("class_labels: the labels from '" + source + "' are undefined");
  if (labels.dtype() == DType::Int32) return labels;
  if (labels.dtype() == DType::UInt8) return labels.astype(DType::Int32);
  const std::vector<double> v = labels.astype(DType::Float64).to_vector<double>();
  std::vector<std::int32_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!is_class_index(v[i])) {
      std::ostringstream value;
      value << v[i];
      throw IOError("'" + source + "': the label at index " + std::to_string(i) + " is " + value.str() +
                    ", not a class index (class labels must be finite whole numbers; " + dtype_name(labels.dtype()) +
                    " labels are accepted only when every value is one)");
    }
    out[i] = static_cast<std::int32_t>(v[i]);
  }
  return Tensor::from_vector(out, labels.shape());
}

}  // namespace temper::datasets
