// h5.hpp — a thin RAII layer over the HDF5 C API, private to the library (hdf5.h never
// reaches the installed headers). Every failure is a temper::IOError naming the file and the
// object; HDF5's own error stack is never printed (see ErrorSilencer).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "temper/tensor.hpp"

namespace temper::io::h5 {

/// Turns off HDF5's automatic error-stack printing for its lifetime and restores the previous
/// handler afterwards (HDF5: H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr)).
class ErrorSilencer {
 public:
  ErrorSilencer();
  ~ErrorSilencer();
  ErrorSilencer(const ErrorSilencer&) = delete;
  ErrorSilencer& operator=(const ErrorSilencer&) = delete;

 private:
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
};

/// Owns one hid_t and closes it with the matching H5*close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      closer_ = o.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  void reset() noexcept {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

enum class CharSet { Ascii, Utf8 };

/// A group (or the root group) of an open file; `where` is its path for error messages.
class Group {
 public:
  Group() = default;
  Group(Handle h, std::string file, std::string path)
      : h_(std::move(h)), file_(std::move(file)), path_(std::move(path)) {}
  hid_t id() const noexcept { return h_.get(); }
  const std::string& path() const noexcept { return path_; }
  const std::string& file() const noexcept { return file_; }

  /// Creates `name` (intermediate groups included).
  Group create_group(const std::string& name) const;
  /// Opens an existing group; IOError naming it when absent.
  Group open_group(const std::string& name) const;
  /// True if the link `name` (a relative path) exists and resolves to an object.
  bool exists(const std::string& name) const;
  bool is_group(const std::string& name) const;
  /// Names of the direct members, in name order.
  std::vector<std::string> members() const;

  /// A dataset with the tensor's shape (0-d for scalars) and dtype (float32 LE, float64 LE,
  /// int32 LE; `as_int64` stores an integer tensor as int64 LE). Non-empty arrays are stored
  /// as one chunk with a Fletcher-32 checksum (h5py and Keras verify it transparently), so a
  /// damaged byte is an error on reading instead of a wrong weight. "/" in `name` creates
  /// sub-groups, as h5py does for Keras's "dense/kernel:0".
  void write_dataset(const std::string& name, const Tensor& value, bool as_int64 = false) const;
  /// Reads a dataset: float32 stays float32, other floats become float64, integers become
  /// float64 (exact below 2^53). The element type and the extent are checked against the
  /// size of the file before anything is allocated.
  Tensor read_dataset(const std::string& name) const;
  /// Reads a weight that must have `shape` and be loadable losslessly into `dtype`: IOError
  /// naming the dataset for an integer dataset where floats are expected or an element type
  /// of an unusual size; float16 and float64 are accepted for float32 weights (Keras does).
  Tensor read_weight(const std::string& name, const Shape& shape, DType dtype) const;
  /// The shape of a dataset without reading it.
  Shape dataset_shape(const std::string& name) const;

  bool has_attr(const std::string& name) const;
  /// A scalar variable-length string attribute (h5py's encoding of `str` (UTF-8) or `bytes`
  /// (ASCII)).
  void set_string_attr(const std::string& name, const std::string& value, CharSet cset) const;
  /// A list of strings the way Keras's save_attributes_to_hdf5_group writes it: empty ->
  /// float64 array of shape (0,); fits in 64512 bytes -> 1-D vlen ASCII array; else split with
  /// numpy.array_split into `name0`, `name1`, ... fixed-length NULLPAD arrays.
  void set_string_list_attr(const std::string& name, const std::vector<std::string>& values) const;
  /// A string attribute: vlen or fixed-length, ASCII or UTF-8, scalar or 1-element.
  std::string string_attr(const std::string& name) const;
  /// Keras's load_attributes_from_hdf5_group: `name` if present, else `name0`, `name1`, ...
  /// concatenated; vlen/fixed strings, scalar or 1-D; a numeric (empty) array gives {}.
  std::vector<std::string> string_list_attr(const std::string& name) const;

  std::string where(const std::string& member = "") const;

 private:
  Handle h_;
  std::string file_;
  std::string path_;
};

/// An HDF5 file opened for reading or created for writing.
class File {
 public:
  /// Creates (truncates) a file on disk.
  static File create(const std::string& path);
  /// Creates a file in memory (core driver, no backing store); see image().
  static File create_in_memory(const std::string& label);
  /// Opens a file read-only; IOError "not an HDF5 file" / "truncated or corrupt" otherwise.
  static File open(const std::string& path);
  /// Opens an in-memory file image read-only (the model.weights.h5 entry of a .keras zip).
  static File open_image(const std::string& bytes, const std::string& label);

  Group& root() { return root_; }
  const std::string& name() const noexcept { return name_; }
  /// The element count of the largest dataset anywhere in the file (0 when it has none).
  std::uint64_t largest_dataset_elements() const;
  /// The bytes of an in-memory file (flushes first).
  std::string image() const;
  /// Flushes and closes; errors are reported (the destructor closes silently).
  void close();

 private:
  std::string name_;
  Handle file_;
  Group root_;
};

/// True when the file starts with the HDF5 signature (H5Fis_hdf5).
bool is_hdf5(const std::string& path);

}  // namespace temper::io::h5
