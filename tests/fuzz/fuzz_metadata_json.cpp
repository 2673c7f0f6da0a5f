// fuzz_metadata_json.cpp — the small JSON files Temper writes next to models and reads back:
// preprocessing.json (rescale / per-feature mean and std, applied by `temper evaluate` and
// `temper predict` to new inputs) and BackupAndRestore's training_metadata.json (epoch,
// random-stream state) when `temper train --resume` restarts from it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "cli/data.hpp"
#include "fuzz_models.hpp"
#include "fuzz_support.hpp"
#include "temper/callbacks/backup_and_restore.hpp"
#include "temper/io/untrusted.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  std::filesystem::create_directories(temper::fuzz::scratch_dir() / "backup");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string text(fuzz::as_text(data, size));
  // preprocessing.json, read as the CLI reads it (apps/cli/commands.cpp find_preprocessing:
  // nesting check, then parse; a parse error is its IOError), then applied to inputs of the
  // shapes evaluate/predict pass: (N, features) and images (N, H, W).
  fuzz::expect_temper_errors([&] {
    io::check_nesting_depth(text, "preprocessing.json");
    Config pre;
    try {
      pre = Config::parse(text);
    } catch (const nlohmann::json::exception&) {
      return;
    }
    const Tensor x = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
    fuzz::expect_temper_errors([&] { (void)cli::apply_preprocessing(pre, x); });
    fuzz::expect_temper_errors([&] { (void)cli::apply_preprocessing(pre, x.reshape({2, 3, 1}).astype(DType::UInt8)); });
  });
  // training_metadata.json with no weights file beside it (a backup killed between the two
  // writes), restored into a compiled model.
  (void)fuzz::write_input("backup/training_metadata.json", text);
  fuzz::expect_temper_errors([&] {
    auto m = fuzz::mlp();
    callbacks::BackupAndRestore b((fuzz::scratch_dir() / "backup").string());
    b.set_model(m.get());
    b.on_train_begin({});
  });
  return 0;
}
