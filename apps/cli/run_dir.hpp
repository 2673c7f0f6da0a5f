// run_dir.hpp — what keeps a run directory consistent across runs: one process at a time,
// no temporary files left by a killed run, and a history that matches the backup it resumes.
#pragma once
#include <filesystem>
#include <string>

namespace temper::cli {

/// The lock file inside a run directory.
inline constexpr const char* kRunLockName = ".temper.lock";

/// Holds an exclusive flock on `<run_dir>/.temper.lock` for its lifetime, so that two
/// `temper train` processes never write the same run directory (the kernel drops the lock
/// when the process ends, kill -9 included). The lock file records the holder's pid for the
/// message the second process prints. Creates the directory; if it was created here and
/// holds nothing but the lock file when the lock is released (a run that failed in setup),
/// it is removed again.
class RunDirLock {
 public:
  /// ConfigError "run directory DIR is in use by another temper process (pid N)" when another
  /// process holds the lock; IOError when the directory or the lock file cannot be created.
  explicit RunDirLock(const std::filesystem::path& run_dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  std::filesystem::path dir_;
  bool created_dir_ = false;
  int fd_ = -1;
};

/// Whether `name` is a temporary file name of io::AtomicFile (`.<name>.tmp-<pid>-<n>`).
/// Sets `pid` to the writer's process id.
bool is_atomic_temp_name(const std::string& name, long& pid);

/// Removes the temporary files io::AtomicFile left in `run_dir` (and below) when a run was
/// killed during a write, skipping those of a process that is still alive. Only file names
/// of the writer's pattern are touched. Returns how many were removed.
std::size_t remove_stale_temp_files(const std::filesystem::path& run_dir);

/// Keeps the header of the CSVLogger file `history_csv` and the rows of epochs before
/// `first_epoch` (0-based), so that a resumed run that repeats an epoch does not log it twice.
/// Nothing happens when the file does not exist.
void trim_history(const std::filesystem::path& history_csv, int first_epoch);

}  // namespace temper::cli
