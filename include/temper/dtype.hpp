// dtype.hpp — element types a Tensor can hold.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace temper {

/// Element type of a tensor (Keras: the `dtype` strings "float32", "int32", ...).
/// float32 is the training type (Keras floatx); float64 exists for numerical gradient checks;
/// int32 holds class labels; uint8 holds raw image data as loaded from IDX files.
enum class DType : std::uint8_t { Float32, Float64, Int32, UInt8 };

/// Size of one element in bytes.
constexpr std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int32: return 4;
    case DType::UInt8: return 1;
  }
  return 0;
}

/// True for float32 and float64.
constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

/// Keras spelling of the dtype ("float32", "float64", "int32", "uint8").
std::string dtype_name(DType t);

/// Parses a Keras dtype string; throws ValueError naming the string otherwise.
DType dtype_from_name(const std::string& name);

/// Maps a C++ element type to its DType at compile time.
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::UInt8; };
template <class T> inline constexpr DType dtype_of_v = dtype_of<T>::value;

}  // namespace temper
