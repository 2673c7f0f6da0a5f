// csv_logger.cpp — Keras CSVLogger (csv.excel dialect: "\r\n" line ends, minimal quoting).
#include "temper/callbacks/csv_logger.hpp"

#include "temper/callbacks/registry.hpp"

#include <filesystem>
#include <utility>

#include "temper/callbacks/early_stopping.hpp"
#include "temper/error.hpp"

namespace temper::callbacks {

const Arguments<CSVLogger::Options>& CSVLogger::arguments() {
  using O = CSVLoggerOptions;
  static const auto args =
      Arguments<O>("CSVLogger").extra("filename").add("separator", &O::separator).add("append", &O::append);
  return args;
}

namespace {
const CallbackRegistration<CSVLogger> registered{
    "CSVLogger", [](ArgReader& r, CSVLoggerOptions o) -> CallbackPtr {
      return std::make_shared<CSVLogger>(r.required<std::string>("filename"), o);
    }};
}  // namespace

CSVLogger::CSVLogger(std::string filename, Options options)
    : filename_(std::move(filename)), options_(options) {
  if (filename_.empty()) throw ValueError("CSVLogger: filename is empty");
  if (options_.separator == '"' || options_.separator == '\r' || options_.separator == '\n')
    throw ValueError(std::string("CSVLogger: separator cannot be a quote or a line break. ") +
                     "Received: separator=" + (options_.separator == '"' ? "'\"'" : "a line break"));
}

CSVLogger::~CSVLogger() = default;

void CSVLogger::open() {
  append_header_ = true;
  if (options_.append) {
    std::ifstream in(filename_, std::ios::binary);
    if (in) {
      std::string first;
      std::getline(in, first);
      append_header_ = first.empty();  // Keras: header only when the first line is empty
    }
  }
  file_.close();
  file_.clear();
  file_.open(filename_, std::ios::binary | (options_.append ? std::ios::app : std::ios::trunc));
  if (!file_) throw IOError("CSVLogger: cannot open '" + filename_ + "' for writing");
  keys_.reset();
  header_done_ = false;
}

void CSVLogger::on_train_begin(const Logs&) { open(); }

void CSVLogger::write_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += options_.separator;
    const std::string& f = fields[i];
    if (f.find_first_of(std::string{options_.separator, '"', '\r', '\n'}) != std::string::npos) {
      line += '"';
      for (char c : f) line += c == '"' ? std::string("\"\"") : std::string(1, c);
      line += '"';
    } else {
      line += f;
    }
  }
  line += "\r\n";
  file_ << line;
  file_.flush();
  if (!file_) throw IOError("CSVLogger: cannot write to '" + filename_ + "'");
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
  if (!file_.is_open()) open();
  if (!keys_) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : logs) keys.push_back(k);  // Logs is sorted by key
    bool has_val = false;
    for (const auto& k : keys) has_val = has_val || k.rfind("val_", 0) == 0;
    // Keras: with validation_freq > 1 the first epoch has no val_ keys; add them anyway.
    if (!has_val && !keys.empty()) {
      const std::size_t n = keys.size();
      for (std::size_t i = 0; i < n; ++i) keys.push_back("val_" + keys[i]);
    }
    keys_ = std::move(keys);
  }
  if (!header_done_) {
    if (append_header_) {
      std::vector<std::string> header{"epoch"};
      header.insert(header.end(), keys_->begin(), keys_->end());
      write_line(header);
    }
    header_done_ = true;
  }
  std::vector<std::string> row{std::to_string(epoch)};
  for (const auto& k : *keys_) {
    auto it = logs.find(k);
    row.push_back(it == logs.end() ? "NA" : detail::python_float_repr(it->second));
  }
  write_line(row);
}

void CSVLogger::on_train_end(const Logs&) {
  file_.close();
  header_done_ = false;
  keys_.reset();
}

}  // namespace temper::callbacks
