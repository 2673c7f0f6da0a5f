// fuzz_keras_zip.cpp — the .keras reader: the zip container (libzip, declared sizes, CRCs),
// config.json (Keras 3 model and compile config), and model.weights.h5 opened as an in-memory
// HDF5 image; load_model and load_weights on the same file.
//
// Input layout: byte 0 picks how the rest becomes a .keras file. Even: the rest is the file
// itself (the container is fuzzed). Odd: the rest is [2-byte little-endian length n][n bytes
// of config.json][model.weights.h5], written into a valid zip here — mutations of the
// contents would otherwise almost all stop at the zip's CRC check.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_models.hpp"
#include "fuzz_support.hpp"

// The .keras container's writer (src/saving/zip.hpp) is private to the library but exported.
namespace temper::io::zip {
void write_stored(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries);
}  // namespace temper::io::zip

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  if (size == 0) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  std::string path;
  if (data[0] % 2 == 0) {
    path = fuzz::write_input("model.keras", rest);
  } else {
    if (rest.size() < 2) return 0;
    const std::size_t n = std::min<std::size_t>(rest.size() - 2, std::uint8_t(rest[0]) | (std::uint8_t(rest[1]) << 8));
    path = (fuzz::scratch_dir() / "model.keras").string();
    io::zip::write_stored(path, {{"metadata.json", R"({"keras_version": "3.10.0"})"},
                                 {"config.json", std::string(rest.substr(2, n))},
                                 {"model.weights.h5", std::string(rest.substr(2 + n))}});
  }
  fuzz::expect_temper_errors([&] { (void)load_model(path); });
  fuzz::expect_temper_errors([&] {
    auto m = fuzz::mlp();
    load_weights(*m, path);
  });
  return 0;
}
