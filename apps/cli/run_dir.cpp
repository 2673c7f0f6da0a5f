// run_dir.cpp — run-directory lock, stale temporary files, history trimming.
#include "cli/run_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "temper/error.hpp"
#include "temper/io/atomic_file.hpp"

namespace temper::cli {

namespace fs = std::filesystem;

namespace {

std::string read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() || s.find_first_not_of("0123456789") != std::string::npos ? std::string("unknown") : s;
}

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// kill(pid, 0) succeeds (or fails with EPERM) for a live process.
bool process_alive(long pid) {
  if (pid <= 0) return false;
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

RunDirLock::RunDirLock(const fs::path& run_dir) : dir_(run_dir) {
  std::error_code ec;
  created_dir_ = !fs::exists(dir_, ec);
  fs::create_directories(dir_, ec);
  if (ec) throw IOError("cannot create the run directory '" + dir_.string() + "': " + ec.message());
  const fs::path lock = dir_ / kRunLockName;
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IOError("cannot create the lock file '" + lock.string() + "': " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = read_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw ConfigError("run directory " + dir_.string() + " is in use by another temper process (pid " + pid + ")");
    throw IOError("cannot lock '" + lock.string() + "': " + std::strerror(err));
  }
  // The pid only feeds the other process's message, so a failed write is not an error.
  const std::string pid = std::to_string(::getpid()) + "\n";
  const bool recorded =
      ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
  (void)recorded;
}

RunDirLock::~RunDirLock() {
  if (fd_ < 0) return;
  std::error_code ec;
  if (created_dir_) {
    bool only_lock = true;
    for (const auto& e : fs::directory_iterator(dir_, ec))
      if (e.path().filename() != kRunLockName) only_lock = false;
    if (only_lock && !ec) {
      fs::remove(dir_ / kRunLockName, ec);
      fs::remove(dir_, ec);
    }
  }
  ::close(fd_);
}

bool is_atomic_temp_name(const std::string& name, long& pid) {
  // `.<name>.tmp-<pid>-<n>`, as io::AtomicFile names them.
  if (name.size() < 2 || name[0] != '.') return false;
  const auto tmp = name.rfind(".tmp-");
  if (tmp == std::string::npos || tmp < 2) return false;
  const std::string rest = name.substr(tmp + 5);
  const auto dash = rest.find('-');
  if (dash == std::string::npos) return false;
  const std::string p = rest.substr(0, dash), n = rest.substr(dash + 1);
  if (!all_digits(p) || !all_digits(n) || p.size() > 9) return false;
  pid = std::stol(p);
  return true;
}

std::size_t remove_stale_temp_files(const fs::path& run_dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(run_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    long pid = 0;
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    if (!is_atomic_temp_name(it->path().filename().string(), pid) || process_alive(pid)) continue;
    std::error_code rm;
    if (fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

void trim_history(const fs::path& history_csv, int first_epoch) {
  std::ifstream in(history_csv, std::ios::binary);
  if (!in) return;
  std::string line, kept;
  bool header = true, changed = false;
  while (std::getline(in, line)) {
    if (header) {
      kept += line + "\n";
      header = false;
      continue;
    }
    const std::string epoch = line.substr(0, line.find(','));
    if (all_digits(epoch) && epoch.size() < 10 && std::stoi(epoch) < first_epoch) kept += line + "\n";
    else changed = true;
  }
  in.close();
  if (changed) io::write_file_atomically(history_csv.string(), kept);
}

}  // namespace temper::cli
