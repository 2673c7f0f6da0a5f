#include "temper/dtype.hpp"

#include "temper/error.hpp"

namespace temper {

std::string dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
  }
  return "unknown";
}

DType dtype_from_name(const std::string& name) {
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  if (name == "int32") return DType::Int32;
  if (name == "uint8") return DType::UInt8;
  throw ValueError("unknown dtype '" + name + "': expected one of float32, float64, int32, uint8");
}

}  // namespace temper
