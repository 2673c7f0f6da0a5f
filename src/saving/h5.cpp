// h5.cpp — the RAII HDF5 layer: files, groups, datasets and Keras's string attributes.
#include "h5.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>

#include "temper/error.hpp"
#include "temper/io/untrusted.hpp"

namespace temper::io::h5 {

namespace {

constexpr std::size_t kHeaderLimit = 64512;  // Keras HDF5_OBJECT_HEADER_LIMIT

[[noreturn]] void fail(const std::string& what) { throw IOError(what); }

Handle check(hid_t id, Handle::Closer closer, const std::string& what) {
  if (id < 0) fail(what);
  return Handle(id, closer);
}

void check_status(herr_t rc, const std::string& what) {
  if (rc < 0) fail(what);
}

Handle link_create_plist() {
  Handle lcpl = check(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "cannot create an HDF5 property list");
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), "cannot set an HDF5 property");
  return lcpl;
}

Handle simple_space(const Shape& shape) {
  if (shape.empty()) return check(H5Screate(H5S_SCALAR), H5Sclose, "cannot create an HDF5 dataspace");
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "cannot create an HDF5 dataspace");
}

Handle vlen_string_type(CharSet cset) {
  Handle t = check(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create an HDF5 string type");
  check_status(H5Tset_size(t.get(), H5T_VARIABLE), "cannot create an HDF5 string type");
  check_status(H5Tset_cset(t.get(), cset == CharSet::Utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII),
               "cannot create an HDF5 string type");
  return t;
}

// One chunk spanning the whole array with a Fletcher-32 checksum. HDF5 filters need a chunked
// layout; scalars, empty arrays and arrays of 4 GiB or more (HDF5's chunk size limit) stay
// contiguous and unchecked.
Handle checksummed_layout(const Shape& shape, std::size_t bytes) {
  Handle dcpl = check(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot create an HDF5 property list");
  if (shape.empty() || bytes == 0 || bytes >= (std::uint64_t{1} << 32) - 1) return dcpl;
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(dims.size()), dims.data()), "cannot set an HDF5 chunk size");
  check_status(H5Pset_fletcher32(dcpl.get()), "cannot enable HDF5 Fletcher-32 checksums");
  return dcpl;
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty() || a == "/") return "/" + b;
  return a + "/" + b;
}

// Reads a string-typed attribute (any layout) into a list of strings.
std::vector<std::string> read_strings(hid_t attr, const std::string& where) {
  Handle type = check(H5Aget_type(attr), H5Tclose, "cannot read the type of " + where);
  Handle space = check(H5Aget_space(attr), H5Sclose, "cannot read the shape of " + where);
  const hssize_t n_points = H5Sget_simple_extent_npoints(space.get());
  if (n_points < 0) fail("cannot read the shape of " + where);
  const auto n = static_cast<std::size_t>(n_points);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_STRING) {
    if (n == 0) return {};  // Keras writes an empty list as float64 of shape (0,)
    fail(where + " is not a string attribute (HDF5 type class " + std::to_string(static_cast<int>(cls)) + ")");
  }
  std::vector<std::string> out;
  out.reserve(n);
  const H5T_cset_t cset = H5Tget_cset(type.get());
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem = check(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create an HDF5 string type");
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), cset);
    std::vector<char*> ptrs(std::max<std::size_t>(n, 1), nullptr);
    check_status(H5Aread(attr, mem.get(), ptrs.data()), "cannot read " + where);
    for (std::size_t i = 0; i < n; ++i) out.emplace_back(ptrs[i] ? ptrs[i] : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0) fail("cannot read " + where + ": zero-sized strings");
    std::vector<char> buf(size * std::max<std::size_t>(n, 1), '\0');
    Handle mem = check(H5Tcopy(type.get()), H5Tclose, "cannot create an HDF5 string type");
    check_status(H5Aread(attr, mem.get(), buf.data()), "cannot read " + where);
    const H5T_str_t pad = H5Tget_strpad(type.get());
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * size, size);
      if (pad == H5T_STR_SPACEPAD) {
        while (!s.empty() && s.back() == ' ') s.pop_back();
      } else {
        const auto z = s.find('\0');
        if (z != std::string::npos) s.resize(z);
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

// "float32", "int64", "uint8": the element type of a numeric dataset, for messages.
std::string type_name(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::string bits = std::to_string(H5Tget_size(type) * 8);
  if (cls == H5T_FLOAT) return "float" + bits;
  if (cls == H5T_INTEGER) return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
  return "HDF5 type class " + std::to_string(static_cast<int>(cls));
}

// What a numeric dataset holds, checked before anything is allocated for it.
struct DatasetInfo {
  DType read_as;          // the tensor dtype it is read into
  bool is_integer;
  std::string type;       // type_name()
  Shape shape;
};

bool has_filter(hid_t ds, H5Z_filter_t filter) {
  Handle dcpl = check(H5Dget_create_plist(ds), H5Pclose, "cannot read the creation properties of a dataset");
  const int n = H5Pget_nfilters(dcpl.get());
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0;
    std::size_t nelmts = 0;
    if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelmts, nullptr, 0, nullptr, nullptr) == filter)
      return true;
  }
  return false;
}

bool only_checksum_filters(hid_t ds) {
  Handle dcpl = check(H5Dget_create_plist(ds), H5Pclose, "cannot read the creation properties of a dataset");
  const int n = H5Pget_nfilters(dcpl.get());
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0;
    std::size_t nelmts = 0;
    if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelmts, nullptr, 0, nullptr, nullptr) !=
        H5Z_FILTER_FLETCHER32)
      return false;
  }
  return true;
}

// HDF5 1.10 copies a compact dataset (data kept inside its object header) out of a buffer of
// the size the layout message declares, without comparing that size with the extent: a damaged
// size makes H5Dread read past the buffer (found by tests/fuzz/fuzz_h5).
bool compact_size_differs(hid_t ds, std::uint64_t expected) {
  Handle dcpl = check(H5Dget_create_plist(ds), H5Pclose, "cannot read the creation properties of a dataset");
  return H5Pget_layout(dcpl.get()) == H5D_COMPACT && H5Dget_storage_size(ds) != expected;
}

std::uint64_t file_size_of(hid_t obj) {
  Handle f = check(H5Iget_file_id(obj), H5Fclose, "cannot find the file of an HDF5 object");
  hsize_t size = 0;
  if (H5Fget_filesize(f.get(), &size) < 0) return 0;
  return size;
}

Shape extent_of(hid_t ds, const std::string& where) {
  Handle space = check(H5Dget_space(ds), H5Sclose, "cannot read the shape of " + where);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot read the shape of " + where);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  Shape shape;
  for (auto d : dims) {
    if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()))
      fail(where + " declares an impossible extent " + std::to_string(d));
    shape.push_back(static_cast<std::int64_t>(d));
  }
  return shape;
}

// Deflate cannot compress better than about 1032:1; no real dataset claims more data than that.
constexpr std::uint64_t kMaxCompressionRatio = 1032;

// The element type must be an ordinary number and the data the extent claims must fit in the
// file: a flipped byte in a datatype or dataspace message then fails here, with the dataset
// named, instead of in a multi-gigabyte allocation.
DatasetInfo inspect_dataset(hid_t ds, hid_t type, const std::string& where) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  DatasetInfo info{DType::Float64, cls == H5T_INTEGER, type_name(type), extent_of(ds, where)};
  if (cls == H5T_FLOAT) {
    if (size != 2 && size != 4 && size != 8)
      fail(where + " has " + std::to_string(size) + "-byte floats; only float16, float32 and float64 weights "
           "can be loaded (the file is corrupt?)");
    if (size == 4) info.read_as = DType::Float32;
  } else if (cls == H5T_INTEGER) {
    if (size != 1 && size != 2 && size != 4 && size != 8)
      fail(where + " has " + std::to_string(size) + "-byte integers; only 8- to 64-bit integers can be loaded "
           "(the file is corrupt?)");
  } else {
    fail(where + " holds neither floats nor integers (" + info.type + "); only numeric weight datasets can be loaded");
  }
  std::optional<std::uint64_t> stored = size;
  for (auto d : info.shape)
    if (stored) stored = io::checked_mul(*stored, static_cast<std::uint64_t>(d));
  const std::uint64_t file_size = file_size_of(ds);
  const std::uint64_t ratio = only_checksum_filters(ds) ? 1 : kMaxCompressionRatio;
  const auto limit = io::checked_mul(file_size, ratio);
  if (!stored || (limit && *stored > *limit))
    fail(where + " declares shape " + shape_to_string(info.shape) + " of " + info.type + " (" +
         (stored ? io::format_bytes(*stored) : std::string("more than 2^64 bytes")) + ") but the file has only " +
         io::format_bytes(file_size) + ": the file is truncated or corrupt");
  if (compact_size_differs(ds, *stored))
    fail(where + " declares shape " + shape_to_string(info.shape) + " of " + info.type + " (" +
         io::format_bytes(*stored) + ") but stores " + io::format_bytes(H5Dget_storage_size(ds)) +
         " in its object header: the file is corrupt");
  return info;
}

Tensor read_checked(hid_t ds, const DatasetInfo& info, const std::string& where) {
  const auto n = static_cast<std::size_t>(shape_numel(info.shape));
  std::vector<unsigned char> buf(n * dtype_size(info.read_as));
  if (n > 0 && H5Dread(ds, info.read_as == DType::Float32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                       H5P_DEFAULT, buf.data()) < 0) {
    if (has_filter(ds, H5Z_FILTER_FLETCHER32))
      fail("cannot read the HDF5 dataset " + where + ": its Fletcher-32 checksum does not match (the data is "
           "corrupt) or the file is truncated");
    fail("cannot read the HDF5 dataset " + where + " (truncated or corrupt file?)");
  }
  return Tensor::from_host(buf.data(), n, info.read_as, info.shape);
}

}  // namespace

// ---- error silencing ------------------------------------------------------------------------

ErrorSilencer::ErrorSilencer() {
  H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorSilencer::~ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }

// ---- groups ---------------------------------------------------------------------------------

std::string Group::where(const std::string& member) const {
  std::string p = member.empty() ? (path_.empty() ? "/" : path_) : join(path_, member);
  return "'" + p + "' in '" + file_ + "'";
}

Group Group::create_group(const std::string& name) const {
  Handle lcpl = link_create_plist();
  Handle g = check(H5Gcreate2(id(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                   "cannot create the HDF5 group " + where(name));
  return Group(std::move(g), file_, join(path_, name));
}

Group Group::open_group(const std::string& name) const {
  if (!is_group(name)) fail("the HDF5 group " + where(name) + " does not exist");
  Handle g = check(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), H5Gclose, "cannot open the HDF5 group " + where(name));
  return Group(std::move(g), file_, join(path_, name));
}

bool Group::exists(const std::string& name) const {
  // Walk the path one link at a time: H5Lexists fails on a missing intermediate link.
  std::string prefix;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) {
      prefix += (prefix.empty() ? "" : "/") + part;
      if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
      if (H5Oexists_by_name(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return !prefix.empty();
}

bool Group::is_group(const std::string& name) const {
  if (!exists(name)) return false;
  const hid_t o = H5Oopen(id(), name.c_str(), H5P_DEFAULT);
  if (o < 0) return false;
  const bool group = H5Iget_type(o) == H5I_GROUP;
  H5Oclose(o);
  return group;
}

std::vector<std::string> Group::members() const {
  H5G_info_t info;
  check_status(H5Gget_info(id(), &info), "cannot list the HDF5 group " + where());
  std::vector<std::string> out;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) fail("cannot list the HDF5 group " + where());
    std::string s(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(static_cast<std::size_t>(len));
    out.push_back(std::move(s));
  }
  return out;
}

void Group::write_dataset(const std::string& name, const Tensor& value, bool as_int64) const {
  if (!value.defined()) fail("cannot write the undefined tensor " + where(name));
  Handle space = simple_space(value.shape());
  hid_t file_type = H5T_IEEE_F32LE, mem_type = H5T_NATIVE_FLOAT;
  Tensor host = value;
  switch (value.dtype()) {
    case DType::Float32: break;
    case DType::Float64: file_type = H5T_IEEE_F64LE; mem_type = H5T_NATIVE_DOUBLE; break;
    case DType::Int32:
      file_type = as_int64 ? H5T_STD_I64LE : H5T_STD_I32LE;
      mem_type = H5T_NATIVE_INT32;
      break;
    case DType::UInt8: file_type = H5T_STD_U8LE; mem_type = H5T_NATIVE_UINT8; break;
  }
  std::vector<unsigned char> buf(static_cast<std::size_t>(value.numel()) * dtype_size(value.dtype()));
  if (!buf.empty()) value.copy_to_host(buf.data(), value.dtype());
  Handle lcpl = link_create_plist();
  Handle dcpl = checksummed_layout(value.shape(), buf.size());
  Handle ds = check(H5Dcreate2(id(), name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                    H5Dclose, "cannot create the HDF5 dataset " + where(name));
  if (!buf.empty())
    check_status(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
                 "cannot write the HDF5 dataset " + where(name) + " (disk full?)");
}

Shape Group::dataset_shape(const std::string& name) const {
  if (!exists(name)) fail("the HDF5 dataset " + where(name) + " does not exist");
  Handle ds = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open the HDF5 dataset " + where(name));
  return extent_of(ds.get(), where(name));
}

Tensor Group::read_dataset(const std::string& name) const {
  if (!exists(name)) fail("the HDF5 dataset " + where(name) + " does not exist");
  Handle ds = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open the HDF5 dataset " + where(name));
  Handle type = check(H5Dget_type(ds.get()), H5Tclose, "cannot read the type of " + where(name));
  const DatasetInfo info = inspect_dataset(ds.get(), type.get(), where(name));
  return read_checked(ds.get(), info, where(name));
}

Tensor Group::read_weight(const std::string& name, const Shape& shape, DType dtype) const {
  if (!exists(name)) fail("the HDF5 dataset " + where(name) + " does not exist");
  Handle ds = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open the HDF5 dataset " + where(name));
  Handle type = check(H5Dget_type(ds.get()), H5Tclose, "cannot read the type of " + where(name));
  const DatasetInfo info = inspect_dataset(ds.get(), type.get(), where(name));
  if (info.shape != shape)
    fail("the HDF5 dataset " + where(name) + " has shape " + shape_to_string(info.shape) + " but the weight expects " +
         shape_to_string(shape));
  // Keras converts float64 and float16 kernels to a float32 model's dtype (both exact or what
  // Keras itself does); integers in a float weight mean a corrupt or foreign file.
  if (info.is_integer && is_floating(dtype))
    fail("the HDF5 dataset " + where(name) + " holds " + info.type + " values but the weight is " +
         dtype_name(dtype) + "; integer data is not converted into float weights");
  return read_checked(ds.get(), info, where(name));
}

bool Group::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

void Group::set_string_attr(const std::string& name, const std::string& value, CharSet cset) const {
  if (has_attr(name)) H5Adelete(id(), name.c_str());
  Handle type = vlen_string_type(cset);
  Handle space = check(H5Screate(H5S_SCALAR), H5Sclose, "cannot create an HDF5 dataspace");
  Handle a = check(H5Acreate2(id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                   "cannot create the attribute '" + name + "' of " + where());
  const char* p = value.c_str();
  check_status(H5Awrite(a.get(), type.get(), &p), "cannot write the attribute '" + name + "' of " + where());
}

void Group::set_string_list_attr(const std::string& name, const std::vector<std::string>& values) const {
  if (values.empty()) {
    hsize_t zero = 0;
    Handle space = check(H5Screate_simple(1, &zero, nullptr), H5Sclose, "cannot create an HDF5 dataspace");
    Handle a = check(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose, "cannot create the attribute '" + name + "' of " + where());
    return;
  }
  std::size_t maxlen = 1;
  for (const auto& v : values) {
    if (v.size() > kHeaderLimit)
      fail("the following attributes cannot be saved to HDF5 file because they are larger than " +
           std::to_string(kHeaderLimit) + " bytes: " + v.substr(0, 80) + "... (attribute '" + name + "' of " +
           where() + ")");
    maxlen = std::max(maxlen, v.size());
  }
  // numpy.array_split into the fewest chunks whose nbytes (items * maxlen) fit.
  const std::size_t n = values.size();
  std::size_t chunks = 1;
  auto largest = [&](std::size_t k) { return (n / k + (n % k ? 1 : 0)) * maxlen; };
  while (largest(chunks) > kHeaderLimit) ++chunks;
  if (chunks == 1) {
    Handle type = vlen_string_type(CharSet::Ascii);
    hsize_t dim = n;
    Handle space = check(H5Screate_simple(1, &dim, nullptr), H5Sclose, "cannot create an HDF5 dataspace");
    Handle a = check(H5Acreate2(id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     "cannot create the attribute '" + name + "' of " + where());
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    check_status(H5Awrite(a.get(), type.get(), ptrs.data()), "cannot write the attribute '" + name + "' of " + where());
    return;
  }
  Handle type = check(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create an HDF5 string type");
  H5Tset_size(type.get(), maxlen);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_ASCII);
  std::size_t begin = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t count = n / chunks + (c < n % chunks ? 1 : 0);
    std::vector<char> buf(count * maxlen, '\0');
    for (std::size_t i = 0; i < count; ++i)
      std::memcpy(buf.data() + i * maxlen, values[begin + i].data(), values[begin + i].size());
    hsize_t dim = count;
    Handle space = check(H5Screate_simple(1, &dim, nullptr), H5Sclose, "cannot create an HDF5 dataspace");
    const std::string an = name + std::to_string(c);
    Handle a = check(H5Acreate2(id(), an.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     "cannot create the attribute '" + an + "' of " + where());
    check_status(H5Awrite(a.get(), type.get(), buf.data()), "cannot write the attribute '" + an + "' of " + where());
    begin += count;
  }
}

std::string Group::string_attr(const std::string& name) const {
  if (!has_attr(name)) fail("the attribute '" + name + "' of " + where() + " is missing");
  Handle a = check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose,
                   "cannot open the attribute '" + name + "' of " + where());
  auto v = read_strings(a.get(), "the attribute '" + name + "' of " + where());
  if (v.size() != 1) fail("the attribute '" + name + "' of " + where() + " is not a single string");
  return v[0];
}

std::vector<std::string> Group::string_list_attr(const std::string& name) const {
  auto read = [&](const std::string& an) {
    Handle a = check(H5Aopen(id(), an.c_str(), H5P_DEFAULT), H5Aclose,
                     "cannot open the attribute '" + an + "' of " + where());
    return read_strings(a.get(), "the attribute '" + an + "' of " + where());
  };
  if (has_attr(name)) return read(name);
  std::vector<std::string> out;
  for (int c = 0; has_attr(name + std::to_string(c)); ++c) {
    auto part = read(name + std::to_string(c));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

// ---- files ----------------------------------------------------------------------------------

File File::create(const std::string& path) {
  File f;
  f.name_ = path;
  f.file_ = check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                  "cannot create the HDF5 file '" + path + "'");
  f.root_ = Group(check(H5Gopen2(f.file_.get(), "/", H5P_DEFAULT), H5Gclose, "cannot open the root of '" + path + "'"),
                  path, "");
  return f;
}

File File::create_in_memory(const std::string& label) {
  File f;
  f.name_ = label;
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create an HDF5 property list");
  check_status(H5Pset_fapl_core(fapl.get(), 1 << 20, 0), "cannot use the HDF5 core driver");
  f.file_ = check(H5Fcreate(label.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                  "cannot create the in-memory HDF5 file '" + label + "'");
  f.root_ = Group(check(H5Gopen2(f.file_.get(), "/", H5P_DEFAULT), H5Gclose, "cannot open the root of '" + label + "'"),
                  label, "");
  return f;
}

// ---- global heap check ------------------------------------------------------------------------
// HDF5 1.10 (Debian 12 ships 1.10.8) trusts the object sizes inside a global heap collection,
// where variable-length strings (model_config, training_config, layer names) are stored: a
// free-space object of size 0 makes H5HG__cache_heap_deserialize loop forever, and an object
// larger than its collection makes H5HG_read copy memory from past its end. Every collection
// HDF5 could load (signature "GCOL", version 1, inside the file) is walked here the way that
// function walks it, before HDF5 sees the file.

namespace {

// Reads up to `n` bytes at `offset`; returns how many it read.
using ReadAt = std::function<std::size_t(std::uint64_t offset, char* dst, std::size_t n)>;

std::uint64_t load_le(const unsigned char* p, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

// The superblock's "size of lengths" (2, 4 or 8), found where HDF5 looks for the superblock
// (byte 0, 512, 1024, 2048, ...); 0 when there is none (HDF5 then refuses the file itself).
unsigned length_size(const ReadAt& read, std::uint64_t file_size) {
  static const unsigned char kSig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  for (std::uint64_t at = 0; at + 16 <= file_size; at = at == 0 ? 512 : 2 * at) {
    unsigned char b[16];
    if (read(at, reinterpret_cast<char*>(b), sizeof b) != sizeof b) return 0;
    if (std::memcmp(b, kSig, 8) != 0) continue;
    const unsigned n = b[8] <= 1 ? b[14] : (b[8] <= 3 ? b[10] : 0);  // superblock v0/1, v2/3
    return n == 2 || n == 4 || n == 8 ? n : 0;
  }
  return 0;
}

void check_heap(const ReadAt& read, std::uint64_t file_size, std::uint64_t at, unsigned len_size,
                const std::string& label) {
  const std::uint64_t header = 8 + len_size;  // "GCOL", version, 3 reserved, collection size
  unsigned char h[16];
  if (at + header > file_size || read(at, reinterpret_cast<char*>(h), header) != header) return;
  const std::uint64_t size = load_le(h + 8, len_size);
  if (size <= header || size > file_size - at) return;  // HDF5 refuses a collection past the end
  std::string chunk(static_cast<std::size_t>(size), '\0');
  if (read(at, chunk.data(), chunk.size()) != chunk.size()) return;
  const auto* b = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::uint64_t object_header = 8 + len_size;  // index, reference count, reserved, size
  for (std::uint64_t p = header; p < size && p + object_header <= size;) {
    const unsigned index = b[p] | (unsigned{b[p + 1]} << 8);
    const std::uint64_t object = load_le(b + p + 8, len_size);
    const std::uint64_t rest = size - p;
    // An object (index > 0) is its header plus its data padded to 8 bytes; the free space
    // (index 0) is one size that includes its header.
    if (index > 0 ? object > rest - object_header : (object == 0 || object > rest))
      throw IOError("'" + label + "' is corrupt: the HDF5 global heap at byte " + std::to_string(at) +
                    " (where variable-length strings are stored) has an object (index " + std::to_string(index) +
                    ") of " + std::to_string(object) + " bytes at offset " + std::to_string(p) + " of its " +
                    std::to_string(size) + " bytes");
    p += index > 0 ? object_header + (object + 7) / 8 * 8 : object;
  }
}

void check_global_heaps(const ReadAt& read, std::uint64_t file_size, const std::string& label) {
  const unsigned len_size = length_size(read, file_size);
  if (len_size == 0) return;
  static const std::string_view kGcol("GCOL\x01", 5);  // HDF5 checks the signature and the version
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::string block(kBlock + kGcol.size() - 1, '\0');
  for (std::uint64_t start = 0; start < file_size; start += kBlock) {
    const std::size_t got = read(start, block.data(), block.size());
    const std::string_view view(block.data(), got);
    for (auto hit = view.find(kGcol); hit != std::string_view::npos && hit < kBlock; hit = view.find(kGcol, hit + 1))
      check_heap(read, file_size, start + hit, len_size, label);
    if (got < block.size()) break;
  }
}

}  // namespace

bool is_hdf5(const std::string& path) {
  ErrorSilencer quiet;
  return H5Fis_hdf5(path.c_str()) > 0;
}

File File::open(const std::string& path) {
  io::require_regular_file(path, "an HDF5 model or weights file");
  if (!is_hdf5(path))
    throw IOError("'" + path + "' is not an HDF5 file (no HDF5 signature); expected a Keras .h5, "
                  ".weights.h5 or .keras file");
  {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (!in || ec) throw IOError("cannot read '" + path + "'");
    check_global_heaps(
        [&in](std::uint64_t offset, char* dst, std::size_t n) -> std::size_t {
          in.clear();
          in.seekg(static_cast<std::streamoff>(offset));
          in.read(dst, static_cast<std::streamsize>(n));
          return static_cast<std::size_t>(in.gcount());
        },
        size, path);
  }
  File f;
  f.name_ = path;
  f.file_ = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                  "cannot open the HDF5 file '" + path + "': it is truncated or corrupt");
  f.root_ = Group(check(H5Gopen2(f.file_.get(), "/", H5P_DEFAULT), H5Gclose,
                        "cannot open the root group of '" + path + "': the file is truncated or corrupt"),
                  path, "");
  return f;
}

File File::open_image(const std::string& bytes, const std::string& label) {
  static const unsigned char kSig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSig, 8) != 0)
    throw IOError("'" + label + "' is not an HDF5 file (no HDF5 signature)");
  check_global_heaps(
      [&bytes](std::uint64_t offset, char* dst, std::size_t n) -> std::size_t {
        if (offset >= bytes.size()) return 0;
        const std::size_t k = std::min<std::size_t>(n, bytes.size() - static_cast<std::size_t>(offset));
        std::memcpy(dst, bytes.data() + offset, k);
        return k;
      },
      bytes.size(), label);
  File f;
  f.name_ = label;
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create an HDF5 property list");
  check_status(H5Pset_fapl_core(fapl.get(), 1 << 20, 0), "cannot use the HDF5 core driver");
  check_status(H5Pset_file_image(fapl.get(), const_cast<char*>(bytes.data()), bytes.size()),
               "cannot use the HDF5 file image of '" + label + "'");
  f.file_ = check(H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose,
                  "cannot open the HDF5 file '" + label + "': it is truncated or corrupt");
  f.root_ = Group(check(H5Gopen2(f.file_.get(), "/", H5P_DEFAULT), H5Gclose,
                        "cannot open the root group of '" + label + "': the file is truncated or corrupt"),
                  label, "");
  return f;
}

std::uint64_t File::largest_dataset_elements() const {
  struct Walk {
    std::uint64_t largest = 0;
  } walk;
  const H5O_iterate_t visit = [](hid_t obj, const char* name, const H5O_info_t* info, void* data) -> herr_t {
    if (info->type != H5O_TYPE_DATASET) return 0;
    const hid_t ds = H5Dopen2(obj, name, H5P_DEFAULT);
    if (ds < 0) return 0;
    const hid_t space = H5Dget_space(ds);
    const hssize_t n = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
    if (space >= 0) H5Sclose(space);
    H5Dclose(ds);
    auto* w = static_cast<Walk*>(data);
    if (n > 0) w->largest = std::max(w->largest, static_cast<std::uint64_t>(n));
    return 0;
  };
  if (H5Ovisit2(file_.get(), H5_INDEX_NAME, H5_ITER_NATIVE, visit, &walk, H5O_INFO_BASIC) < 0)
    fail("cannot list the datasets of '" + name_ + "': the file is corrupt");
  return walk.largest;
}

std::string File::image() const {
  check_status(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "cannot flush '" + name_ + "'");
  const ssize_t size = H5Fget_file_image(file_.get(), nullptr, 0);
  if (size < 0) fail("cannot get the image of '" + name_ + "'");
  std::string out(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file_.get(), out.data(), out.size()) < 0) fail("cannot get the image of '" + name_ + "'");
  return out;
}

void File::close() {
  root_ = Group();
  if (file_.valid()) {
    const hid_t id = file_.get();
    check_status(H5Fflush(id, H5F_SCOPE_GLOBAL), "cannot write '" + name_ + "' (disk full?)");
    file_.reset();
  }
}

}  // namespace temper::io::h5
