// Hostile YAML configs for the CLI (issue 11): deep nesting, alias bombs and FIFOs are config
// errors naming the file, never a stack overflow, a memory blow-up or a hang.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "cli/data.hpp"
#include "support/helpers.hpp"

using temper::testing::contains;
using temper::testing::error_message;
namespace fs = std::filesystem;

TEST_CASE("cli config: deep YAML nesting is a config error naming the limit") {
  for (const std::size_t depth : {600, 100000}) {
    std::string text = "model: ";
    text.append(depth, '[').append(depth, ']').append("\n");
    const std::string msg = error_message([&] { (void)temper::cli::parse_document(text, "deep.yaml"); });
    CHECK(contains(msg, "deep.yaml"));
    CHECK(contains(msg, "the limit is 512"));
  }
  CHECK_NOTHROW((void)temper::cli::parse_document("model: [[[[1]]]]\n", "ok.yaml"));
}

TEST_CASE("cli config: YAML aliases that expand to millions of values are refused") {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a";
    prev += std::to_string(i - 1);
    text.append("a").append(std::to_string(i)).append(": &a").append(std::to_string(i)).append(" [").append(prev);
    for (int k = 1; k < 10; ++k) text.append(", ").append(prev);
    text += "]\n";
  }
  const std::string msg = error_message([&] { (void)temper::cli::parse_document(text, "bomb.yaml"); });
  CHECK(contains(msg, "bomb.yaml"));
  CHECK(contains(msg, "more than 1000000 values"));
}

TEST_CASE("cli config: a FIFO is refused instead of blocking") {
  const fs::path p = fs::temp_directory_path() / ("temper_cli_fifo_" + std::to_string(::getpid()) + ".yaml");
  fs::remove(p);
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  const std::string msg = error_message([&] { (void)temper::cli::load_document(p.string()); });
  fs::remove(p);
  CHECK(contains(msg, "FIFO"));
}

namespace {

std::string write_temp(const std::string& name, const std::string& bytes) {
  const fs::path p = fs::temp_directory_path() / ("temper_cli_untrusted_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

}  // namespace

// Found by tests/fuzz/fuzz_idx: a zero extent makes an IDX array empty whatever its first
// extent says, and standardisation then counted 4294967295 rows of nothing (a hang).
TEST_CASE("cli data: empty training inputs are refused at once, whatever rows the header declares") {
  const std::string idx = write_temp("empty-idx2-ubyte", std::string("\x00\x00\x0e\x02\xff\xff\xff\xff\x00\x00\x00\x00", 12));
  const auto doc = temper::cli::parse_document(
      "data:\n  idx: {x: '" + idx + "', y: '" + idx + "'}\n  standardize: true\n", "empty.yaml");
  const std::string msg = error_message([&] { (void)temper::cli::load_data(temper::cli::root_field(doc)["data"], ".", 0); });
  fs::remove(idx);
  CHECK(contains(msg, "hold no values"));
  CHECK(contains(msg, "(4294967295, 0)"));
}

// Found by tests/fuzz/fuzz_metadata_json: preprocessing.json values were read with nlohmann's
// get<>() (a type error escaped as a bare nlohmann exception) and a 'std' shorter than 'mean'
// was read past its end.
TEST_CASE("cli data: saved preprocessing of the wrong shape or type is a config error") {
  using temper::Config;
  const auto x = temper::Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  const auto msg = [&](const char* json) {
    return error_message([&] { (void)temper::cli::apply_preprocessing(Config::parse(json), x); });
  };
  CHECK(contains(msg(R"({"rescale": "x"})"), "'rescale' must be a finite number"));
  CHECK(contains(msg(R"({"mean": [1, 2, 3], "std": [0.5]})"), "'mean' has 3 values but 'std' has 1"));
  CHECK(contains(msg(R"({"mean": [1, 2, 3], "std": [1, 0, 1]})"), "'std' must hold positive numbers"));
  CHECK(contains(msg(R"({"mean": [1, null, 3], "std": [1, 1, 1]})"), "'mean' must hold finite numbers"));
  CHECK(contains(msg(R"({"mean": [1, 2, 3]})"), "'mean' and 'std' go together"));
  CHECK(contains(msg(R"([1, 2])"), "expected a JSON object"));
  CHECK(contains(msg(R"({"rescale": 1, "scale": 2})"), "unknown key 'scale'"));
  CHECK_THROWS_AS((void)temper::cli::apply_preprocessing(Config::parse(R"({"rescale": "x"})"), x), temper::ConfigError);
  const auto y = temper::cli::apply_preprocessing(Config::parse(R"({"rescale": 2, "mean": [2, 4, 6], "std": [2, 2, 2]})"), x);
  CHECK(y.to_vector<float>() == std::vector<float>{0, 0, 0, 3, 3, 3});
}

// Found by tests/fuzz/fuzz_yaml_config: std::stod threw a bare std::out_of_range for 1e4002.
TEST_CASE("cli config: numbers beyond double's range read as infinity, not a bare std::out_of_range") {
  const auto doc =
      temper::cli::parse_document("a: 1e4002\nb: -1e999\nc: 1" + std::string(400, '0') + "\nd: 2.5\n", "big.yaml");
  temper::Config j;
  REQUIRE_NOTHROW(j = temper::cli::to_json(doc.root));
  CHECK(j["a"].get<double>() == std::numeric_limits<double>::infinity());
  CHECK(j["b"].get<double>() == -std::numeric_limits<double>::infinity());
  CHECK(j["c"].get<double>() == std::numeric_limits<double>::infinity());
  CHECK(j["d"].get<double>() == 2.5);
  const temper::cli::Field root = temper::cli::root_field(doc);
  CHECK(contains(error_message([&] { (void)root["a"].as_int(); }), "expected an integer"));
}
