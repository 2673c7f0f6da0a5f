// npy.hpp — NumPy's .npy array files (numpy.save / numpy.load), read and written.
#pragma once
#include <filesystem>

#include "temper/tensor.hpp"

namespace temper::datasets {

/// Reads a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) into a tensor.
///
/// Keras takes NumPy arrays directly; this is `numpy.load(path)` for the element types Temper
/// can hold. float32 -> Float32, float64 -> Float64, uint8 and bool -> UInt8, and the integer
/// types int8/int16/int32/uint16 and int64/uint32/uint64 (when every value fits) -> Int32.
/// Both byte orders are accepted; Fortran-ordered arrays are transposed into row-major order.
/// Everything wrong with the file — missing, not an .npy file (bad magic string), an
/// unreadable header dictionary, an unsupported dtype (with the dtype string, e.g. '<c8' or
/// object arrays), a data section shorter than the shape needs, an int64 value outside the
/// int32 range — is an IOError naming the path and the problem. A 0-d array becomes a
/// one-element tensor of shape (1,).
Tensor read_npy(const std::filesystem::path& path);

/// Writes a tensor as a version 1.0 `.npy` file that numpy.load reads (little-endian, C order).
///
/// Keras has no equivalent (numpy.save). Float32 '<f4', Float64 '<f8', Int32 '<i4' and UInt8
/// '|u1'. The write is atomic (temporary file, then rename), and failures are IOErrors naming
/// the path.
void write_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace temper::datasets
