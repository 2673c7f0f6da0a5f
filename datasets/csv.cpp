// csv.cpp — numeric CSV tables to feature/label tensors (the pandas.read_csv step of the
// Keras structured-data examples).
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "datasets/gzio.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"

namespace temper::datasets {
namespace {

// Physical lines of a (possibly gzipped) file, read in 1 MiB pieces so that memory holds one
// line at a time, never the whole file; a line longer than io::kMaxLineBytes is an error
// (a 1 GiB "line" in a small .csv.gz is damage, not a table).
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& path) : in_(path), file_(path.string()) {}

  /// The next line without its '\n' (and '\r'); false at the end of the file.
  bool next(std::string& line, std::size_t& number) {
    for (;;) {
      const std::size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos || (eof_ && pos_ < buf_.size())) {
        const std::size_t end = nl == std::string::npos ? buf_.size() : nl;
        line.assign(buf_, pos_, end - pos_);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        pos_ = nl == std::string::npos ? buf_.size() : nl + 1;
        number = ++number_;
        return true;
      }
      if (eof_) return false;
      buf_.erase(0, pos_);
      pos_ = 0;
      if (buf_.size() > io::kMaxLineBytes)
        throw IOError(file_ + ":" + std::to_string(number_ + 1) + ": line longer than " +
                      std::to_string(io::kMaxLineBytes >> 20) + " MiB, the limit for one CSV line");
      const std::size_t old = buf_.size();
      buf_.resize(old + kPiece);
      const std::size_t r = in_.read(buf_.data() + old, kPiece);
      buf_.resize(old + r);
      if (r == 0) eof_ = true;
    }
  }

 private:
  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  detail::GzReader in_;
  std::string file_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
  bool eof_ = false;
};

bool is_space(char c, char delimiter) { return (c == ' ' || c == '\t') && c != delimiter; }

std::string_view trim(std::string_view s, char delimiter) {
  while (!s.empty() && is_space(s.front(), delimiter)) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back(), delimiter)) s.remove_suffix(1);
  return s;
}

struct Line {
  std::string_view text;
  std::size_t number;  // 1-based physical line, for messages
};

// Splits one record. Quoted fields may contain the delimiter and doubled quotes, but not line
// breaks: numeric tables never need them, and supporting them would make line numbers in
// messages lie.
std::vector<std::string> split_fields(const Line& line, char delimiter, const std::string& file) {
  std::vector<std::string> fields;
  std::string_view s = line.text;
  std::size_t i = 0;
  for (;;) {
    while (i < s.size() && is_space(s[i], delimiter)) ++i;
    std::string field;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += s[i++];
      }
      if (!closed) {
        throw IOError(file + ":" + std::to_string(line.number) + ": unterminated quoted field");
      }
      while (i < s.size() && is_space(s[i], delimiter)) ++i;
      if (i < s.size() && s[i] != delimiter) {
        throw IOError(file + ":" + std::to_string(line.number) +
                      ": unexpected character after a closing quote");
      }
    } else {
      const std::size_t start = i;
      while (i < s.size() && s[i] != delimiter) ++i;
      field = std::string(trim(s.substr(start, i - start), delimiter));
    }
    fields.push_back(std::move(field));
    if (i >= s.size()) break;
    ++i;  // the delimiter; a trailing one yields a final empty field, as in pandas
  }
  return fields;
}

bool parse_int(std::string_view s, long long& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  // out-of-range (1e999) is reported as not a number rather than silently becoming inf.
  return ec == std::errc() && p == s.data() + s.size();
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += detail::in_quotes(names[i]);
  }
  return out;
}

// A column given by name, or failing that by position (negative from the end), so that both
// "alcohol" and "-1" work and header-less files stay usable.
std::size_t resolve_column(const std::string& spec, const std::vector<std::string>& names,
                           const std::string& file, const char* role) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == spec) return i;
  }
  long long idx = 0;
  if (parse_int(spec, idx)) {
    const auto n = static_cast<long long>(names.size());
    if (idx < 0) idx += n;
    if (idx >= 0 && idx < n) return static_cast<std::size_t>(idx);
  }
  throw ValueError(file + ": unknown " + role + " column '" + spec + "'; available columns (by "
                   "name, or by position 0.." + std::to_string(names.size() - 1) +
                   " / -1..-" + std::to_string(names.size()) + "): " + join_names(names));
}

}  // namespace

CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  const std::string file = path.string();
  LineReader reader(path);

  // Physical lines, skip_rows dropped, blank lines ignored (pandas skip_blank_lines).
  std::string text;
  Line line;
  auto next_line = [&]() {
    while (reader.next(text, line.number)) {
      if (line.number <= options.skip_rows) continue;
      if (trim(text, '\0').empty()) continue;
      line.text = text;
      return true;
    }
    return false;
  };
  if (!next_line()) {
    throw IOError(detail::in_quotes(file) + " is empty" +
                  (options.skip_rows > 0
                       ? " after skipping " + std::to_string(options.skip_rows) + " row(s)"
                       : std::string()));
  }
  std::vector<std::string> names;
  if (options.header) {
    names = split_fields(line, options.delimiter, file);
    const std::size_t header_line = line.number;
    if (!next_line()) {
      throw IOError(detail::in_quotes(file) + " has a header (line " + std::to_string(header_line) +
                    ") but no data rows");
    }
  } else {
    const std::size_t n = split_fields(line, options.delimiter, file).size();
    for (std::size_t i = 0; i < n; ++i) names.push_back(std::to_string(i));
  }
  const std::size_t ncols = names.size();

  std::optional<std::size_t> label_col;
  if (options.label_column) label_col = resolve_column(*options.label_column, names, file, "label");
  std::vector<std::size_t> feature_cols;
  if (options.feature_columns.empty()) {
    for (std::size_t i = 0; i < ncols; ++i) {
      if (!label_col || i != *label_col) feature_cols.push_back(i);
    }
  } else {
    for (const std::string& spec : options.feature_columns) {
      feature_cols.push_back(resolve_column(spec, names, file, "feature"));
    }
  }
  if (feature_cols.empty()) {
    throw ValueError(file + ": no feature columns left (the only column is the label)");
  }

  const std::size_t nfeat = feature_cols.size();
  std::size_t nrows = 0;
  std::vector<float> x;
  std::vector<std::int32_t> y_class;
  std::vector<float> y_value;

  auto cell_error = [&](const Line& line, std::size_t col, const std::string& cell,
                        const std::string& what) {
    return IOError(file + ":" + std::to_string(line.number) + ": column '" + names[col] + "': " +
                   (cell.empty() ? std::string("empty cell, expected a number")
                                 : detail::in_quotes(cell) + " " + what));
  };

  // `line` holds the first data row here.
  for (bool more = true; more; more = next_line()) {
    ++nrows;
    const std::vector<std::string> fields = split_fields(line, options.delimiter, file);
    if (fields.size() != ncols) {
      throw IOError(file + ":" + std::to_string(line.number) + ": expected " +
                    std::to_string(ncols) + " fields, found " + std::to_string(fields.size()));
    }
    for (std::size_t c : feature_cols) {
      double v = 0.0;
      if (!parse_double(fields[c], v)) throw cell_error(line, c, fields[c], "is not a number");
      x.push_back(static_cast<float>(v));
    }
    if (label_col) {
      const std::string& cell = fields[*label_col];
      double v = 0.0;
      if (!parse_double(cell, v)) throw cell_error(line, *label_col, cell, "is not a number");
      if (options.label_is_class) {
        if (!std::isfinite(v) || v != std::floor(v) ||
            v < static_cast<double>(std::numeric_limits<std::int32_t>::min()) ||
            v > static_cast<double>(std::numeric_limits<std::int32_t>::max())) {
          throw cell_error(line, *label_col, cell,
                           "is not an integer class label (set CsvOptions::label_is_class = "
                           "false for regression targets)");
        }
        y_class.push_back(static_cast<std::int32_t>(v));
      } else {
        y_value.push_back(static_cast<float>(v));
      }
    }
  }

  CsvData out;
  out.x = Tensor::from_vector(x, Shape{static_cast<std::int64_t>(nrows),
                                       static_cast<std::int64_t>(nfeat)});
  if (label_col) {
    out.y = options.label_is_class ? Tensor::from_vector(y_class) : Tensor::from_vector(y_value);
    out.label_name = names[*label_col];
  }
  out.feature_names.reserve(nfeat);
  for (std::size_t c : feature_cols) out.feature_names.push_back(names[c]);
  return out;
}

}  // namespace temper::datasets
