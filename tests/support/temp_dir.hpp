// temp_dir.hpp — a fresh, empty scratch directory per test case, removed at scope exit.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace temper::testing {

/// <tmp>/temper_<prefix>_<pid>_<tag>; `dir / "name"` gives a path inside it as a string.
struct TempDir {
  std::filesystem::path path;
  TempDir(const std::string& prefix, const std::string& tag) {
    path = std::filesystem::temp_directory_path() /
           ("temper_" + prefix + "_" + std::to_string(::getpid()) + "_" + tag);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace temper::testing
