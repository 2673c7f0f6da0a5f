// fuzz_model_json.cpp — model_from_json: Keras model configs (Sequential and functional,
// Keras 3 and tf.keras layouts), as `temper convert --architecture` and a config's
// `model: {json: ...}` read them; a model that loads is serialized and read back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "src/saving/load_limits.hpp"
#include "temper/model.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string text(fuzz::as_text(data, size));
  fuzz::expect_temper_errors([&] {
    // An architecture file may legitimately describe a large model; the cap turns that into a
    // ResourceError instead of an allocation over libFuzzer's -malloc_limit_mb.
    saving_detail::AllocationCap cap(std::uint64_t{64} << 20, "the fuzzed model JSON");
    auto model = model_from_json(text);
    (void)model_from_json(model_to_json(*model));
  });
  return 0;
}
