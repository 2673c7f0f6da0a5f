// model_checkpoint.cpp — Keras 3 ModelCheckpoint and Python-style file name formatting.
#include "temper/callbacks/model_checkpoint.hpp"

#include "temper/callbacks/registry.hpp"
#include "callbacks/save_freq_argument.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <variant>

#include "temper/callbacks/early_stopping.hpp"
#include "temper/error.hpp"
#include "temper/model.hpp"
#include "temper/saving.hpp"

namespace temper::callbacks {

const Arguments<ModelCheckpoint::Options>& ModelCheckpoint::arguments() {
  using O = ModelCheckpointOptions;
  static const auto args = Arguments<O>("ModelCheckpoint")
                               .extra("filepath")
                               .add("monitor", &O::monitor)
                               .add("verbose", &O::verbose)
                               .add("save_best_only", &O::save_best_only)
                               .add("save_weights_only", &O::save_weights_only)
                               .add("mode", &O::mode)
                               .add("save_freq", &O::save_freq)
                               .add("initial_value_threshold", &O::initial_value_threshold);
  return args;
}

namespace {
const CallbackRegistration<ModelCheckpoint> registered{
    "ModelCheckpoint", [](ArgReader& r, ModelCheckpointOptions o) -> CallbackPtr {
      return std::make_shared<ModelCheckpoint>(r.required<std::string>("filepath"), std::move(o));
    }};
}  // namespace

// ---- SaveFreq -------------------------------------------------------------------------------

SaveFreq::SaveFreq(const char* s) : SaveFreq(std::string(s == nullptr ? "" : s)) {}

SaveFreq::SaveFreq(const std::string& s) {
  if (s != "epoch")
    throw ValueError("Unrecognized save_freq: " + s + ". Expected save_freq are 'epoch' or integer values");
}

SaveFreq::SaveFreq(std::int64_t batches) : batches_(batches) {
  if (batches <= 0)
    throw ValueError("save_freq must be 'epoch' or a positive number of batches. Received: save_freq=" +
                     std::to_string(batches));
}

std::string SaveFreq::to_string() const { return per_epoch() ? "epoch" : std::to_string(batches_); }

// ---- file name formatting -------------------------------------------------------------------

namespace detail {

namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 (default)
  char sign = '-';
  bool zero = false;
  int width = 0;
  bool comma = false;
  int precision = -1;
  char type = 0;
};

Spec parse_spec(const std::string& s, const std::string& pattern) {
  Spec sp;
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (s.size() >= 2 && is_align(s[1])) {
    sp.fill = s[0];
    sp.align = s[1];
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    sp.align = s[0];
    i = 1;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == '0') {
    sp.zero = true;
    ++i;
  }
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) sp.width = sp.width * 10 + (s[i++] - '0');
  if (i < s.size() && s[i] == ',') {
    sp.comma = true;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])))
      throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Format specifier missing precision");
    sp.precision = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) sp.precision = sp.precision * 10 + (s[i++] - '0');
  }
  if (i < s.size()) sp.type = s[i++];
  if (i != s.size())
    throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Invalid format specifier '" + s + "'");
  return sp;
}

std::string group_thousands(const std::string& digits) {
  std::string out;
  const auto dot = digits.find_first_of(".eE");
  const std::string ip = digits.substr(0, dot), rest = dot == std::string::npos ? "" : digits.substr(dot);
  for (std::size_t k = 0; k < ip.size(); ++k) {
    if (k > 0 && (ip.size() - k) % 3 == 0) out += ',';
    out += ip[k];
  }
  return out + rest;
}

std::string apply_spec(std::variant<std::int64_t, double> value, const Spec& sp, const std::string& pattern,
                       const std::string& field) {
  const bool is_int = std::holds_alternative<std::int64_t>(value);
  std::string body;
  bool negative = false;
  char buf[128];
  if (is_int && (sp.type == 0 || sp.type == 'd' || sp.type == 'n')) {
    if (sp.precision >= 0)
      throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Precision not allowed in integer format specifier (field '" + field + "')");
    const std::int64_t v = std::get<std::int64_t>(value);
    negative = v < 0;
    body = std::to_string(negative ? -v : v);
  } else {
    const double v = is_int ? static_cast<double>(std::get<std::int64_t>(value)) : std::get<double>(value);
    negative = std::signbit(v) && !std::isnan(v);
    const double a = std::fabs(v);
    const int prec = sp.precision < 0 ? 6 : sp.precision;
    switch (sp.type) {
      case 'f': case 'F': std::snprintf(buf, sizeof buf, sp.type == 'f' ? "%.*f" : "%.*F", prec, a); body = buf; break;
      case 'e': case 'E': std::snprintf(buf, sizeof buf, sp.type == 'e' ? "%.*e" : "%.*E", prec, a); body = buf; break;
      case 'g': case 'G': std::snprintf(buf, sizeof buf, sp.type == 'g' ? "%.*g" : "%.*G", prec == 0 ? 1 : prec, a); body = buf; break;
      case '%': std::snprintf(buf, sizeof buf, "%.*f%%", prec, a * 100.0); body = buf; break;
      case 0:
        if (sp.precision >= 0) {
          std::snprintf(buf, sizeof buf, "%.*g", prec == 0 ? 1 : prec, a);
          body = buf;
        } else {
          body = python_float_repr(a);
        }
        break;
      default:
        throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Unknown format code '" +
                         std::string(1, sp.type) + "' for object of type '" + (is_int ? "int" : "float") +
                         "' (field '" + field + "')");
    }
    if (std::isnan(v)) body = sp.type == 'F' || sp.type == 'E' || sp.type == 'G' ? "NAN" : "nan";
    else if (std::isinf(v)) body = sp.type == 'F' || sp.type == 'E' || sp.type == 'G' ? "INF" : "inf";
  }
  if (sp.comma) body = group_thousands(body);
  std::string sign = negative ? "-" : (sp.sign == '+' ? "+" : (sp.sign == ' ' ? " " : ""));
  const std::size_t len = sign.size() + body.size();
  if (static_cast<int>(len) >= sp.width) return sign + body;
  const std::size_t pad = static_cast<std::size_t>(sp.width) - len;
  char align = sp.align, fill = sp.fill;
  if (align == 0 && sp.zero) {
    align = '=';
    fill = '0';
  }
  if (align == 0) align = '>';
  switch (align) {
    case '<': return sign + body + std::string(pad, fill);
    case '^': return std::string(pad / 2, fill) + sign + body + std::string(pad - pad / 2, fill);
    case '=': return sign + std::string(pad, fill) + body;
    default: return std::string(pad, fill) + sign + body;
  }
}

}  // namespace

std::string format_filepath(const std::string& pattern, int epoch, std::optional<std::int64_t> batch,
                            const Logs& logs) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '}') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const auto close = pattern.find('}', i);
    if (close == std::string::npos)
      throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: Single '{' encountered in format string");
    const std::string field = pattern.substr(i + 1, close - i - 1);
    const auto colon = field.find(':');
    std::string name = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    if (const auto bang = name.find('!'); bang != std::string::npos) name = name.substr(0, bang);
    std::variant<std::int64_t, double> value;
    if (name == "epoch") {
      value = static_cast<std::int64_t>(epoch);
    } else if (name == "batch" && batch) {
      value = *batch;
    } else if (auto it = logs.find(name); it != logs.end()) {
      value = it->second;
    } else {
      throw ValueError("Failed to format this callback filepath: \"" + pattern + "\". Reason: '" + name + "'");
    }
    out += apply_spec(value, parse_spec(spec, pattern), pattern, name);
    i = close;
  }
  return out;
}

}  // namespace detail

// ---- ModelCheckpoint ------------------------------------------------------------------------

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

ModelCheckpoint::ModelCheckpoint(std::string filepath, Options options)
    : filepath_(std::move(filepath)), options_(std::move(options)) {
  detail::check_mode(options_.mode, "ModelCheckpoint");
  if (options_.save_weights_only) {
    if (!ends_with(filepath_, ".weights.h5") && !ends_with(filepath_, ".h5") && !ends_with(filepath_, ".hdf5"))
      throw ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                       "`.weights.h5` (Keras weights format). Received: filepath=" + filepath_);
  } else if (ends_with(filepath_, ".weights.h5") ||
             !(ends_with(filepath_, ".keras") || ends_with(filepath_, ".h5") || ends_with(filepath_, ".hdf5"))) {
    throw ValueError("The filepath provided must end in `.keras` (Keras model format). Received: filepath=" + filepath_);
  }
  best_ = options_.initial_value_threshold;
}

void ModelCheckpoint::on_epoch_begin(int epoch, const Logs&) { current_epoch_ = epoch; }

bool ModelCheckpoint::should_save_on_batch(std::int64_t batch) {
  if (options_.save_freq.per_epoch()) return false;
  const std::int64_t add = batch <= last_batch_seen_ ? batch + 1 : batch - last_batch_seen_;  // new epoch?
  batches_since_save_ += add;
  last_batch_seen_ = batch;
  if (batches_since_save_ >= options_.save_freq.batches()) {
    batches_since_save_ = 0;
    return true;
  }
  return false;
}

void ModelCheckpoint::on_train_batch_end(std::int64_t batch, const Logs& logs) {
  if (should_save_on_batch(batch)) save(current_epoch_, batch, logs);
}

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
  if (options_.save_freq.per_epoch()) save(epoch, std::nullopt, logs);
}

bool ModelCheckpoint::should_save(int epoch, const Logs& logs, const std::string& path) {
  if (!options_.save_best_only) {
    if (options_.verbose > 0) {
      std::printf("\nEpoch %d: saving model to %s\n", epoch + 1, path.c_str());
      std::fflush(stdout);
    }
    return true;
  }
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    spdlog::warn("Can save best model only with {} available.", options_.monitor);
    return true;
  }
  if (!greater_) greater_ = detail::monitor_greater(model(), options_.mode, options_.monitor, "ModelCheckpoint");
  const double current = it->second;
  char best_str[64];
  if (best_) std::snprintf(best_str, sizeof best_str, "%.5f", *best_);
  else std::snprintf(best_str, sizeof best_str, "None");
  const bool improved = !best_ || (*greater_ ? current > *best_ : current < *best_);
  if (improved) {
    if (options_.verbose > 0) {
      std::printf("\nEpoch %d: %s improved from %s to %.5f, saving model to %s\n", epoch + 1, options_.monitor.c_str(),
                  best_str, current, path.c_str());
      std::fflush(stdout);
    }
    best_ = current;
    return true;
  }
  if (options_.verbose > 0) {
    std::printf("\nEpoch %d: %s did not improve from %s\n", epoch + 1, options_.monitor.c_str(), best_str);
    std::fflush(stdout);
  }
  return false;
}

void ModelCheckpoint::save(int epoch, std::optional<std::int64_t> batch, const Logs& logs) {
  const std::string path =
      detail::format_filepath(filepath_, epoch + 1, batch ? std::optional<std::int64_t>(*batch + 1) : std::nullopt, logs);
  if (!should_save(epoch, logs, path)) return;
  if (std::filesystem::is_directory(path))
    throw IOError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                  "directory: " + path);
  if (model() == nullptr) throw StateError("ModelCheckpoint: no model is set (use it through fit())");
  if (options_.save_weights_only) save_weights(*model(), path);
  else save_model(*model(), path);
  last_saved_ = path;
}

}  // namespace temper::callbacks
