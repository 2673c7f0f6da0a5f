// untrusted.hpp — checks shared by every reader of files that come from other people (model
// files, data files, configs): they must fail with a temper::Error, never crash, hang or
// allocate what the file merely claims to need.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace temper::io {

/// The deepest nesting of JSON/YAML arrays and objects a reader accepts. Keras configs nest
/// about 10 levels; the walkers over a parsed config recurse once per level, so an unbounded
/// depth is a stack overflow.
inline constexpr std::size_t kMaxNestingDepth = 512;

/// The longest line a text reader (CSV) accepts: a line is held in memory whole.
inline constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;  // 64 MiB

/// IOError unless `path` names a regular file (or a symlink to one). A FIFO, a device or a
/// directory would block or misbehave on open; the message names `path` and what it is.
/// `what` describes the expected content ("a .keras model file").
void require_regular_file(const std::filesystem::path& path, std::string_view what);

/// The deepest bracket nesting of JSON text (`[`/`{` outside double-quoted strings), found in
/// one pass without parsing, so that it can be checked before any recursive code sees the text.
std::size_t nesting_depth(std::string_view text);

/// Throws IOError "<what> nests N levels deep; the limit is 512" when `text` is deeper than
/// kMaxNestingDepth. Call it before parsing or walking a config read from a file.
void check_nesting_depth(std::string_view text, const std::string& what);

/// a * b, or nullopt when it overflows 64 bits.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) noexcept;

/// "4.0 TB", "512 B", ...: a byte count for messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace temper::io
