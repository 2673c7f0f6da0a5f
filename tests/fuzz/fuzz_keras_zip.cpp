// fuzz_keras_zip.cpp — the .keras reader: the zip container (libzip, declared sizes, CRCs),
// config.json (Keras 3 model and compile config), and model.weights.h5 opened as an in-memory
// HDF5 image; load_model and load_weights on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_models.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string path = fuzz::write_input("model.keras", fuzz::as_text(data, size));
  fuzz::expect_temper_errors([&] { (void)load_model(path); });
  fuzz::expect_temper_errors([&] {
    auto m = fuzz::mlp();
    load_weights(*m, path);
  });
  return 0;
}
