// fuzz_h5.cpp — the HDF5 readers: load_model on a legacy tf.keras full-model .h5 (model_config
// and training_config attributes, /model_weights, /optimizer_weights, Temper's random-stream
// attribute); load_weights on the same bytes (Keras 3 /layers layout or legacy layer_names,
// told apart by content); and BackupAndRestore resuming from them as latest.weights.h5
// (training metadata in a root attribute).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fuzz_models.hpp"
#include "fuzz_support.hpp"
#include "temper/callbacks/backup_and_restore.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  std::filesystem::create_directories(temper::fuzz::scratch_dir() / "backup");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string_view bytes = fuzz::as_text(data, size);
  const std::string model_path = fuzz::write_input("model.h5", bytes);
  fuzz::expect_temper_errors([&] { (void)load_model(model_path); });
  fuzz::expect_temper_errors([&] {
    auto m = fuzz::mlp();
    load_weights(*m, model_path);
  });
  (void)fuzz::write_input("backup/latest.weights.h5", bytes);
  fuzz::expect_temper_errors([&] {
    auto m = fuzz::mlp();
    callbacks::BackupAndRestore b((fuzz::scratch_dir() / "backup").string());
    b.set_model(m.get());
    b.on_train_begin({});
  });
  return 0;
}
