// idx.cpp — reading and writing IDX files (the MNIST family's format).
//
// Layout: two zero bytes, a type byte, a dimension count, that many big-endian uint32
// extents, then the elements in row-major order, big-endian.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "datasets/gzio.hpp"
#include "datasets/idx_internal.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"

namespace temper::datasets {
namespace detail {
namespace {

// No real IDX file comes near this; a header claiming more is damaged, and saying so beats an
// allocation failure (or an attempt to allocate terabytes).
constexpr std::uint64_t kMaxIdxBytes = std::uint64_t{1} << 36;  // 64 GiB

std::string hex_byte(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

struct IdxType {
  std::size_t size;  // bytes per stored element
  const char* name;
};

bool idx_type_info(unsigned code, IdxType& out) {
  switch (code) {
    case 0x08: out = {1, "uint8"}; return true;
    case 0x09: out = {1, "int8"}; return true;
    case 0x0B: out = {2, "int16"}; return true;
    case 0x0C: out = {4, "int32"}; return true;
    case 0x0D: out = {4, "float32"}; return true;
    case 0x0E: out = {8, "float64"}; return true;
    default: return false;
  }
}

std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reverses each `width`-byte element in place when the host is little-endian.
void to_host_order(std::vector<unsigned char>& bytes, std::size_t width) {
  if (width == 1 || std::endian::native == std::endian::big) return;
  for (std::size_t i = 0; i + width <= bytes.size(); i += width) {
    for (std::size_t a = i, b = i + width - 1; a < b; ++a, --b) std::swap(bytes[a], bytes[b]);
  }
}

template <class T>
T load_native(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

IdxArray read_idx_array(const std::filesystem::path& path) {
  const std::string where = in_quotes(path.string());
  GzReader in(path);

  std::array<unsigned char, 4> magic{};
  const std::size_t got_magic = in.read(magic.data(), magic.size());
  if (got_magic == 0) throw IOError(where + ": file is empty, expected an IDX file");
  if (got_magic < magic.size()) {
    throw IOError(where + ": truncated: expected a 4-byte IDX magic number, found " +
                  std::to_string(got_magic) + " bytes");
  }
  if (magic[0] != 0 || magic[1] != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%02X%02X%02X%02X", unsigned{magic[0]}, unsigned{magic[1]},
                  unsigned{magic[2]}, unsigned{magic[3]});
    throw IOError(where + ": bad magic number " + buf +
                  " (an IDX file starts with two zero bytes, a type byte and a rank byte)");
  }
  IdxType type{};
  if (!idx_type_info(magic[2], type)) {
    throw IOError(where + ": unsupported IDX element type " + hex_byte(magic[2]) +
                  " (supported: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, "
                  "0x0E float64)");
  }
  const unsigned ndims = magic[3];
  if (ndims == 0) throw IOError(where + ": IDX header declares 0 dimensions");

  std::vector<unsigned char> dimbytes(4 * std::size_t{ndims});
  const std::size_t got_dims = in.read(dimbytes.data(), dimbytes.size());
  if (got_dims < dimbytes.size()) {
    throw IOError(where + ": truncated: expected " + std::to_string(dimbytes.size()) +
                  " bytes of dimensions, found " + std::to_string(got_dims));
  }

  IdxArray out;
  out.shape.reserve(ndims);
  std::uint64_t count = 1;
  bool too_big = false;
  for (unsigned i = 0; i < ndims; ++i) {
    const std::uint32_t d = load_be32(dimbytes.data() + 4 * std::size_t{i});
    out.shape.push_back(static_cast<std::int64_t>(d));
    if (d != 0 && count > kMaxIdxBytes / d) too_big = true;
    count *= d;
  }
  if (too_big || count > kMaxIdxBytes / type.size) {
    throw IOError(where + ": IDX header declares an impossible size " +
                  shape_to_string(out.shape) + " of " + type.name +
                  " (more than 64 GiB); the file is damaged or not an IDX file");
  }
  const std::uint64_t nbytes = count * type.size;

  std::vector<unsigned char> data;
  if (in.is_raw()) {
    // Uncompressed: the file size tells us up front whether the data is all there, so a
    // lying header never triggers a huge allocation.
    std::error_code ec;
    const std::uintmax_t fsize = std::filesystem::file_size(path, ec);
    const std::uint64_t header = 4 + 4 * std::uint64_t{ndims};
    if (!ec && fsize != header + nbytes) {
      throw IOError(where + (fsize < header + nbytes ? ": truncated" : ": has trailing data") +
                    ": expected " + std::to_string(nbytes) + " bytes of data, found " +
                    std::to_string(fsize - header) + " (the header declares " + shape_to_string(out.shape) +
                    " of " + type.name + ")");
    }
    data.resize(static_cast<std::size_t>(nbytes));
    const std::size_t got = in.read(data.data(), data.size());
    if (got < nbytes) {
      throw IOError(where + ": truncated: expected " + std::to_string(nbytes) +
                    " bytes of data, found " + std::to_string(got));
    }
  } else {
    // Compressed: the uncompressed size is not known in advance, so grow the buffer as data
    // actually arrives; a header that lies costs at most twice the real data.
    std::size_t got = 0;
    std::size_t cap = static_cast<std::size_t>(std::min<std::uint64_t>(nbytes, 1u << 24));
    data.resize(cap);
    while (got < nbytes) {
      if (got == data.size()) {
        cap = static_cast<std::size_t>(std::min<std::uint64_t>(nbytes, 2 * std::uint64_t{cap}));
        data.resize(cap);
      }
      const std::size_t r = in.read(data.data() + got, data.size() - got);
      got += r;
      if (r == 0) break;
    }
    if (got < nbytes) {
      throw IOError(where + ": truncated: expected " + std::to_string(nbytes) +
                    " bytes of data, found " + std::to_string(got));
    }
    // One more read makes zlib reach the gzip trailer and verify its CRC, so damage inside a
    // stored (uncompressed) deflate block is reported instead of returned as pixels.
    unsigned char probe = 0;
    if (in.read(&probe, 1) != 0) {
      throw IOError(where + ": has trailing data after the " + std::to_string(nbytes) + " bytes that the header " +
                    "declares (" + shape_to_string(out.shape) + " of " + type.name + ")");
    }
  }

  to_host_order(data, type.size);
  const std::size_t n = static_cast<std::size_t>(count);
  switch (magic[2]) {
    case 0x08:
      out.dtype = DType::UInt8;
      out.bytes = std::move(data);
      break;
    case 0x09: {
      out.dtype = DType::Int32;
      out.bytes.resize(n * 4);
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::int32_t>(static_cast<std::int8_t>(data[i]));
        std::memcpy(out.bytes.data() + 4 * i, &v, 4);
      }
      break;
    }
    case 0x0B: {
      out.dtype = DType::Int32;
      out.bytes.resize(n * 4);
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::int32_t>(load_native<std::int16_t>(data.data() + 2 * i));
        std::memcpy(out.bytes.data() + 4 * i, &v, 4);
      }
      break;
    }
    case 0x0C: out.dtype = DType::Int32; out.bytes = std::move(data); break;
    case 0x0D: out.dtype = DType::Float32; out.bytes = std::move(data); break;
    case 0x0E: out.dtype = DType::Float64; out.bytes = std::move(data); break;
    default: break;  // rejected above
  }
  out.bytes.resize(n * dtype_size(out.dtype));  // drop slack from the growing reads
  return out;
}

Tensor to_tensor(const IdxArray& a) {
  return Tensor::from_host(a.bytes.data(), a.bytes.size() / dtype_size(a.dtype), a.dtype,
                           a.shape);
}

}  // namespace detail

Tensor read_idx(const std::filesystem::path& path) {
  return detail::to_tensor(detail::read_idx_array(path));
}

void write_idx(const std::filesystem::path& path, const Tensor& tensor, bool gzip) {
  const std::string where = detail::in_quotes(path.string());
  if (!tensor.defined()) throw ValueError("write_idx(" + where + "): tensor is undefined");
  const std::size_t rank = tensor.shape().size();
  if (rank < 1 || rank > 255) {
    throw ValueError("write_idx(" + where + "): IDX needs a rank between 1 and 255, got " +
                     shape_to_string(tensor.shape()));
  }
  unsigned char type = 0;
  switch (tensor.dtype()) {
    case DType::UInt8: type = 0x08; break;
    case DType::Int32: type = 0x0C; break;
    case DType::Float32: type = 0x0D; break;
    case DType::Float64: type = 0x0E; break;
  }

  std::vector<unsigned char> header = {0, 0, type, static_cast<unsigned char>(rank)};
  for (const std::int64_t d : tensor.shape()) {
    if (d < 0 || d > std::numeric_limits<std::uint32_t>::max()) {
      throw ValueError("write_idx(" + where + "): extent " + std::to_string(d) + " of shape " +
                       shape_to_string(tensor.shape()) + " does not fit IDX's 32-bit dimensions");
    }
    const auto u = static_cast<std::uint32_t>(d);
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<unsigned char>(u >> shift));
  }
  const std::size_t width = dtype_size(tensor.dtype());
  std::vector<unsigned char> data(static_cast<std::size_t>(tensor.numel()) * width);
  if (!data.empty()) tensor.copy_to_host(data.data(), tensor.dtype());
  if (width > 1 && std::endian::native == std::endian::little) {
    for (std::size_t i = 0; i + width <= data.size(); i += width) {
      for (std::size_t lo = i, hi = i + width - 1; lo < hi; ++lo, --hi) std::swap(data[lo], data[hi]);
    }
  }

  if (gzip) {
    errno = 0;
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) {
      throw IOError("cannot write " + where + ": " +
                    (errno != 0 ? std::strerror(errno) : "out of memory"));
    }
    bool ok = gzwrite(f, header.data(), static_cast<unsigned>(header.size())) ==
              static_cast<int>(header.size());
    std::size_t done = 0;
    while (ok && done < data.size()) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(data.size() - done, 1u << 30));
      ok = gzwrite(f, data.data() + done, chunk) == static_cast<int>(chunk);
      done += chunk;
    }
    const int rc = gzclose_w(f);
    if (!ok || rc != Z_OK) throw IOError("cannot write " + where + ": write failed (disk full?)");
  } else {
    errno = 0;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f) throw IOError("cannot write " + where + ": " + std::strerror(errno));
    const bool ok = std::fwrite(header.data(), 1, header.size(), f.get()) == header.size() &&
                    (data.empty() || std::fwrite(data.data(), 1, data.size(), f.get()) == data.size());
    const int rc = std::fclose(f.release());
    if (!ok || rc != 0) throw IOError("cannot write " + where + ": write failed (disk full?)");
  }
}

}  // namespace temper::datasets
