// npy.cpp — NumPy .npy reader and writer (format versions 1.0 - 3.0).
#include "temper/datasets/npy.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "temper/error.hpp"
#include "temper/io/atomic_file.hpp"
#include "temper/io/untrusted.hpp"

namespace temper::datasets {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  std::string msg = "'";
  msg += path.string();
  msg += "': ";
  msg += what;
  throw IOError(msg);
}

// Finds the value text of 'key' in the header dictionary (Python literal syntax).
std::string dict_value(const std::string& header, const std::string& key, const std::filesystem::path& path) {
  std::size_t pos = std::string::npos;
  for (const char q : {'\'', '"'}) {
    std::string k;
    k += q;
    k += key;
    k += q;
    pos = header.find(k);
    if (pos != std::string::npos) {
      pos += k.size();
      break;
    }
  }
  if (pos == std::string::npos) fail(path, "the .npy header has no '" + key + "' entry: " + header);
  pos = header.find(':', pos);
  if (pos == std::string::npos) fail(path, "malformed .npy header: " + header);
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos >= header.size()) fail(path, "malformed .npy header: " + header);
  const char c = header[pos];
  std::size_t end = pos;
  if (c == '\'' || c == '"') {
    end = header.find(c, pos + 1);
    if (end == std::string::npos) fail(path, "malformed .npy header: " + header);
    return header.substr(pos + 1, end - pos - 1);
  }
  if (c == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos) fail(path, "malformed .npy header: " + header);
    return header.substr(pos, end - pos + 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  std::string v = header.substr(pos, end - pos);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

Shape parse_shape(const std::string& text, const std::filesystem::path& path) {
  Shape shape;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (item.empty()) continue;
    if (!std::all_of(item.begin(), item.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      fail(path, "the .npy header has a bad shape " + text);
    std::int64_t d = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
    if (ec != std::errc() || end != item.data() + item.size())
      fail(path, "the .npy header has an impossible extent " + item + " in shape " + text);
    shape.push_back(d);
  }
  return shape;
}

template <class T>
T load_scalar(const unsigned char* p, bool swap) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

// Row-major index of Fortran-ordered element data: returns the C-order permutation source.
std::vector<std::size_t> fortran_to_c(const Shape& shape) {
  const auto n = static_cast<std::size_t>(shape_numel(shape));
  std::vector<std::size_t> src(n);
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t f = 0, stride = 1;
    for (std::size_t a = 0; a < rank; ++a) {
      f += static_cast<std::size_t>(idx[a]) * stride;
      stride *= static_cast<std::size_t>(shape[a]);
    }
    src[c] = f;
    for (std::size_t a = rank; a-- > 0;) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return src;
}

}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  std::error_code missing;
  if (!std::filesystem::exists(path, missing)) fail(path, "no such file");
  io::require_regular_file(path, "a NumPy .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    fail(path, std::filesystem::exists(path, ec) ? "cannot be opened for reading" : "no such file");
  }
  unsigned char magic[8];
  if (!in.read(reinterpret_cast<char*>(magic), 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    fail(path, "not a NumPy .npy file (bad magic string; expected \\x93NUMPY)");
  const int major = magic[6];
  std::uint32_t header_len = 0;
  if (major == 1) {
    unsigned char l[2];
    if (!in.read(reinterpret_cast<char*>(l), 2)) fail(path, "truncated .npy header");
    header_len = static_cast<std::uint32_t>(l[0] | (l[1] << 8));
  } else if (major == 2 || major == 3) {
    unsigned char l[4];
    if (!in.read(reinterpret_cast<char*>(l), 4)) fail(path, "truncated .npy header");
    header_len = static_cast<std::uint32_t>(l[0]) | (static_cast<std::uint32_t>(l[1]) << 8) |
                 (static_cast<std::uint32_t>(l[2]) << 16) | (static_cast<std::uint32_t>(l[3]) << 24);
  } else {
    fail(path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(magic[7]));
  }
  if (header_len > (1u << 20)) fail(path, "implausible .npy header length " + std::to_string(header_len));
  std::string header(header_len, '\0');
  if (!in.read(header.data(), header_len)) fail(path, "truncated .npy header");
  const std::string descr = dict_value(header, "descr", path);
  const std::string fortran = dict_value(header, "fortran_order", path);
  const std::string shape_text = dict_value(header, "shape", path);
  if (shape_text.empty() || shape_text.front() != '(') fail(path, "the .npy header has a bad shape " + shape_text);
  Shape shape = parse_shape(shape_text, path);
  const bool fortran_order = fortran == "True";
  if (descr.size() < 3) fail(path, "unsupported dtype '" + descr + "'");
  const char order = descr[0];
  const char kind = descr[1];
  const int size = std::atoi(descr.c_str() + 2);
  const bool little = std::endian::native == std::endian::little;
  const bool swap = (order == '<' && !little) || (order == '>' && little);
  DType out;
  if (kind == 'f' && size == 4) out = DType::Float32;
  else if (kind == 'f' && size == 8) out = DType::Float64;
  else if ((kind == 'u' && size == 1) || (kind == 'b' && size == 1)) out = DType::UInt8;
  else if ((kind == 'i' && (size == 1 || size == 2 || size == 4 || size == 8)) ||
           (kind == 'u' && (size == 2 || size == 4 || size == 8)))
    out = DType::Int32;
  else
    fail(path, "unsupported dtype '" + descr + "' (supported: float32, float64, bool, uint8, int8-int64, uint16-uint64)");
  // Sizes are checked before allocating, so a damaged header cannot exhaust memory; the
  // products are checked because a shape like (2**61 + 1,) wraps around to a small size.
  std::optional<std::uint64_t> n = 1;
  for (auto d : shape)
    if (n) n = io::checked_mul(*n, static_cast<std::uint64_t>(d));
  const std::optional<std::uint64_t> needed = n ? io::checked_mul(*n, static_cast<std::uint64_t>(size)) : n;
  const auto data_start = in.tellg();
  in.seekg(0, std::ios::end);
  const auto available = static_cast<std::uint64_t>(in.tellg() - data_start);
  if (!needed || *needed != available)
    fail(path, std::string(needed && *needed < available ? "has trailing data" : "truncated") + ": shape " +
                   shape_text + " of '" + descr + "' needs " +
                   (needed ? std::to_string(*needed) : std::string("more than 2^64")) +
                   " bytes of data, the file has " + std::to_string(available));
  in.seekg(data_start);
  std::vector<unsigned char> raw(*needed);
  if (*needed > 0 && !in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(*needed)))
    fail(path, "read error");
  if (shape.empty()) shape = {1};
  std::vector<std::size_t> perm;
  if (fortran_order && shape.size() > 1) perm = fortran_to_c(shape);
  const auto src_index = [&](std::size_t i) { return perm.empty() ? i : perm[i]; };
  const auto count = static_cast<std::size_t>(*n);
  const auto* p = raw.data();
  const auto us = static_cast<std::size_t>(size);
  switch (out) {
    case DType::Float32: {
      std::vector<float> v(count);
      for (std::size_t i = 0; i < count; ++i) v[i] = load_scalar<float>(p + src_index(i) * us, swap);
      return Tensor::from_vector(v, shape);
    }
    case DType::Float64: {
      std::vector<double> v(count);
      for (std::size_t i = 0; i < count; ++i) v[i] = load_scalar<double>(p + src_index(i) * us, swap);
      return Tensor::from_vector(v, shape);
    }
    case DType::UInt8: {
      std::vector<std::uint8_t> v(count);
      for (std::size_t i = 0; i < count; ++i) v[i] = p[src_index(i)];
      return Tensor::from_vector(v, shape);
    }
    case DType::Int32: {
      std::vector<std::int32_t> v(count);
      for (std::size_t i = 0; i < count; ++i) {
        const unsigned char* q = p + src_index(i) * us;
        std::int64_t x = 0;
        if (kind == 'i') {
          if (size == 1) x = static_cast<std::int8_t>(q[0]);
          else if (size == 2) x = load_scalar<std::int16_t>(q, swap);
          else if (size == 4) x = load_scalar<std::int32_t>(q, swap);
          else x = load_scalar<std::int64_t>(q, swap);
        } else {
          std::uint64_t u = 0;
          if (size == 2) u = load_scalar<std::uint16_t>(q, swap);
          else if (size == 4) u = load_scalar<std::uint32_t>(q, swap);
          else u = load_scalar<std::uint64_t>(q, swap);
          if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(path, "value at index " + std::to_string(i) + " does not fit in int32");
          x = static_cast<std::int64_t>(u);
        }
        if (x < std::numeric_limits<std::int32_t>::min() || x > std::numeric_limits<std::int32_t>::max())
          fail(path, "value " + std::to_string(x) + " at index " + std::to_string(i) + " does not fit in int32");
        v[i] = static_cast<std::int32_t>(x);
      }
      return Tensor::from_vector(v, shape);
    }
  }
  fail(path, "unsupported dtype '" + descr + "'");
}

void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  if (!tensor.defined()) throw ValueError("write_npy: the tensor is undefined");
  std::string descr;
  switch (tensor.dtype()) {
    case DType::Float32: descr = "<f4"; break;
    case DType::Float64: descr = "<f8"; break;
    case DType::Int32: descr = "<i4"; break;
    case DType::UInt8: descr = "|u1"; break;
  }
  std::string shape = "(";
  for (std::size_t i = 0; i < tensor.shape().size(); ++i) {
    shape += std::to_string(tensor.shape()[i]);
    shape += tensor.shape().size() == 1 ? "," : (i + 1 < tensor.shape().size() ? ", " : "");
  }
  shape += ")";
  std::string header = "{'descr': '";
  header += descr;
  header += "', 'fortran_order': False, 'shape': ";
  header += shape;
  header += ", }";
  // Pad so that magic + length + header is a multiple of 64 bytes, ending with '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  const std::size_t bytes = static_cast<std::size_t>(tensor.numel()) * dtype_size(tensor.dtype());
  std::vector<unsigned char> data(bytes);
  if (bytes > 0) tensor.copy_to_host(data.data(), tensor.dtype());
  io::AtomicFile file(path.string());
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    if (!out) fail(path, "cannot be opened for writing");
    out.write("\x93NUMPY\x01\x00", 8);
    const auto len = static_cast<std::uint16_t>(header.size());
    const char l[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(l, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(bytes));
    out.flush();
    if (!out) fail(path, "write error");
  }
  file.commit();
}

}  // namespace temper::datasets
