// test_datasets.cpp — IDX/CSV readers, Fashion-MNIST loader, train_test_split, standardize
// and the in-memory Dataset pipeline.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "temper/datasets.hpp"
#include "temper/error.hpp"

namespace fs = std::filesystem;
using namespace temper;
namespace ds = temper::datasets;

namespace {

// A fresh directory per test, removed afterwards, so tests never see each other's files.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("temper_test_datasets_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<unsigned char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<unsigned char>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::uint32_t crc32(const std::vector<unsigned char>& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// Writes a valid gzip file using stored (uncompressed) deflate blocks. Hand-made so the test
// does not link zlib itself (the library keeps zlib private).
void write_gz(const fs::path& p, const std::vector<unsigned char>& bytes) {
  std::vector<unsigned char> out = {0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03};
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(bytes.size() - pos, 65535);
    const bool last = pos + len == bytes.size();
    out.push_back(last ? 0x01 : 0x00);
    const auto l16 = static_cast<std::uint16_t>(len);
    const auto n16 = static_cast<std::uint16_t>(~l16);
    out.insert(out.end(), {static_cast<unsigned char>(l16), static_cast<unsigned char>(l16 >> 8),
                           static_cast<unsigned char>(n16), static_cast<unsigned char>(n16 >> 8)});
    out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
               bytes.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < bytes.size());
  const std::uint32_t crc = crc32(bytes);
  const auto size = static_cast<std::uint32_t>(bytes.size());
  for (std::uint32_t v : {crc, size}) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<unsigned char>(v >> (8 * k)));
  }
  write_bytes(p, out);
}

// Raw IDX header: magic (0, 0, type, rank) then big-endian extents.
std::vector<unsigned char> idx_header(unsigned char type, const std::vector<std::uint32_t>& dims) {
  std::vector<unsigned char> h = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims) {
    h.push_back(static_cast<unsigned char>(d >> 24));
    h.push_back(static_cast<unsigned char>(d >> 16));
    h.push_back(static_cast<unsigned char>(d >> 8));
    h.push_back(static_cast<unsigned char>(d));
  }
  return h;
}

// Runs `f`, requires an exception of type E and returns its message.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("wrong exception type: " << e.what());
    return {};
  }
  FAIL("no exception thrown");
  return {};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

Tensor arange_f32(std::int64_t n, std::int64_t cols = 1) {
  std::vector<float> v(static_cast<std::size_t>(n * cols));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return Tensor::from_vector(v, Shape{n, cols});
}

Tensor arange_i32(std::int64_t n) {
  std::vector<std::int32_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return Tensor::from_vector(v);
}

// A small Fashion-MNIST look-alike: image i has every pixel equal to i, label i % 10.
void make_fake_fashion(const fs::path& dir, std::uint32_t n_train, std::uint32_t n_test,
                       std::uint32_t n_test_labels) {
  auto images = [](std::uint32_t n) {
    std::vector<unsigned char> b = idx_header(0x08, {n, 28, 28});
    for (std::uint32_t i = 0; i < n; ++i) b.insert(b.end(), 28 * 28, static_cast<unsigned char>(i));
    return b;
  };
  auto labels = [](std::uint32_t n) {
    std::vector<unsigned char> b = idx_header(0x08, {n});
    for (std::uint32_t i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(i % 10));
    return b;
  };
  write_gz(dir / "train-images-idx3-ubyte.gz", images(n_train));
  write_gz(dir / "train-labels-idx1-ubyte.gz", labels(n_train));
  write_gz(dir / "t10k-images-idx3-ubyte.gz", images(n_test));
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", labels(n_test_labels));
}

// Sets an environment variable for one scope and restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

// ---- IDX ----------------------------------------------------------------------------------

TEST_CASE("IDX round trip for every dtype, gzip and raw") {
  TempDir tmp;
  for (bool gz : {true, false}) {
    CAPTURE(gz);
    const std::string ext = gz ? ".gz" : "";

    std::vector<std::uint8_t> u8(3 * 4 * 5);
    for (std::size_t i = 0; i < u8.size(); ++i) u8[i] = static_cast<std::uint8_t>(i * 7);
    const Tensor tu8 = Tensor::from_vector(u8, Shape{3, 4, 5});
    ds::write_idx(tmp / ("u8" + ext), tu8, gz);
    const Tensor ru8 = ds::read_idx(tmp / ("u8" + ext));
    CHECK(ru8.dtype() == DType::UInt8);
    CHECK(ru8.shape() == Shape{3, 4, 5});
    CHECK(ru8.to_vector<std::uint8_t>() == u8);

    const std::vector<std::int32_t> i32 = {0, -1, 2147483647, -2147483647 - 1, 123456, -7, 42};
    ds::write_idx(tmp / ("i32" + ext), Tensor::from_vector(i32), gz);
    const Tensor ri32 = ds::read_idx(tmp / ("i32" + ext));
    CHECK(ri32.dtype() == DType::Int32);
    CHECK(ri32.shape() == Shape{7});
    CHECK(ri32.to_vector<std::int32_t>() == i32);

    const std::vector<float> f32 = {0.f, -1.5f, 3.25f, 1e-30f, -1e30f, 0.1f};
    ds::write_idx(tmp / ("f32" + ext), Tensor::from_vector(f32, Shape{2, 3}), gz);
    const Tensor rf32 = ds::read_idx(tmp / ("f32" + ext));
    CHECK(rf32.dtype() == DType::Float32);
    CHECK(rf32.shape() == Shape{2, 3});
    CHECK(rf32.to_vector<float>() == f32);

    const std::vector<double> f64 = {3.141592653589793, -2.5e-300, 1e300, 0.0};
    ds::write_idx(tmp / ("f64" + ext), Tensor::from_vector(f64), gz);
    const Tensor rf64 = ds::read_idx(tmp / ("f64" + ext));
    CHECK(rf64.dtype() == DType::Float64);
    CHECK(rf64.to_vector<double>() == f64);

    // Empty extents are legal IDX.
    ds::write_idx(tmp / ("empty" + ext), Tensor::zeros(Shape{0, 3}, DType::UInt8), gz);
    const Tensor re = ds::read_idx(tmp / ("empty" + ext));
    CHECK(re.shape() == Shape{0, 3});
  }
}

TEST_CASE("IDX raw file is written uncompressed, gzip file compressed") {
  TempDir tmp;
  const Tensor t = Tensor::zeros(Shape{2, 2}, DType::UInt8);
  ds::write_idx(tmp / "a.idx", t, false);
  ds::write_idx(tmp / "a.idx.gz", t, true);
  const auto raw = read_bytes(tmp / "a.idx");
  CHECK(raw == std::vector<unsigned char>{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0});
  const auto gz = read_bytes(tmp / "a.idx.gz");
  REQUIRE(gz.size() >= 2);
  CHECK(gz[0] == 0x1F);
  CHECK(gz[1] == 0x8B);
}

TEST_CASE("IDX int8 and int16 widen to int32 with sign, big-endian") {
  TempDir tmp;
  auto b8 = idx_header(0x09, {4});
  b8.insert(b8.end(), {0x00, 0x7F, 0x80, 0xFF});
  write_bytes(tmp / "i8", b8);
  const Tensor t8 = ds::read_idx(tmp / "i8");
  CHECK(t8.dtype() == DType::Int32);
  CHECK(t8.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 127, -128, -1});

  auto b16 = idx_header(0x0B, {3});
  b16.insert(b16.end(), {0x01, 0x02, 0xFF, 0xFE, 0x80, 0x00});
  write_gz(tmp / "i16.gz", b16);
  const Tensor t16 = ds::read_idx(tmp / "i16.gz");
  CHECK(t16.dtype() == DType::Int32);
  CHECK(t16.to_vector<std::int32_t>() == std::vector<std::int32_t>{258, -2, -32768});
}

TEST_CASE("IDX truncated files report path and byte counts") {
  TempDir tmp;
  std::vector<std::uint8_t> px(10 * 28 * 28);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>((i * 31) % 251);
  const Tensor t = Tensor::from_vector(px, Shape{10, 28, 28});

  SUBCASE("raw file cut short") {
    const fs::path p = tmp / "short.idx";
    ds::write_idx(p, t, false);
    fs::resize_file(p, 16 + 1000);
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "truncated: expected 7840 bytes of data, found 1000"));
  }
  SUBCASE("gzip stream cut short") {
    const fs::path p = tmp / "short.idx.gz";
    ds::write_idx(p, t, true);
    auto bytes = read_bytes(p);
    bytes.resize(bytes.size() / 2);
    write_bytes(p, bytes);
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "truncated"));
  }
  SUBCASE("complete gzip stream whose header promises more data") {
    const fs::path p = tmp / "lying.idx.gz";
    auto b = idx_header(0x08, {5, 28, 28});
    b.insert(b.end(), 100, 7);
    write_gz(p, b);
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "truncated: expected 3920 bytes of data, found 100"));
  }
  SUBCASE("cut inside the header") {
    const fs::path p = tmp / "hdr.idx";
    write_bytes(p, {0, 0, 8, 3, 0, 0});
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "truncated"));
  }
  SUBCASE("empty file") {
    const fs::path p = tmp / "empty.idx";
    write_bytes(p, {});
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "empty"));
  }
}

TEST_CASE("IDX bad magic, unsupported type and absurd dimensions are errors, not crashes") {
  TempDir tmp;
  SUBCASE("bad magic") {
    const fs::path p = tmp / "text.idx";
    write_text(p, "hello, this is not an IDX file\n");
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "bad magic number 0x68656C6C"));
  }
  SUBCASE("unsupported type") {
    const fs::path p = tmp / "type.idx";
    auto b = idx_header(0x07, {1});
    b.push_back(0);
    write_bytes(p, b);
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "unsupported IDX element type 0x07"));
  }
  SUBCASE("absurd dimensions") {
    const fs::path p = tmp / "huge.idx.gz";
    write_gz(p, idx_header(0x0E, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "impossible size"));
  }
  SUBCASE("large but possible dimensions with no data do not allocate them") {
    // 4 GiB promised, 10 bytes present: must fail fast with a truncation message.
    const fs::path raw = tmp / "big.idx";
    auto b = idx_header(0x08, {65536, 65536});
    b.insert(b.end(), 10, 1);
    write_bytes(raw, b);
    CHECK(contains(error_of<IOError>([&] { ds::read_idx(raw); }), "found 10"));
    const fs::path gz = tmp / "big.idx.gz";
    write_gz(gz, b);
    CHECK(contains(error_of<IOError>([&] { ds::read_idx(gz); }), "found 10"));
  }
  SUBCASE("zero dimensions") {
    const fs::path p = tmp / "rank0.idx";
    write_bytes(p, {0, 0, 8, 0, 1});
    CHECK(contains(error_of<IOError>([&] { ds::read_idx(p); }), "0 dimensions"));
  }
  SUBCASE("missing file") {
    const fs::path p = tmp / "nope.idx";
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "No such file"));
  }
}

TEST_CASE("IDX corrupt gzip stream") {
  TempDir tmp;
  SUBCASE("invalid deflate block") {
    // A valid gzip header followed by a deflate block of the reserved type 3.
    const fs::path p = tmp / "bad.gz";
    write_bytes(p, {0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x07, 0xAA, 0xBB, 0xCC, 0xDD,
                    0xEE, 0x11, 0x22, 0x33, 0x44});
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "corrupt gzip stream"));
  }
  SUBCASE("damaged data caught by the CRC") {
    // Incompressible data is stored verbatim, so flipping a data byte leaves the deflate
    // stream valid; only the trailer's CRC can notice.
    const fs::path p = tmp / "crc.idx.gz";
    std::vector<std::uint8_t> v(4096);
    std::uint64_t s = 12345;
    for (auto& b : v) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      b = static_cast<std::uint8_t>(s >> 56);
    }
    ds::write_idx(p, Tensor::from_vector(v), true);
    auto bytes = read_bytes(p);
    bytes[bytes.size() / 2] ^= 0xFF;
    write_bytes(p, bytes);
    const std::string msg = error_of<IOError>([&] { ds::read_idx(p); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "corrupt gzip stream"));
  }
}

// ---- Fashion-MNIST ------------------------------------------------------------------------

TEST_CASE("fashion_mnist::load on a small generated directory") {
  TempDir tmp;
  make_fake_fashion(tmp.path(), 20, 7, 7);
  auto [train, test] = ds::fashion_mnist::load(tmp.path());
  CHECK(train.x.dtype() == DType::UInt8);
  CHECK(train.x.shape() == Shape{20, 28, 28});
  CHECK(train.y.dtype() == DType::Int32);
  CHECK(train.y.shape() == Shape{20});
  CHECK(test.x.shape() == Shape{7, 28, 28});
  CHECK(test.y.shape() == Shape{7});
  const auto px = train.x.to_vector<std::uint8_t>();
  CHECK(px[13 * 784 + 100] == 13);
  const auto labels = train.y.to_vector<std::int32_t>();
  for (std::size_t i = 0; i < labels.size(); ++i) CHECK(labels[i] == static_cast<int>(i % 10));
  CHECK(ds::fashion_mnist::class_names().size() == 10);
  CHECK(ds::fashion_mnist::class_names()[9] == "Ankle boot");

  SUBCASE("TEMPER_FASHION_MNIST_DIR is used when no directory is passed") {
    ScopedEnv env("TEMPER_FASHION_MNIST_DIR", tmp.path().string());
    auto [tr, te] = ds::fashion_mnist::load();
    CHECK(tr.x.shape() == Shape{20, 28, 28});
    CHECK(te.y.shape() == Shape{7});
  }
}

TEST_CASE("fashion_mnist::load errors") {
  TempDir tmp;
  SUBCASE("missing directory names the file and the Debian package") {
    const fs::path dir = tmp / "nowhere";
    const std::string msg = error_of<IOError>([&] { ds::fashion_mnist::load(dir); });
    CHECK(contains(msg, (dir / "train-images-idx3-ubyte.gz").string()));
    CHECK(contains(msg, "dataset-fashion-mnist"));
    CHECK(contains(msg, "apt-get install dataset-fashion-mnist"));
  }
  SUBCASE("one missing file") {
    make_fake_fashion(tmp.path(), 3, 2, 2);
    fs::remove(tmp / "t10k-labels-idx1-ubyte.gz");
    const std::string msg = error_of<IOError>([&] { ds::fashion_mnist::load(tmp.path()); });
    CHECK(contains(msg, (tmp / "t10k-labels-idx1-ubyte.gz").string()));
    CHECK(contains(msg, "dataset-fashion-mnist"));
  }
  SUBCASE("image/label count mismatch names both files and counts") {
    make_fake_fashion(tmp.path(), 4, 6, 5);
    const std::string msg = error_of<IOError>([&] { ds::fashion_mnist::load(tmp.path()); });
    CHECK(contains(msg, (tmp / "t10k-images-idx3-ubyte.gz").string()));
    CHECK(contains(msg, (tmp / "t10k-labels-idx1-ubyte.gz").string()));
    CHECK(contains(msg, "6 images"));
    CHECK(contains(msg, "5 labels"));
  }
}

TEST_CASE("fashion_mnist::load on the installed data set") {
  const fs::path dir = ds::fashion_mnist::kDefaultDir;
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: " << dir.string() << " not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  auto [train, test] = ds::fashion_mnist::load(dir);
  CHECK(train.x.shape() == Shape{60000, 28, 28});
  CHECK(train.x.dtype() == DType::UInt8);
  CHECK(train.y.shape() == Shape{60000});
  CHECK(train.y.dtype() == DType::Int32);
  CHECK(test.x.shape() == Shape{10000, 28, 28});
  CHECK(test.y.shape() == Shape{10000});
  for (const auto* y : {&train.y, &test.y}) {
    const auto v = y->to_vector<std::int32_t>();
    std::vector<int> counts(10, 0);
    for (std::int32_t l : v) {
      REQUIRE(l >= 0);
      REQUIRE(l <= 9);
      ++counts[static_cast<std::size_t>(l)];
    }
    // Fashion-MNIST is balanced: 6000 / 1000 of each class.
    for (int c : counts) CHECK(c == static_cast<int>(v.size() / 10));
  }
  // Keras's documented first training label is 9 (ankle boot).
  CHECK(train.y.to_vector<std::int32_t>()[0] == 9);
}

// ---- CSV ----------------------------------------------------------------------------------

TEST_CASE("CSV with a header, label by name and by position") {
  TempDir tmp;
  const fs::path p = tmp / "wine.csv";
  write_text(p,
             "alcohol,\"malic acid\",ash,class\n"
             "14.23,1.71,2.43,0\r\n"
             "\n"
             " 13.2 , 1.78 ,2.14, 1\n"
             "1e1,-2.5,+3,2\n");
  SUBCASE("by name") {
    ds::CsvOptions o;
    o.label_column = "class";
    const ds::CsvData d = ds::read_csv(p, o);
    CHECK(d.x.shape() == Shape{3, 3});
    CHECK(d.x.dtype() == DType::Float32);
    CHECK(d.y.dtype() == DType::Int32);
    CHECK(d.y.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 1, 2});
    CHECK(d.feature_names == std::vector<std::string>{"alcohol", "malic acid", "ash"});
    CHECK(d.label_name == "class");
    const auto x = d.x.to_vector<float>();
    CHECK(x[0] == doctest::Approx(14.23f));
    CHECK(x[3] == doctest::Approx(13.2f));
    CHECK(x[6] == 10.0f);
    CHECK(x[7] == -2.5f);
    CHECK(x[8] == 3.0f);
  }
  SUBCASE("by position, positive and negative") {
    for (const char* spec : {"3", "-1"}) {
      ds::CsvOptions o;
      o.label_column = spec;
      const ds::CsvData d = ds::read_csv(p, o);
      CHECK(d.label_name == "class");
      CHECK(d.x.shape() == Shape{3, 3});
    }
    ds::CsvOptions o;
    o.label_column = "0";
    o.label_is_class = false;
    const ds::CsvData d = ds::read_csv(p, o);
    CHECK(d.label_name == "alcohol");
    CHECK(d.feature_names == std::vector<std::string>{"malic acid", "ash", "class"});
  }
  SUBCASE("chosen feature columns and float targets") {
    ds::CsvOptions o;
    o.label_column = "alcohol";
    o.label_is_class = false;
    o.feature_columns = {"class", "ash"};
    const ds::CsvData d = ds::read_csv(p, o);
    CHECK(d.y.dtype() == DType::Float32);
    CHECK(d.y.shape() == Shape{3});
    CHECK(d.y.to_vector<float>()[0] == doctest::Approx(14.23f));
    CHECK(d.feature_names == std::vector<std::string>{"class", "ash"});
    CHECK(d.x.to_vector<float>() == std::vector<float>{0.f, 2.43f, 1.f, 2.14f, 2.f, 3.f});
  }
  SUBCASE("no label column") {
    const ds::CsvData d = ds::read_csv(p);
    CHECK(!d.y.defined());
    CHECK(d.x.shape() == Shape{3, 4});
    CHECK(d.label_name.empty());
  }
  SUBCASE("unknown label column lists the available names") {
    ds::CsvOptions o;
    o.label_column = "colour";
    const std::string msg = error_of<ValueError>([&] { ds::read_csv(p, o); });
    CHECK(contains(msg, p.string()));
    CHECK(contains(msg, "'colour'"));
    CHECK(contains(msg, "'alcohol', 'malic acid', 'ash', 'class'"));
    o.label_column = "4";
    CHECK_THROWS_AS(ds::read_csv(p, o), ValueError);
  }
}

TEST_CASE("CSV without names: skip_rows and header=false (scikit-learn files)") {
  TempDir tmp;
  const fs::path p = tmp / "iris.csv";
  write_text(p,
             "4,4,setosa,versicolor,virginica\n"
             "5.1,3.5,1.4,0.2,0\n"
             "4.9,3.0,1.4,0.2,0\n"
             "6.3,3.3,6.0,2.5,2\n"
             "5.7,2.8,4.1,1.3,1\n");
  ds::CsvOptions o;
  o.skip_rows = 1;
  o.header = false;
  o.label_column = "-1";
  const ds::CsvData d = ds::read_csv(p, o);
  CHECK(d.x.shape() == Shape{4, 4});
  CHECK(d.y.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 0, 2, 1});
  CHECK(d.feature_names == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(d.label_name == "4");

  // Without skip_rows the class names in line 1 are reported with file and line.
  ds::CsvOptions bad = o;
  bad.skip_rows = 0;
  const std::string msg = error_of<IOError>([&] { ds::read_csv(p, bad); });
  CHECK(contains(msg, p.string() + ":1: column '2': 'setosa' is not a number"));
}

TEST_CASE("CSV bad rows name file, line and column") {
  TempDir tmp;
  const fs::path p = tmp / "wine.csv";
  SUBCASE("non-numeric cell") {
    write_text(p, "alcohol,ash,class\n1,2,0\n3,4,1\nabc,5,1\n");
    ds::CsvOptions o;
    o.label_column = "class";
    const std::string msg = error_of<IOError>([&] { ds::read_csv(p, o); });
    CHECK(contains(msg, p.string() + ":4: column 'alcohol': 'abc' is not a number"));
  }
  SUBCASE("wrong field count") {
    write_text(p, "alcohol,ash,class\n1,2,0\n\n3,4\n");
    const std::string msg = error_of<IOError>([&] { ds::read_csv(p); });
    CHECK(contains(msg, p.string() + ":4: expected 3 fields, found 2"));
  }
  SUBCASE("empty cell") {
    write_text(p, "a,b\n1,\n");
    const std::string msg = error_of<IOError>([&] { ds::read_csv(p); });
    CHECK(contains(msg, p.string() + ":2: column 'b': empty cell"));
  }
  SUBCASE("non-integer class label") {
    write_text(p, "a,b\n1,0.5\n");
    ds::CsvOptions o;
    o.label_column = "b";
    const std::string msg = error_of<IOError>([&] { ds::read_csv(p, o); });
    CHECK(contains(msg, p.string() + ":2: column 'b': '0.5' is not an integer class label"));
    o.label_is_class = false;
    CHECK(ds::read_csv(p, o).y.to_vector<float>()[0] == 0.5f);
  }
  SUBCASE("empty file") {
    write_text(p, "");
    CHECK(contains(error_of<IOError>([&] { ds::read_csv(p); }), "empty"));
    write_text(p, "\n\n");
    CHECK(contains(error_of<IOError>([&] { ds::read_csv(p); }), "empty"));
  }
  SUBCASE("header only") {
    write_text(p, "a,b\n");
    CHECK(contains(error_of<IOError>([&] { ds::read_csv(p); }), "no data rows"));
  }
  SUBCASE("unterminated quote") {
    write_text(p, "a,b\n\"1,2\n");
    CHECK(contains(error_of<IOError>([&] { ds::read_csv(p); }), p.string() + ":2: unterminated"));
  }
  SUBCASE("missing file") {
    const std::string msg = error_of<IOError>([&] { ds::read_csv(tmp / "none.csv"); });
    CHECK(contains(msg, (tmp / "none.csv").string()));
  }
}

TEST_CASE("CSV gzip-compressed, other delimiter") {
  TempDir tmp;
  const fs::path p = tmp / "data.csv.gz";
  const std::string text = "x;y;t\n1;2;0.5\n3;4;1.5\n";
  write_gz(p, std::vector<unsigned char>(text.begin(), text.end()));
  ds::CsvOptions o;
  o.delimiter = ';';
  o.label_column = "t";
  o.label_is_class = false;
  const ds::CsvData d = ds::read_csv(p, o);
  CHECK(d.x.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
  CHECK(d.y.to_vector<float>() == std::vector<float>{0.5f, 1.5f});
}

TEST_CASE("CSV: scikit-learn's bundled iris.csv, if installed") {
  const fs::path p = "/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv";
  if (!fs::exists(p)) {
    MESSAGE("skipped: " << p.string() << " not installed");
    return;
  }
  ds::CsvOptions o;
  o.skip_rows = 1;
  o.header = false;
  o.label_column = "-1";
  const ds::CsvData d = ds::read_csv(p, o);
  CHECK(d.x.shape() == Shape{150, 4});
  const auto y = d.y.to_vector<std::int32_t>();
  CHECK(*std::min_element(y.begin(), y.end()) == 0);
  CHECK(*std::max_element(y.begin(), y.end()) == 2);
}

// ---- preprocessing ------------------------------------------------------------------------

TEST_CASE("train_test_split shuffles reproducibly and keeps rows paired") {
  const Tensor x = arange_f32(10, 2);  // row i = (2i, 2i+1)
  const Tensor y = arange_i32(10);
  const ds::TrainTest a = ds::train_test_split(x, y, 0.25, 7);
  CHECK(a.train.x.shape() == Shape{7, 2});
  CHECK(a.test.x.shape() == Shape{3, 2});  // ceil(10 * 0.25), as scikit-learn
  CHECK(a.test.y.shape() == Shape{3});

  std::vector<std::int32_t> all = a.train.y.to_vector<std::int32_t>();
  const auto ty = a.test.y.to_vector<std::int32_t>();
  all.insert(all.end(), ty.begin(), ty.end());
  std::vector<std::int32_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == arange_i32(10).to_vector<std::int32_t>());
  CHECK(all != sorted);  // actually shuffled (fixed seed, checked once)

  const auto tx = a.train.x.to_vector<float>();
  const auto try_ = a.train.y.to_vector<std::int32_t>();
  for (std::size_t i = 0; i < try_.size(); ++i) CHECK(tx[2 * i] == 2.0f * static_cast<float>(try_[i]));

  const ds::TrainTest b = ds::train_test_split(x, y, 0.25, 7);
  CHECK(b.train.y.to_vector<std::int32_t>() == a.train.y.to_vector<std::int32_t>());
  const ds::TrainTest c = ds::train_test_split(x, y, 0.25, 8);
  CHECK(c.train.y.to_vector<std::int32_t>() != a.train.y.to_vector<std::int32_t>());

  CHECK_THROWS_AS(ds::train_test_split(x, y, 0.0, 1), ValueError);
  CHECK_THROWS_AS(ds::train_test_split(x, y, 1.0, 1), ValueError);
  CHECK_THROWS_AS(ds::train_test_split(x, arange_i32(9), 0.5, 1), ShapeError);
  const ds::TrainTest no_y = ds::train_test_split(x, Tensor(), 0.5, 1);
  CHECK(!no_y.train.y.defined());
  CHECK(no_y.test.x.shape() == Shape{5, 2});
}

TEST_CASE("standardize uses the training statistics for both parts") {
  // column 0 = {1, 3, 5}: mean 3, population std sqrt(8/3);
  // column 1 = {10, 0, 20}: mean 10, population std sqrt(200/3).
  const Tensor train = Tensor::from_vector(std::vector<float>{1, 10, 3, 0, 5, 20}, Shape{3, 2});
  const Tensor test = Tensor::from_vector(std::vector<float>{2, 7}, Shape{1, 2});
  const auto [a, b] = ds::standardize(train, test);
  CHECK(a.shape() == Shape{3, 2});
  const auto av = a.to_vector<float>();
  const double s0 = std::sqrt(8.0 / 3.0), s1 = std::sqrt(200.0 / 3.0);
  CHECK(av[0] == doctest::Approx(-2.0 / s0));
  CHECK(av[2] == doctest::Approx(0.0));
  CHECK(av[4] == doctest::Approx(2.0 / s0));
  CHECK(av[1] == doctest::Approx(0.0));
  CHECK(av[3] == doctest::Approx(-10.0 / s1));
  const auto bv = b.to_vector<float>();
  CHECK(bv[0] == doctest::Approx(-1.0 / s0));
  CHECK(bv[1] == doctest::Approx(-3.0 / s1));

  // A constant column is centred, not divided by zero; uint8 input gives float32.
  const Tensor c = Tensor::from_vector(std::vector<std::uint8_t>{4, 4, 4, 4}, Shape{4, 1});
  const auto [sc, none] = ds::standardize(c);
  CHECK(sc.dtype() == DType::Float32);
  CHECK(sc.to_vector<float>() == std::vector<float>{0, 0, 0, 0});
  CHECK(!none.defined());
  CHECK_THROWS_AS(ds::standardize(train, Tensor::zeros(Shape{1, 3})), ShapeError);
}

// ---- Dataset ------------------------------------------------------------------------------

TEST_CASE("Dataset: every row exactly once per epoch, shuffled or not") {
  const std::int64_t n = 103;
  const Tensor x = arange_f32(n, 3);
  const Tensor y = arange_i32(n);
  for (bool shuffle : {false, true}) {
    CAPTURE(shuffle);
    ds::Dataset d = ds::Dataset(x, y).batch(10).shuffle(shuffle, 42);
    CHECK(d.size() == n);
    CHECK(d.num_batches() == 11);
    for (int epoch = 0; epoch < 3; ++epoch) {
      d.start_epoch(epoch);
      std::vector<int> seen(static_cast<std::size_t>(n), 0);
      for (std::int64_t i = 0; i < d.num_batches(); ++i) {
        const ds::Batch b = d.get_batch(i);
        CHECK(b.index == i);
        CHECK(b.x.dim(0) == (i == 10 ? 3 : 10));  // last batch is partial
        CHECK(b.x.shape()[1] == 3);
        const auto bx = b.x.to_vector<float>();
        const auto by = b.y.to_vector<std::int32_t>();
        REQUIRE(static_cast<std::int64_t>(by.size()) == b.x.dim(0));
        for (std::size_t r = 0; r < by.size(); ++r) {
          // x and y rows stay paired through the gather.
          CHECK(bx[3 * r] == 3.0f * static_cast<float>(by[r]));
          ++seen[static_cast<std::size_t>(by[r])];
        }
        CHECK(!b.sample_weight.defined());
      }
      CHECK(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    }
  }
}

TEST_CASE("Dataset: shuffle is reproducible per (seed, epoch) and differs across epochs") {
  const Tensor x = arange_f32(50);
  auto order_of = [&](std::uint64_t seed, int epoch) {
    ds::Dataset d = ds::Dataset(x).batch(8).shuffle(true, seed);
    d.start_epoch(epoch);
    std::vector<float> out;
    for (std::int64_t i = 0; i < d.num_batches(); ++i) {
      const auto v = d.get_batch(i).x.to_vector<float>();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  };
  CHECK(order_of(1, 0) == order_of(1, 0));
  CHECK(order_of(1, 3) == order_of(1, 3));
  CHECK(order_of(1, 0) != order_of(1, 1));
  CHECK(order_of(1, 0) != order_of(2, 0));
  std::vector<float> in_order(50);
  std::iota(in_order.begin(), in_order.end(), 0.0f);
  CHECK(order_of(1, 0) != in_order);

  const auto p = ds::epoch_permutation(50, 1, 0);
  const auto o = order_of(1, 0);
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(o[i] == static_cast<float>(p[i]));
}

TEST_CASE("Dataset: drop_remainder, sample weights, errors") {
  const Tensor x = arange_f32(10);
  const Tensor w = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  ds::Dataset d = ds::Dataset(x, Tensor(), w).batch(4, true);
  CHECK(d.num_batches() == 2);
  CHECK(ds::Dataset(x).batch(4).num_batches() == 3);
  CHECK(ds::Dataset(x).batch(20).num_batches() == 1);
  d = d.shuffle(true, 3);
  d.start_epoch(0);
  const ds::Batch b = d.get_batch(1);
  CHECK(!b.y.defined());
  CHECK(b.sample_weight.to_vector<float>() == b.x.to_vector<float>());

  CHECK_THROWS_AS(d.get_batch(2), ValueError);
  CHECK_THROWS_AS(d.get_batch(-1), ValueError);
  CHECK_THROWS_AS(ds::Dataset(x).batch(0), ValueError);
  CHECK_THROWS_AS(ds::Dataset(x, arange_i32(9)), ShapeError);
  CHECK_THROWS_AS(ds::Dataset{Tensor()}, ValueError);
  ds::Dataset fresh = ds::Dataset(x).shuffle(true, 1);
  CHECK_THROWS_AS(fresh.get_batch(0), StateError);
  CHECK(ds::Dataset().size() == 0);
  CHECK(ds::Dataset().num_batches() == 0);
}

TEST_CASE("Dataset: unshuffled batches are views, split takes the last fraction") {
  const Tensor x = arange_f32(10, 2);
  const Tensor y = arange_i32(10);
  ds::Dataset d = ds::Dataset(x, y).batch(4);
  d.start_epoch(0);
  const ds::Batch b = d.get_batch(1);
  CHECK(b.x.buffer() == x.buffer());  // same memory: no copy
  CHECK(b.x.offset() == x.offset() + 4 * 2);
  CHECK(b.y.buffer() == y.buffer());
  CHECK(b.y.to_vector<std::int32_t>() == std::vector<std::int32_t>{4, 5, 6, 7});

  // Keras validation_split: the cut is at floor(N * (1 - f)) and made before shuffling.
  const auto [train, val] = ds::Dataset(x, y).batch(4).shuffle(true, 9).split(0.25);
  CHECK(train.size() == 7);
  CHECK(val.size() == 3);
  CHECK(val.y().to_vector<std::int32_t>() == std::vector<std::int32_t>{7, 8, 9});
  CHECK(val.x().buffer() == x.buffer());
  CHECK(train.shuffled());
  CHECK(train.batch_size() == 4);

  // Shuffled batches of a view gather from the view's rows, not from the start of the buffer.
  ds::Dataset vs = val.batch(2);
  vs.start_epoch(1);
  std::vector<std::int32_t> got;
  for (std::int64_t i = 0; i < vs.num_batches(); ++i) {
    const ds::Batch vb = vs.get_batch(i);
    const auto by = vb.y.to_vector<std::int32_t>();
    const auto bx = vb.x.to_vector<float>();
    for (std::size_t r = 0; r < by.size(); ++r) CHECK(bx[2 * r] == 2.0f * static_cast<float>(by[r]));
    got.insert(got.end(), by.begin(), by.end());
  }
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::int32_t>{7, 8, 9});

  const ds::Dataset mid = ds::Dataset(x, y).take(2, 5);
  CHECK(mid.y().to_vector<std::int32_t>() == std::vector<std::int32_t>{2, 3, 4});
  CHECK_THROWS_AS(ds::Dataset(x, y).take(3, 11), ValueError);
  CHECK_THROWS_AS(ds::Dataset(x, y).split(0.0), ValueError);
  CHECK_THROWS_AS(ds::Dataset(x, y).split(1.0), ValueError);
  CHECK(ds::Dataset(x, y).split(0.01).second.size() == 1);  // floor(9.9) = 9 rows train
  CHECK_THROWS_AS(ds::Dataset(x, y).split(0.95), ValueError);   // floor(0.5) = 0 rows train
  CHECK_THROWS_AS(ds::Dataset(x, y).split(1e-17), ValueError);  // nothing left to validate on
}
