// gzio.hpp — private helpers shared by the dataset readers: zlib file handles that close
// themselves and error text that names the file.
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "temper/error.hpp"
#include "temper/io/untrusted.hpp"

namespace temper::datasets::detail {

/// 'text' for messages. Built by appending because GCC 12 at -O3 raises a false -Wrestrict
/// (GCC PR105329) on `"'" + std::string`.
inline std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

/// A gzFile that is closed on every path out of a reader, including exceptions.
class GzReader {
 public:
  /// Opens for reading; gzread decompresses gzip data and passes other files through, so one
  /// code path reads both "x.gz" and "x".
  explicit GzReader(const std::filesystem::path& path) : path_(path) {
    io::require_regular_file(path, "a data file");  // a FIFO would block gzopen forever
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      const int err = errno;
      throw IOError("cannot open '" + path.string() + "': " +
                    (err != 0 ? std::string(std::strerror(err)) : std::string("out of memory")));
    }
    gzbuffer(file_, 1u << 18);  // fewer read syscalls for the 26 MB image files
  }
  ~GzReader() {
    if (file_ != nullptr) gzclose_r(file_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  /// Reads up to `n` bytes; returns how many arrived (fewer only at the end of the data).
  /// A corrupt stream throws IOError with zlib's description. A stream that merely ends early
  /// returns short so the caller can say how much was expected.
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t got = 0;
    while (got < n) {
      // gzread takes an unsigned count; keep chunks well below INT_MAX.
      const std::size_t want = std::min<std::size_t>(n - got, std::size_t{1} << 30);
      const int r = gzread(file_, out + got, static_cast<unsigned>(want));
      if (r < 0) throw_stream_error();
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    int errnum = Z_OK;
    gzerror(file_, &errnum);
    // Z_BUF_ERROR is zlib's "unexpected end of file": a truncated gzip stream, which the
    // caller reports as truncation with byte counts. Anything else is corruption.
    if (errnum != Z_OK && errnum != Z_BUF_ERROR) throw_stream_error();
    return got;
  }

  /// True when the file is not gzip-compressed (valid after the first read).
  bool is_raw() const { return gzdirect(file_) == 1; }

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  [[noreturn]] void throw_stream_error() const {
    int errnum = Z_OK;
    const char* msg = gzerror(file_, &errnum);
    std::string what = (errnum == Z_ERRNO) ? std::string(std::strerror(errno))
                                           : std::string(msg != nullptr ? msg : "unknown error");
    throw IOError(in_quotes(path_.string()) + ": not gzip / corrupt gzip stream (" + what + ")");
  }

  std::filesystem::path path_;
  gzFile file_ = nullptr;
};

}  // namespace temper::datasets::detail
