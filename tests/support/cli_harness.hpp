// cli_harness.hpp — runs the `temper` CLI in-process for the test_cli*.cpp files.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/cli.hpp"

namespace temper::testing {

struct CliResult {
  int code = -1;
  std::string out, err;
};

/// Runs `temper ARGS...` through temper::cli::run, capturing std::cout and std::cerr.
inline CliResult run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "temper");
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  CliResult r;
  r.code = temper::cli::run(args);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Scratch directories under <tmp>/temper_<name>_<pid>, all removed when the object dies
/// (one static instance per test file).
class ScratchRoot {
 public:
  explicit ScratchRoot(const std::string& name)
      : root_(std::filesystem::temp_directory_path() / ("temper_" + name + "_" + std::to_string(::getpid()))) {}
  ~ScratchRoot() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;
  /// A fresh, empty directory per test case.
  std::filesystem::path fresh(const std::string& name) const {
    const auto d = root_ / name;
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace temper::testing
