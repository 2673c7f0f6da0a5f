// untrusted.cpp — the shared checks of include/temper/io/untrusted.hpp.
#include "temper/io/untrusted.hpp"

#include <cstdio>
#include <limits>
#include <system_error>

#include "src/saving/load_limits.hpp"
#include "temper/error.hpp"

namespace temper::io {

namespace {

std::string kind_of(std::filesystem::file_type t) {
  switch (t) {
    case std::filesystem::file_type::directory: return "a directory";
    case std::filesystem::file_type::fifo: return "a FIFO (named pipe)";
    case std::filesystem::file_type::socket: return "a socket";
    case std::filesystem::file_type::block: return "a block device";
    case std::filesystem::file_type::character: return "a character device";
    default: return "not a regular file";
  }
}

}  // namespace

void require_regular_file(const std::filesystem::path& path, std::string_view what) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);  // follows symlinks
  if (st.type() == std::filesystem::file_type::not_found)
    throw IOError("cannot open '" + path.string() + "': No such file or directory (expected " + std::string(what) + ")");
  if (ec) throw IOError("cannot open '" + path.string() + "': " + ec.message());
  if (st.type() != std::filesystem::file_type::regular)
    throw IOError("cannot open '" + path.string() + "': it is " + kind_of(st.type()) + ", expected " +
                  std::string(what) + " (only regular files are read)");
}

std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character cannot end the string
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void check_nesting_depth(std::string_view text, const std::string& what) {
  const std::size_t d = nesting_depth(text);
  if (d > kMaxNestingDepth)
    throw IOError(what + " nests " + std::to_string(d) + " levels deep; the limit is " +
                  std::to_string(kMaxNestingDepth));
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000.0 && u < 6) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

}  // namespace temper::io

// ---- the allocation cap of load_limits.hpp ----------------------------------------------------

namespace temper::saving_detail {

namespace {
thread_local AllocationCap* g_cap = nullptr;
}

AllocationCap::AllocationCap(std::uint64_t max_bytes, std::string source)
    : previous_(g_cap), max_bytes_(max_bytes), source_(std::move(source)) {
  g_cap = this;
}

AllocationCap::~AllocationCap() { g_cap = previous_; }

bool exceeds_allocation_cap(std::uint64_t bytes) noexcept {
  return g_cap != nullptr && bytes > g_cap->max_bytes_;
}

void throw_allocation_cap(std::uint64_t bytes, const std::string& what) {
  throw ResourceError("refusing to allocate " + what + " (" + io::format_bytes(bytes) + ") while building " +
                      g_cap->source_ + ": the config declares weights larger than any the file holds (" +
                      io::format_bytes(g_cap->max_bytes_) + " at most)");
}

}  // namespace temper::saving_detail
