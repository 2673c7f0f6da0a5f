// Hostile YAML configs for the CLI (issue 11): deep nesting, alias bombs and FIFOs are config
// errors naming the file, never a stack overflow, a memory blow-up or a hang.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli/config.hpp"
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
