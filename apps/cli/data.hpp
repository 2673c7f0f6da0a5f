// data.hpp — the `data:` section of a CLI config: sources (fashion_mnist, idx, csv, npy),
// limits, splits and preprocessing.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "cli/config.hpp"
#include "temper/tensor.hpp"

namespace temper::cli {

/// Inputs and targets of one part of the data (y may be undefined).
struct XY {
  Tensor x{};
  Tensor y{};
};

/// The data a config describes, loaded and preprocessed.
struct LoadedData {
  XY train{};
  std::optional<XY> validation{};  ///< separate validation data (validation_* files)
  std::optional<XY> test{};        ///< test data (test files, the built-in test set, test_split)
  /// The preprocessing applied to x, as JSON ({"rescale": r, "mean": [...], "std": [...]}),
  /// saved in the run directory so that evaluate/predict can apply it to new inputs.
  Config preprocessing = Config::object();
  std::string description{};  ///< one line: source, sizes and shapes
};

/// Checks the keys and types of the data section without reading any file.
void check_data_section(const Field& data);

/// Loads what the data section describes. Relative paths are taken from the config file's
/// directory (`base_dir`), except paths given with --set (taken from the working directory).
/// A missing or malformed file throws ConfigIssue at the field naming it, with the reader's
/// message (file, line, column). `seed` drives test_split.
LoadedData load_data(const Field& data, const std::filesystem::path& base_dir, std::uint64_t seed);

/// Applies saved preprocessing (see LoadedData::preprocessing) to new inputs: float32, times
/// rescale, then (x - mean) / std per feature.
Tensor apply_preprocessing(const Config& preprocessing, const Tensor& x);

/// Reads an array file for evaluate/predict: `.npy`, IDX (`-idx*`/`.gz`/`.idx`) or CSV
/// (every column a feature unless `label_column` names one, which becomes y: int32 class ids
/// when `label_is_class`, else float32 targets).
XY read_array_file(const std::string& path, const std::optional<std::string>& label_column = {},
                   bool header = true, std::size_t skip_rows = 0, char delimiter = ',',
                   bool label_is_class = false);

/// Targets as int32 class ids: integer tensors as they are, float ones when every value is a
/// whole number (ValueError naming `file` and the first row that is not).
Tensor class_labels(const Tensor& y, const std::string& file);

/// The path of a data file: absolute as is; relative to the working directory when the
/// field came from --set; else relative to base_dir.
std::filesystem::path resolve_path(const Field& f, const std::filesystem::path& base_dir);

}  // namespace temper::cli
