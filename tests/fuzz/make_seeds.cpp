// make_seeds.cpp — fuzz_make_seeds OUT_DIR: seed files of every format the fuzzers read,
// written by Temper's own writers, into OUT_DIR/<harness>/ (fuzz_h5, fuzz_keras_zip,
// fuzz_model_json, fuzz_npy, fuzz_idx, fuzz_metadata_json). scripts/fuzz.sh adds them to the
// committed seeds (tests/fuzz/corpus) and the project's own files (tests/data, tests/cli,
// examples/configs). Small on purpose: libFuzzer mutates every byte of a seed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "temper/datasets/npy.hpp"
#include "temper/temper.hpp"

// The .keras container's reader (src/saving/zip.hpp) is private to the library but exported.
namespace temper::io::zip {
std::vector<std::pair<std::string, std::string>> read_all(const std::string& path);
}  // namespace temper::io::zip

using namespace temper;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw IOError("cannot write " + p.string());
}

// Trains one step so that the optimizer state (iteration, moments) is in the files.
void one_step(Model& m, const Tensor& x, const Tensor& y) {
  m.fit(x, y, FitOptions{.batch_size = 4, .epochs = 1, .verbose = 0});
}

// fuzz_keras_zip's two input forms (tests/fuzz/fuzz_keras_zip.cpp): byte 0 even, then the
// .keras file; byte 0 odd, then config.json's length (2 bytes, little-endian), config.json and
// model.weights.h5.
void write_keras_seeds(const fs::path& keras, const fs::path& dir, const std::string& name) {
  std::ifstream in(keras, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_text(dir / (name + ".keras"), std::string(1, '\0') + bytes);
  std::string config, weights;
  for (const auto& [entry, content] : io::zip::read_all(keras.string())) {
    if (entry == "config.json") config = content;
    if (entry == "model.weights.h5") weights = content;
  }
  if (config.size() > 0xffff) return;
  std::string parts(1, '\1');
  parts += static_cast<char>(config.size() & 0xff);
  parts += static_cast<char>(config.size() >> 8);
  write_text(dir / (name + "_parts"), parts + config + weights);
}

void save_all(Model& m, const fs::path& out, const std::string& name) {
  save_model(m, (out / "fuzz_h5" / (name + ".h5")).string());
  save_weights(m, (out / "fuzz_h5" / (name + ".weights.h5")).string());
  save_weights(m, (out / "fuzz_h5" / (name + "_legacy_weights.h5")).string());
  const fs::path keras = out / (name + ".keras");
  save_model(m, keras.string());
  write_keras_seeds(keras, out / "fuzz_keras_zip", name);
  fs::remove(keras);
  write_text(out / "fuzz_model_json" / (name + ".json"), model_to_json(m));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds OUT_DIR\n";
    return 2;
  }
  temper::fuzz::quiet_logs();
  const fs::path out = argv[1];
  for (const char* d : {"fuzz_h5", "fuzz_keras_zip", "fuzz_model_json", "fuzz_npy", "fuzz_idx", "fuzz_metadata_json"})
    fs::create_directories(out / d);

  // The MLP of tests/data/keras (the architecture the weight harnesses load into), with Adam.
  const Tensor x4 = Tensor::from_vector(std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f,
                                                           0.9f, 1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f},
                                        {4, 4});
  const Tensor y3 = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 2, 1});
  {
    Sequential m({layers::Input({4}), layers::Dense(5, "relu"), layers::Dropout(0.5), layers::Dense(3, "softmax")});
    m.compile(optimizers::Adam(1e-3), losses::SparseCategoricalCrossentropy(), {"accuracy"});
    one_step(m, x4, y3);
    save_all(m, out, "mlp");
    // A BackupAndRestore backup: latest.weights.h5 (metadata in a root attribute) and
    // training_metadata.json.
    const fs::path backup = out / "backup";
    m.fit(x4, y3, FitOptions{.batch_size = 4, .epochs = 1, .verbose = 0,
                             .callbacks = {std::make_shared<callbacks::BackupAndRestore>(
                                 backup.string(), callbacks::BackupAndRestore::Options{.delete_checkpoint = false})}});
    if (fs::exists(backup / "latest.weights.h5"))
      fs::copy_file(backup / "latest.weights.h5", out / "fuzz_h5" / "backup_latest.weights.h5");
    if (fs::exists(backup / "training_metadata.json"))
      fs::copy_file(backup / "training_metadata.json", out / "fuzz_metadata_json" / "training_metadata.json");
    fs::remove_all(backup);
  }
  // A small convnet with batch normalization and SGD with momentum (non-trainable weights,
  // 4-D kernels, a different optimizer state).
  {
    Sequential m({layers::Input({6, 6, 2}),
                  layers::Conv2D(layers::Conv2DOptions{.filters = 3, .kernel_size = 3, .activation = "relu"}),
                  layers::BatchNormalization(), layers::MaxPooling2D(), layers::Flatten(), layers::Dense(2)});
    m.compile(optimizers::SGD(optimizers::SGD::Options{.learning_rate = 0.01, .momentum = 0.9}),
              losses::SparseCategoricalCrossentropy({.from_logits = true}), {"accuracy"});
    const Tensor x = Tensor::from_vector(std::vector<float>(4 * 6 * 6 * 2, 0.5f), {4, 6, 6, 2});
    const Tensor y = Tensor::from_vector(std::vector<std::int32_t>{0, 1, 0, 1});
    one_step(m, x, y);
    save_all(m, out, "convnet");
  }
  // A functional model with two inputs, a shared layer and two named outputs (per-output
  // losses and loss weights in the compile config).
  {
    SymbolicTensor a = Input({3}, "a"), b = Input({3}, "b");
    auto shared = make_layer<layers::Dense>(4, "relu");
    SymbolicTensor h = layers::Concatenate()({shared(a), shared(b)});
    SymbolicTensor c = layers::Dense(layers::Dense::Options{.units = 2, .name = "c"})(h);
    SymbolicTensor f = layers::Dense(layers::Dense::Options{.units = 1, .activation = "sigmoid", .name = "f"})(h);
    Model m({a, b}, {c, f});
    m.compile("adam", {.losses = {{"c", "sparse_categorical_crossentropy"}, {"f", "binary_crossentropy"}},
                       .loss_weights = {{"c", 1.0}, {"f", 0.2}}});
    save_all(m, out, "functional");
  }
  // Data arrays of every dtype Temper writes.
  const Tensor f32 = Tensor::from_vector(std::vector<float>{1.5f, -2, 3, 4, 5, 6}, {2, 3});
  datasets::write_npy(out / "fuzz_npy" / "f32.npy", f32);
  datasets::write_npy(out / "fuzz_npy" / "f64.npy", f32.astype(DType::Float64).reshape({3, 2}));
  datasets::write_npy(out / "fuzz_npy" / "i32.npy", y3);
  datasets::write_npy(out / "fuzz_npy" / "u8.npy", f32.astype(DType::UInt8).reshape({1, 2, 3}));
  datasets::write_idx(out / "fuzz_idx" / "u8-idx3-ubyte.gz", f32.astype(DType::UInt8).reshape({1, 2, 3}), true);
  datasets::write_idx(out / "fuzz_idx" / "u8-idx2-ubyte", f32.astype(DType::UInt8), false);
  datasets::write_idx(out / "fuzz_idx" / "i32-idx1-ubyte.gz", y3, true);
  datasets::write_idx(out / "fuzz_idx" / "f32-idx2-ubyte", f32, false);
  datasets::write_idx(out / "fuzz_idx" / "f64-idx2-ubyte.gz", f32.astype(DType::Float64), true);
  std::cout << "fuzz_make_seeds: seeds written to " << out.string() << std::endl;
  return 0;
}
