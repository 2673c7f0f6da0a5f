// fuzz_support.hpp — what every libFuzzer harness in tests/fuzz shares.
//
// A harness feeds one untrusted-file reader with arbitrary bytes. The contract it checks is the
// one in docs/reliability.md: a bad file raises a temper::Error subclass (caught here: an
// expected rejection); anything else — a crash, a sanitizer report, a leak, a hang, an
// allocation over libFuzzer's -malloc_limit_mb, or any other exception escaping the reader
// (std::bad_alloc, nlohmann::json::exception, std::out_of_range ...) — reaches libFuzzer, which
// reports it with a reproducer.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "temper/error.hpp"

namespace temper::fuzz {

/// A scratch directory for this process, made once and removed at exit: <tmp>/temper_fuzz_<pid>.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("temper_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                      ("temper_fuzz_" + std::to_string(::getpid())),
                                  ec);
    });
    return d;
  }();
  return dir;
}

/// Writes `bytes` to scratch_dir()/name (the same file for every input, so a long run does not
/// create millions of files) and returns its path. Aborts if the file cannot be written: that
/// is the harness's failure, not the reader's.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  const std::string path = (scratch_dir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) ||
      std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Runs `read`; a temper::Error is the expected way to refuse a bad file and is swallowed.
/// Every other exception propagates out of LLVMFuzzerTestOneInput, and libFuzzer reports it
/// ("deadly signal" after std::terminate) with the input that raised it.
template <class F>
void expect_temper_errors(F&& read) {
  try {
    read();
  } catch (const temper::Error&) {
  }
}

/// Silences the library's log output (spdlog warnings on every rejected optimizer state would
/// dominate the run time) — call from LLVMFuzzerInitialize.
void quiet_logs();

}  // namespace temper::fuzz
