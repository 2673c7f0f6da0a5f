// report.hpp — the run directory's history table and its self-contained report.html.
#pragma once
#include <string>
#include <vector>

#include "temper/config.hpp"

namespace temper::cli {

/// The per-epoch table CSVLogger writes (`history.csv`): column names and rows of values
/// (NA and unparsable cells are NaN).
struct HistoryTable {
  std::vector<std::string> columns{};
  std::vector<std::vector<double>> rows{};
  /// The values of one column (empty if absent).
  std::vector<double> column(const std::string& name) const;
};

/// Reads a history.csv (comma-separated, header first). A missing file gives an empty table.
HistoryTable read_history_csv(const std::string& path);

/// What report.html shows.
struct ReportInput {
  std::string title{};           ///< e.g. the config file name
  std::string status{};          ///< "completed", "stopped early at epoch 4", ...
  std::string data_description{};
  std::string summary{};         ///< model.summary() text
  std::string config_yaml{};     ///< the resolved config
  Config final_metrics = Config::object();  ///< {"train": {...}, "test": {...}}
  HistoryTable history{};
  std::vector<std::string> files{};  ///< files of the run directory
};

/// An inline SVG line chart of the given series over epochs (one chart per quantity; train
/// and validation series share it). Non-finite values are skipped.
std::string svg_chart(const std::string& title, const std::vector<double>& epochs,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series);

/// The complete report page: summary, config, final metrics and one inline SVG chart per
/// logged quantity (loss, accuracy, ... with their val_ counterparts). No external resources.
std::string render_report(const ReportInput& input);

/// Escapes &, <, >, " and ' for HTML.
std::string html_escape(const std::string& text);

}  // namespace temper::cli
