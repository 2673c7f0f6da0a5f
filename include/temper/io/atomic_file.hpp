// atomic_file.hpp — write a file so that readers see either the old or the new version, never
// a truncated mix (what Keras gets from writing to a temporary path and renaming).
#pragma once
#include <string>

namespace temper::io {

/// A file being replaced atomically (Keras: the temp-file-then-rename pattern of its savers;
/// there is no single Keras class). The constructor picks a fresh temporary path in the same
/// directory as `path` (so the final rename never crosses a file system); the caller writes the
/// complete new content to `temp_path()` by any means (HDF5, libzip, streams), then calls
/// `commit()`, which flushes the temporary file to disk (fsync), renames it over `path` and
/// syncs the directory. If `commit()` is never reached — an exception, a failed write — the
/// destructor deletes the temporary file and the previous content of `path` stays untouched.
/// Missing parent directories are created. Errors throw temper::IOError naming the path.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Where to write the new content (`<dir>/.<name>.tmp-<pid>-<n>`).
  const std::string& temp_path() const noexcept { return temp_; }
  /// The destination.
  const std::string& path() const noexcept { return path_; }
  /// fsync the temporary file, rename it over path(), fsync the directory.
  void commit();
  bool committed() const noexcept { return committed_; }

 private:
  std::string path_;
  std::string temp_;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace temper::io
