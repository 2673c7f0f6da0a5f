// zip.hpp — the .keras zip container over libzip, private to the library.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace temper::io::zip {

/// Writes a new zip at `path` with `entries` (name, bytes) in order, every entry stored
/// uncompressed (ZIP_STORED), as Keras 3 writes .keras files. IOError on failure.
void write_stored(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries);

/// The entries of a zip (name -> bytes, CRC checked). IOError naming `path` when it is not a
/// zip file or is truncated/corrupt.
std::vector<std::pair<std::string, std::string>> read_all(const std::string& path);

/// True when the file starts like a zip ("PK\3\4").
bool looks_like_zip(const std::string& path);

}  // namespace temper::io::zip
