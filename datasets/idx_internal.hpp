// idx_internal.hpp — host-side result of parsing an IDX file, before it becomes a Tensor, so
// that loaders can check and convert it (labels uint8 -> int32) without a backend round trip.
#pragma once
#include <filesystem>
#include <vector>

#include "temper/dtype.hpp"
#include "temper/shape.hpp"
#include "temper/tensor.hpp"

namespace temper::datasets::detail {

struct IdxArray {
  Shape shape;
  DType dtype = DType::UInt8;
  std::vector<unsigned char> bytes;  // host byte order, dtype elements
};

IdxArray read_idx_array(const std::filesystem::path& path);
Tensor to_tensor(const IdxArray& a);

}  // namespace temper::datasets::detail
