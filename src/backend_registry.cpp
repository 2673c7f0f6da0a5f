// The one piece of process-wide mutable state Temper has: which backend new tensors use.
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include <spdlog/spdlog.h>

#include "backends/cpu/cpu_backend.hpp"
#include "temper/backend.hpp"
#include "temper/error.hpp"
#include "temper/tensor.hpp"

namespace temper {

namespace {

/// TEMPER_LOG_LEVEL=debug (or trace, info, warn, error, off) sets spdlog's level, so the
/// backend's choice of kernels, BLAS and threads can be seen without changing code.
void apply_log_level_from_env() {
  const char* v = std::getenv("TEMPER_LOG_LEVEL");
  if (!v || !*v) return;
  // spdlog reads an unknown name as "off", which would hide warnings because of a typo.
  for (const char* name : {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"})
    if (std::string_view(v) == name) {
      spdlog::set_level(spdlog::level::from_str(v));
      return;
    }
  spdlog::warn("temper: TEMPER_LOG_LEVEL='{}' is not a log level (trace, debug, info, warn, error, "
               "critical, off); keeping '{}'",
               v, spdlog::level::to_string_view(spdlog::get_level()));
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Backend>, std::less<>> backends;
  Backend* current = nullptr;
};

// Deliberately leaked: tensors held in static objects may be destroyed after main returns,
// and their buffers must still find a live backend to return memory to.
Registry& registry() {
  static Registry* r = [] {
    apply_log_level_from_env();
    return new Registry();
  }();
  return *r;
}

}  // namespace

Buffer::~Buffer() { backend_->release(data_, bytes_); }

std::vector<std::string> available_backends() { return {"cpu"}; }

Backend& get_backend(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (auto it = r.backends.find(name); it != r.backends.end()) return *it->second;
  if (name == "cpu") {
    auto b = detail::make_cpu_backend();
    Backend& ref = *b;
    r.backends.emplace(std::string(name), std::move(b));
    return ref;
  }
  std::string known;
  for (const auto& n : available_backends()) known += (known.empty() ? "" : ", ") + n;
  throw UnknownNameError("unknown backend '" + std::string(name) + "': available backends are " +
                         known);
}

Backend& default_backend() {
  auto& r = registry();
  {
    std::lock_guard lock(r.mutex);
    if (r.current) return *r.current;
  }
  Backend& b = get_backend("cpu");
  std::lock_guard lock(r.mutex);
  if (!r.current) r.current = &b;
  return *r.current;
}

void set_default_backend(std::string_view name) {
  Backend& b = get_backend(name);
  {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.current = &b;
  }
  spdlog::info("temper: default backend set to '{}' ({} threads)", b.name(), b.num_threads());
}

}  // namespace temper
