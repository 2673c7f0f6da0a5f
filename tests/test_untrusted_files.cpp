// Hostile model and data files (issue 11): the readers fail with a temper::Error naming the
// file instead of crashing (deep nesting), hanging (FIFOs), allocating what a damaged header
// claims, or converting data lossily. Every hostile file is generated here at run time.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <temper/datasets/labels.hpp>
#include <temper/datasets/npy.hpp>
#include <temper/io/untrusted.hpp>
#include <temper/temper.hpp>

#include "support/helpers.hpp"
#include "support/temp_dir.hpp"

// The .keras container's reader and writer (src/saving/zip.hpp) are private to the library
// but exported; the tests use them to put hostile content inside an otherwise valid zip.
namespace temper::io::zip {
void write_stored(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries);
std::vector<std::pair<std::string, std::string>> read_all(const std::string& path);
}  // namespace temper::io::zip

using namespace temper;
using temper::testing::contains;
using temper::testing::error_message;
namespace fs = std::filesystem;
namespace ds = temper::datasets;

namespace {

struct TempDir : temper::testing::TempDir {
  explicit TempDir(const std::string& tag) : temper::testing::TempDir("untrusted", tag) {}
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::shared_ptr<Sequential> small_model(std::int64_t in = 4, std::int64_t units = 3) {
  return std::make_shared<Sequential>(std::vector<LayerRef>{layers::Input({in}), layers::Dense(units)});
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A .keras file whose config.json is `config` and whose weights are those of small_model().
std::string keras_with_config(const TempDir& tmp, const std::string& config) {
  const std::string good = tmp / "good.keras";
  save_model(*small_model(), good);
  auto entries = io::zip::read_all(good);
  for (auto& [name, bytes] : entries)
    if (name == "config.json") bytes = config;
  const std::string bad = tmp / "bad.keras";
  io::zip::write_stored(bad, entries);
  return bad;
}

// The HDF5 datatype message of IEEE float32 little-endian, as libhdf5 writes it (version 1,
// class float, sign at bit 31, 4 bytes, 32-bit precision).
const std::string kF32Type("\x11\x20\x1f\x00\x04\x00\x00\x00\x00\x00\x20\x00", 12);

std::size_t patch_all(std::string& bytes, const std::string& from, const std::string& to) {
  std::size_t n = 0;
  for (auto p = bytes.find(from); p != std::string::npos; p = bytes.find(from, p + 1), ++n)
    bytes.replace(p, from.size(), to);
  return n;
}

}  // namespace

TEST_CASE("untrusted: deeply nested JSON in a .keras file or model JSON is an error naming the depth") {
  TempDir tmp("deep_json");
  SUBCASE("config.json nested 30000 levels") {
    const std::string path = keras_with_config(tmp, nested(30000));
    const std::string msg = error_message([&] { (void)load_model(path); });
    CHECK_THROWS_AS((void)load_model(path), IOError);
    CHECK(contains(msg, "config.json in '" + path + "' nests 30000 levels deep; the limit is 512"));
    CHECK_THROWS_AS(load_weights(*small_model(), path), IOError);
  }
  SUBCASE("deep nesting inside a layer's arguments and a 10^6-deep object") {
    const std::string deep_arg =
        R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": {"units": )" +
        nested(20000) + "}}]}}";
    const std::string arg_msg = error_message([&] { (void)load_model(keras_with_config(tmp, deep_arg)); });
    INFO(arg_msg);
    CHECK(contains(arg_msg, "20005 levels deep"));
    std::string obj;
    for (int i = 0; i < 1000000; ++i) obj += R"({"a":)";
    obj += "1" + std::string(1000000, '}');
    CHECK(contains(error_message([&] { (void)load_model(keras_with_config(tmp, obj)); }), "1000000 levels deep"));
  }
  SUBCASE("model_from_json") {
    CHECK_THROWS_AS((void)model_from_json(nested(100000)), ConfigError);
    CHECK(contains(error_message([&] { (void)model_from_json(nested(100000)); }), "100000 levels deep"));
  }
  SUBCASE("brackets inside strings do not count") {
    CHECK(io::nesting_depth(R"({"a": "[[[[[[\"[[[", "b": [1, {"c": 2}]})") == 3);
  }
}

TEST_CASE("untrusted: a FIFO or a directory is refused instead of blocking the reader") {
  TempDir tmp("fifo");
  for (const char* name : {"f.keras", "f.h5", "f.weights.h5", "f.npy", "f-idx1-ubyte", "f.csv"}) {
    const std::string p = tmp / name;
    REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  }
  auto model = small_model();
  CHECK(contains(error_message([&] { (void)load_model(tmp / "f.keras"); }), "FIFO"));
  CHECK(contains(error_message([&] { (void)load_model(tmp / "f.h5"); }), "FIFO"));
  CHECK(contains(error_message([&] { load_weights(*model, tmp / "f.weights.h5"); }), "FIFO"));
  CHECK_THROWS_AS((void)ds::read_npy(tmp / "f.npy"), IOError);
  CHECK_THROWS_AS((void)ds::read_idx(tmp / "f-idx1-ubyte"), IOError);
  CHECK(contains(error_message([&] { (void)ds::read_csv(tmp / "f.csv", {}); }), "FIFO"));
  fs::create_directories(tmp / "dir.keras");
  CHECK(contains(error_message([&] { (void)load_model(tmp / "dir.keras"); }), "a directory"));
}

TEST_CASE("untrusted: .npy sizes are checked without overflow and must match the file") {
  TempDir tmp("npy");
  auto npy = [](const std::string& shape, const std::string& data) {
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    return out + header + data;
  };
  // 2^61 + 1 elements of 8 bytes wrap around to 8 bytes: exactly the data present.
  write_bytes(tmp / "wrap.npy", npy("(2305843009213693953,)", std::string(8, '\0')));
  const std::string msg = error_message([&] { (void)ds::read_npy(tmp / "wrap.npy"); });
  CHECK(contains(msg, "more than 2^64 bytes"));
  write_bytes(tmp / "huge_extent.npy", npy("(99999999999999999999999,)", ""));
  CHECK_THROWS_AS((void)ds::read_npy(tmp / "huge_extent.npy"), IOError);
  write_bytes(tmp / "trailing.npy", npy("(2,)", std::string(24, '\0')));
  CHECK(contains(error_message([&] { (void)ds::read_npy(tmp / "trailing.npy"); }), "trailing data"));
  write_bytes(tmp / "ok.npy", npy("(2,)", std::string(16, '\0')));
  CHECK(ds::read_npy(tmp / "ok.npy").numel() == 2);
}

TEST_CASE("untrusted: IDX data must be exactly what the header declares") {
  TempDir tmp("idx");
  ds::write_idx(tmp / "a-idx1-ubyte", Tensor::from_vector(std::vector<std::uint8_t>{1, 2, 3}), false);
  std::string bytes = read_bytes(tmp / "a-idx1-ubyte");
  write_bytes(tmp / "b-idx1-ubyte", bytes + "xx");
  CHECK(contains(error_message([&] { (void)ds::read_idx(tmp / "b-idx1-ubyte"); }), "trailing data"));
  CHECK(ds::read_idx(tmp / "a-idx1-ubyte").numel() == 3);
}

TEST_CASE("untrusted: a CSV line longer than 64 MiB is an error, not a huge allocation") {
  TempDir tmp("csv");
  {
    std::ofstream out(tmp / "long.csv", std::ios::binary);
    out << "a,b\n1,2\n";
    const std::string piece(1 << 20, '7');
    for (int i = 0; i < 65; ++i) out << piece;
    out << ",1\n";
  }
  const std::string msg = error_message([&] { (void)ds::read_csv(tmp / "long.csv", {}); });
  CHECK(contains(msg, "long.csv:3: line longer than 64 MiB"));
  // Streaming keeps ordinary files working: rows, header, blank lines, a last line without '\n'.
  write_bytes(tmp / "ok.csv", "x,y\n\n1,0\r\n2,1");
  ds::CsvOptions o;
  o.label_column = "y";
  const auto d = ds::read_csv(tmp / "ok.csv", o);
  CHECK(d.x.shape() == Shape{2, 1});
  CHECK(d.y.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 1});
}

TEST_CASE("untrusted: an allocation that cannot succeed is a ResourceError naming shape, dtype and bytes") {
  const std::string msg = error_message([] { (void)Tensor::zeros({1000000, 1000000}); });
  CHECK_THROWS_AS((void)Tensor::zeros({1000000, 1000000}), ResourceError);
  CHECK(contains(msg, "(1000000, 1000000) float32 tensor: 4.0 TB"));
  CHECK(contains(error_message([] { (void)Tensor::empty({std::int64_t{1} << 40, std::int64_t{1} << 40}); }),
                 "overflows 64 bits"));
}

TEST_CASE("untrusted: a config declaring a layer far larger than the stored weights fails fast") {
  TempDir tmp("units");
  const std::string good = tmp / "good.keras";
  save_model(*small_model(16, 3), good);
  auto entries = io::zip::read_all(good);
  for (auto& [name, bytes] : entries)
    if (name == "config.json") REQUIRE(patch_all(bytes, "\"units\":3", "\"units\":2000000") == 1);
  const std::string bad = tmp / "bad.keras";
  io::zip::write_stored(bad, entries);
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS((void)load_model(bad), ResourceError);
  CHECK(contains(error_message([&] { (void)load_model(bad); }), "(16, 2000000) float32"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(load_model(good)->count_params() == 16 * 3 + 3);
}

TEST_CASE("untrusted: weight datasets of a foreign element type are refused, not converted") {
  TempDir tmp("dtype");
  auto model = small_model();
  const std::string path = tmp / "m.weights.h5";
  save_weights(*model, path);
  const std::string original = read_bytes(path);
  SUBCASE("an integer kernel for float32 weights") {
    std::string bytes = original;
    REQUIRE(patch_all(bytes, kF32Type, std::string("\x10\x08\x00\x00\x04\x00\x00\x00\x00\x00\x20\x00", 12)) >= 2);
    write_bytes(path, bytes);
    const std::string msg = error_message([&] { load_weights(*model, path); });
    CHECK(contains(msg, "holds int32 values but the weight is float32"));
    CHECK(contains(msg, "vars/0"));
  }
  SUBCASE("a flipped byte in the datatype's size field") {
    std::string bytes = original;
    REQUIRE(patch_all(bytes, kF32Type, std::string("\x11\x20\x1f\x00\x04\x00\x00\x01\x00\x00\x20\x00", 12)) >= 2);
    write_bytes(path, bytes);
    CHECK(contains(error_message([&] { load_weights(*model, path); }), "-byte floats"));
  }
}

TEST_CASE("untrusted: datasets Temper writes carry Fletcher-32 checksums that are verified") {
  TempDir tmp("fletcher");
  auto model = small_model();
  const auto kernel = model->layers().back()->weights().at(0);
  kernel->value.assign(Tensor::full(kernel->shape(), 1234.5, DType::Float32));
  const std::string path = tmp / "m.weights.h5";
  save_weights(*model, path);
  std::string bytes = read_bytes(path);
  const float v = 1234.5f;
  const std::string pattern(reinterpret_cast<const char*>(&v), sizeof v);
  const auto at = bytes.find(pattern + pattern);
  REQUIRE(at != std::string::npos);
  bytes[at + 5] = static_cast<char>(bytes[at + 5] ^ 0x01);
  write_bytes(path, bytes);
  const std::string msg = error_message([&] { load_weights(*model, path); });
  CHECK(contains(msg, "Fletcher-32"));
  CHECK(contains(msg, "vars/0"));
  CHECK(contains(msg, path));
}

TEST_CASE("untrusted: float labels meant as class indices must be finite whole numbers") {
  CHECK(ds::class_labels(Tensor::from_vector(std::vector<double>{1, 2, 0}), "y.npy").to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{1, 2, 0});
  const std::string nan_msg = error_message(
      [] { (void)ds::class_labels(Tensor::from_vector(std::vector<float>{1, std::nanf("")}), "y.npy"); });
  CHECK(contains(nan_msg, "'y.npy': the label at index 1 is nan"));
  const std::string frac_msg =
      error_message([] { (void)ds::class_labels(Tensor::from_vector(std::vector<float>{2.5f}), "y-idx1"); });
  CHECK(contains(frac_msg, "index 0 is 2.5"));
  CHECK_THROWS_AS((void)ds::class_labels(Tensor::from_vector(std::vector<double>{1e10}), "y.npy"), IOError);
}

// Found by tests/fuzz/fuzz_h5 (scripts/fuzz.sh): HDF5 1.10 loops forever on a global heap
// whose free-space object has size 0, and copies past the collection for an object larger
// than it. The heap holds the variable-length strings (model_config) of every Keras .h5.
TEST_CASE("untrusted: a corrupt HDF5 global heap is refused before HDF5 reads it") {
  TempDir tmp("gcol");
  const std::string good = tmp / "good.h5";
  save_model(*small_model(), good);
  const std::string bytes = read_bytes(good);
  const auto heap = bytes.find(std::string("GCOL\x01", 5));
  REQUIRE(heap != std::string::npos);
  const std::size_t object = heap + 16;  // after "GCOL", version, reserved, 8-byte collection size
  const auto patched = [&](unsigned index, std::uint64_t size) {
    std::string b = bytes;
    b[object] = static_cast<char>(index & 0xff);
    b[object + 1] = static_cast<char>(index >> 8);
    for (int i = 0; i < 8; ++i) b[object + 8 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    return b;
  };
  SUBCASE("a free-space object of size 0 (HDF5 would loop forever)") {
    write_bytes(tmp / "bad.h5", patched(0, 0));
  }
  SUBCASE("an object larger than its collection (HDF5 would copy past it)") {
    write_bytes(tmp / "bad.h5", patched(1, std::uint64_t{1} << 40));
  }
  const std::string msg = error_message([&] { (void)load_model(tmp / "bad.h5"); });
  CHECK(contains(msg, "bad.h5"));
  CHECK(contains(msg, "global heap"));
  auto model = small_model();
  CHECK_THROWS_AS(load_weights(*model, tmp / "bad.h5"), IOError);
  CHECK(load_model(good) != nullptr);
}

// Found by tests/fuzz/fuzz_model_json: a number beyond double's range is nlohmann's
// out_of_range (not a parse_error) and a value of the wrong type a type_error; both escaped
// model_from_json as bare nlohmann exceptions.
TEST_CASE("untrusted: model JSON with an out-of-range number or a mistyped value is a ConfigError") {
  for (const char* json : {R"({"class_name": "Sequential", "config": {"layers": [], "x": 2e308}})",
                           R"({"class_name": 5})",
                           R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "config": 7}]}})"}) {
    CAPTURE(json);
    CHECK_THROWS_AS((void)model_from_json(json), ConfigError);
  }
  CHECK(contains(error_message([] { (void)model_from_json(R"({"a": 1e999})"); }), "model JSON is malformed"));
}

// Found by tests/fuzz/fuzz_metadata_json: a random-stream state [1.5e27, 15] (training
// metadata, temper_rng_state) was converted to uint64 with a cast outside its range (UB).
TEST_CASE("untrusted: a random-stream state that is not two non-negative integers is a ConfigError") {
  auto model = small_model();
  Config layer_state = Config::object();
  layer_state["layers"][model->layers().back()->name()] = Config::parse(R"([1e300, 2])");
  for (const Config& state : {Config::parse(R"({"model": [1.5e27, 15]})"), Config::parse(R"({"model": [-1, 0]})"),
                              layer_state}) {
    CAPTURE(state.dump());
    CHECK_THROWS_AS(set_rng_state(*model, state), ConfigError);
  }
  CHECK_NOTHROW(set_rng_state(*model, Config::parse(R"({"model": [7, 3]})")));
}

TEST_CASE("untrusted: weights whose bytes spell a global heap signature still load") {
  TempDir tmp("gcol_data");
  auto model = small_model();
  // "GCOL", version 1, reserved, then a collection size no file can hold: the check skips it,
  // as HDF5 would never load a collection that runs past the end of the file.
  const unsigned char pattern[16] = {'G', 'C', 'O', 'L', 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  std::vector<float> kernel(12, 0.5f);
  std::memcpy(kernel.data(), pattern, sizeof pattern);
  model->layers().back()->weights()[0]->value.assign(Tensor::from_vector(kernel, {4, 3}));
  const std::string path = tmp / "gcol_in_data.weights.h5";
  save_weights(*model, path);
  REQUIRE(contains(read_bytes(path), std::string(reinterpret_cast<const char*>(pattern), 8)));
  auto loaded = small_model();
  REQUIRE_NOTHROW(load_weights(*loaded, path));
  const auto got = loaded->layers().back()->weights()[0]->value.to_vector<float>();
  CHECK(std::memcmp(got.data(), kernel.data(), sizeof pattern) == 0);
}

// Found by probing fuzz_keras_zip's structured inputs: compile_from_config caught only
// temper::Error, so a mistyped value of a saved compile config (a metric name that is a
// number, a loss weight that is a string) escaped load_model as a bare nlohmann exception.
TEST_CASE("untrusted: a mistyped value in a saved compile config is a ConfigError naming the file") {
  TempDir tmp("compile_config");
  auto model = small_model();
  model->compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
  const std::string good = tmp / "good.keras";
  save_model(*model, good);
  std::string config;
  for (const auto& [name, bytes] : io::zip::read_all(good))
    if (name == "config.json") config = bytes;
  Config c = Config::parse(config);
  REQUIRE(c.contains("compile_config"));
  c["compile_config"]["metrics"] = Config::parse(R"([{"class_name": "MeanMetricWrapper", "config": {"name": 5}}])");
  const std::string bad = keras_with_config(tmp, c.dump());
  const std::string msg = error_message([&] { (void)load_model(bad); });
  CHECK(contains(msg, "bad.keras"));
  CHECK(contains(msg, "compile config"));
  CHECK_THROWS_AS((void)load_model(bad), ConfigError);
}
