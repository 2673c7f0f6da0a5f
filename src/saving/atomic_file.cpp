// atomic_file.cpp — temporary file in the same directory, fsync, rename, fsync the directory.
#include "temper/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "temper/error.hpp"

namespace temper::io {

namespace fs = std::filesystem;

namespace {

std::atomic<unsigned> g_counter{0};

std::string errno_text() { return std::strerror(errno); }

void fsync_path(const std::string& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) {
    if (directory) return;  // some file systems refuse to open directories; nothing to sync
    throw IOError("cannot open '" + p + "' to flush it to disk: " + errno_text());
  }
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0 && !directory) {
    errno = saved;
    throw IOError("cannot flush '" + p + "' to disk: " + errno_text());
  }
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw IOError("cannot write a file with an empty path");
  fs::path p(path_);
  std::error_code ec;
  if (fs::is_directory(p, ec))
    throw IOError("cannot write '" + path_ + "': it is an existing directory");
  fs::path dir = p.parent_path();
  if (!dir.empty() && !fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) throw IOError("cannot create the directory '" + dir.string() + "' for '" + path_ + "': " + ec.message());
  }
  const std::string name = p.filename().string();
  const std::string tmp_name = "." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
                               std::to_string(g_counter.fetch_add(1));
  temp_ = (dir / tmp_name).string();
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicFile::commit() {
  if (committed_) return;
  std::error_code ec;
  if (!fs::exists(temp_, ec)) throw IOError("cannot save '" + path_ + "': nothing was written");
  fsync_path(temp_, false);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw IOError("cannot move the new file into place at '" + path_ + "': " + errno_text());
  committed_ = true;
  fs::path dir = fs::path(path_).parent_path();
  fsync_path(dir.empty() ? std::string(".") : dir.string(), true);
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicFile f(path);
  {
    std::ofstream out(f.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) throw IOError("cannot create '" + f.temp_path() + "': " + errno_text());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw IOError("cannot write '" + f.temp_path() + "' (disk full?)");
  }
  f.commit();
}

}  // namespace temper::io
