// fuzz_idx.cpp — datasets::read_idx (raw and gzip IDX files) and the CLI's checks on what it
// returns (data.idx in a config: NaN/inf check, standardisation).
#include <cstddef>
#include <cstdint>

#include "fuzz_data.hpp"
#include "fuzz_support.hpp"
#include "temper/datasets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string path = fuzz::write_input("input-idx.gz", fuzz::as_text(data, size));
  bool read = false;
  fuzz::expect_temper_errors([&] {
    (void)datasets::read_idx(path);
    read = true;
  });
  // The same file as a config's x and y (equal row counts), through the CLI's data loader.
  if (read) fuzz::load_through_cli("idx: {x: '" + path + "', y: '" + path + "'}\nstandardize: true\n");
  return 0;
}
