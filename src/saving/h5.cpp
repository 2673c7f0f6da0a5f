// h5.cpp — the RAII HDF5 layer: files, groups, datasets and Keras's string attributes.
#include "h5.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "temper/error.hpp"

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

DType tensor_dtype_of(hid_t type, const std::string& where) {
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_FLOAT) return H5Tget_size(type) == 4 ? DType::Float32 : DType::Float64;
  if (cls == H5T_INTEGER) return DType::Float64;
  fail(where + " holds neither floats nor integers (HDF5 type class " + std::to_string(static_cast<int>(cls)) +
       "); only numeric weight datasets can be loaded");
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
  Handle ds = check(H5Dcreate2(id(), name.c_str(), file_type, space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose, "cannot create the HDF5 dataset " + where(name));
  if (!buf.empty())
    check_status(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
                 "cannot write the HDF5 dataset " + where(name) + " (disk full?)");
}

Shape Group::dataset_shape(const std::string& name) const {
  if (!exists(name)) fail("the HDF5 dataset " + where(name) + " does not exist");
  Handle ds = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open the HDF5 dataset " + where(name));
  Handle space = check(H5Dget_space(ds.get()), H5Sclose, "cannot read the shape of " + where(name));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot read the shape of " + where(name));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

Tensor Group::read_dataset(const std::string& name) const {
  if (!exists(name)) fail("the HDF5 dataset " + where(name) + " does not exist");
  Handle ds = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open the HDF5 dataset " + where(name));
  Handle type = check(H5Dget_type(ds.get()), H5Tclose, "cannot read the type of " + where(name));
  const DType dt = tensor_dtype_of(type.get(), where(name));
  const Shape shape = dataset_shape(name);
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<unsigned char> buf(static_cast<std::size_t>(n) * dtype_size(dt));
  if (n > 0)
    check_status(H5Dread(ds.get(), dt == DType::Float32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                         H5P_DEFAULT, buf.data()),
                 "cannot read the HDF5 dataset " + where(name) + " (truncated or corrupt file?)");
  return Tensor::from_host(buf.data(), static_cast<std::size_t>(n), dt, shape);
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

bool is_hdf5(const std::string& path) {
  ErrorSilencer quiet;
  return H5Fis_hdf5(path.c_str()) > 0;
}

File File::open(const std::string& path) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw IOError("cannot open '" + path + "': no such file or it is not readable");
  }
  if (!is_hdf5(path))
    throw IOError("'" + path + "' is not an HDF5 file (no HDF5 signature); expected a Keras .h5, "
                  ".weights.h5 or .keras file");
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
