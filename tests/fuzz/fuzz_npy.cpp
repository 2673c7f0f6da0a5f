// fuzz_npy.cpp — datasets::read_npy (.npy versions 1-3, every dtype and byte order, Fortran
// order) and the CLI's checks on what it returns (data.npy in a config).
#include <cstddef>
#include <cstdint>

#include "fuzz_data.hpp"
#include "fuzz_support.hpp"
#include "temper/datasets/npy.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string path = fuzz::write_input("input.npy", fuzz::as_text(data, size));
  bool read = false;
  fuzz::expect_temper_errors([&] {
    (void)datasets::read_npy(path);
    read = true;
  });
  if (read) fuzz::load_through_cli("npy: {x: '" + path + "', y: '" + path + "'}\nstandardize: true\n");
  return 0;
}
