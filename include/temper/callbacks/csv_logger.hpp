// csv_logger.hpp — stream epoch results to a CSV file (Keras: keras.callbacks.CSVLogger).
#pragma once
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "temper/callbacks.hpp"

namespace temper {
template <class Options> class Arguments;  // temper/arguments.hpp
}  // namespace temper

namespace temper::callbacks {

/// Arguments of CSVLogger, with Keras's defaults.
struct CSVLoggerOptions {
  char separator = ',';  ///< the field delimiter
  bool append = false;   ///< append to an existing file instead of overwriting it
};

/// Writes one CSV row per epoch (Keras: keras.callbacks.CSVLogger). The columns are `epoch`
/// (0-based) then the first epoch's log keys sorted; when those contain no `val_*` key,
/// `val_<key>` columns are appended anyway and filled with `NA`, as Keras does. Lines end
/// with "\r\n" (Python's csv.excel dialect), floats are written as Python's repr, and each
/// row is flushed. The header is written unless appending to a file whose first line is not
/// empty. Opening or writing the file fails with IOError naming the path.
class CSVLogger : public Callback {
 public:
  using Options = CSVLoggerOptions;
  /// The constructor arguments as the registry reads them (arguments.hpp).
  static const Arguments<Options>& arguments();
  explicit CSVLogger(std::string filename, Options options = {});
  ~CSVLogger() override;
  CSVLogger(const CSVLogger&) = delete;
  CSVLogger& operator=(const CSVLogger&) = delete;

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  const std::string& filename() const noexcept { return filename_; }

 private:
  void open();
  void write_line(const std::vector<std::string>& fields);

  std::string filename_;
  Options options_;
  std::ofstream file_;
  bool append_header_ = true;
  std::optional<std::vector<std::string>> keys_{};
  bool header_done_ = false;
};

}  // namespace temper::callbacks
