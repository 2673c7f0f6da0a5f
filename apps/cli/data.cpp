// data.cpp — loading the data a CLI config describes.
#include "cli/data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "temper/backend.hpp"
#include "temper/datasets.hpp"
#include "temper/datasets/labels.hpp"
#include "temper/datasets/npy.hpp"
#include "temper/error.hpp"

namespace temper::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSources = {"fashion_mnist", "idx", "csv", "npy"};
const std::vector<std::string> kCommon = {"fashion_mnist", "idx", "csv", "npy", "limit", "test_limit",
                                          "test_split", "rescale", "standardize", "allow_non_finite"};
const std::vector<std::string> kArrayKeys = {"x", "y", "test_x", "test_y", "validation_x", "validation_y"};
const std::vector<std::string> kCsvKeys = {"path", "labels_path", "test_path", "test_labels_path",
                                           "validation_path", "validation_labels_path", "delimiter",
                                           "header", "skip_rows", "label_column", "feature_columns",
                                           "label_is_class"};

std::string source_of(const Field& data) {
  std::string found;
  for (const auto& s : kSources) {
    if (!data[s].node().IsDefined()) continue;
    if (!found.empty()) data[s].fail("give exactly one data source; found both '" + found + "' and '" + s + "'");
    found = s;
  }
  if (found.empty())
    data.fail("no data source: add one of fashion_mnist, idx, csv or npy (see docs/cli.md)");
  return found;
}

bool is_idx_name(const std::string& p) {
  return p.find("-idx") != std::string::npos || p.ends_with(".idx") || p.ends_with(".gz");
}

const char* const kAllowHint = " (set data.allow_non_finite: true to train on NaN/inf values)";

bool all_finite(const Tensor& t) { return !t.defined() || !is_floating(t.dtype()) || t.backend().all_finite(t); }

// The flat index of the first NaN/inf element of a floating tensor (one that all_finite rejected).
std::size_t first_non_finite(const Tensor& t) {
  const auto v = t.astype(DType::Float64).to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return i;
  return v.size();
}

std::string value_text(double v) {
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

// NaN/inf in an array file: "x.npy:[4, 1]: nan is not a finite number".
void require_finite_array(const Tensor& t, const Field& f, const fs::path& file) {
  if (all_finite(t)) return;
  std::size_t flat = first_non_finite(t);
  const double v = t.astype(DType::Float64).to_vector<double>()[flat];
  std::vector<std::int64_t> index(t.shape().size());
  for (std::size_t d = index.size(); d-- > 0;) {
    const auto n = static_cast<std::size_t>(t.shape()[d]);
    index[d] = static_cast<std::int64_t>(flat % n);
    flat /= n;
  }
  std::string where;
  for (std::size_t d = 0; d < index.size(); ++d) where += (d ? ", " : "") + std::to_string(index[d]);
  f.fail(file.string() + ":[" + where + "]: " + value_text(v) + " is not a finite number" + kAllowHint);
}

// The text of a plain CSV file, or nullopt for a compressed one (whose lines cannot be counted
// without decompressing it again).
std::optional<std::string> plain_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(2, '\0');
  if (!in.read(head.data(), 2) || (static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b))
    return std::nullopt;
  std::ostringstream ss;
  ss << head << in.rdbuf();
  return ss.str();
}

struct CsvCell {
  std::size_t column = 0;  // 1-based character column of the field's first byte
  std::string text;        // trimmed and unquoted
};

std::vector<CsvCell> split_cells(std::string_view line, char delimiter) {
  std::vector<CsvCell> out;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] == '"') quoted = !quoted;
    if (i < line.size() && (quoted || line[i] != delimiter)) continue;
    std::string cell(line.substr(start, i - start));
    std::size_t lead = 0;
    while (lead < cell.size() && (cell[lead] == ' ' || cell[lead] == '\t')) ++lead;
    cell.erase(0, lead);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.pop_back();
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
    out.push_back({start + lead + 1, cell});
    start = i + 1;
  }
  return out;
}

bool finite_float32(const std::string& cell) {
  char* end = nullptr;
  const double v = std::strtod(cell.c_str(), &end);
  return std::isfinite(static_cast<float>(v));
}

// NaN/inf (or a value beyond float32) in a CSV table, reported as file:line:column. The reader
// returns rows without their line numbers, so the offending row's line is found again in the
// text, skipping what the reader skips (skip_rows, blank lines, the header).
void require_finite_csv(const datasets::CsvData& d, const datasets::CsvOptions& o, const Field& f,
                        const fs::path& file) {
  if (all_finite(d.x) && all_finite(d.y)) return;
  const std::size_t nfeat = d.x.rank() == 2 ? static_cast<std::size_t>(d.x.dim(1)) : 1;
  std::size_t row = all_finite(d.x) ? std::numeric_limits<std::size_t>::max() : first_non_finite(d.x) / nfeat;
  if (!all_finite(d.y)) row = std::min(row, first_non_finite(d.y));
  const std::string fallback = file.string() + ": data row " + std::to_string(row + 1) +
                               " holds a value that is not a finite number" + kAllowHint;
  const auto text = plain_text(file);
  if (!text) f.fail(fallback);
  std::vector<std::string> used = d.feature_names;
  if (!d.label_name.empty()) used.push_back(d.label_name);
  std::istringstream in(*text);
  std::string line;
  std::size_t number = 0, data_rows = 0;
  std::vector<std::string> names;
  bool header_pending = o.header;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (number <= o.skip_rows || line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto cells = split_cells(line, o.delimiter);
    if (header_pending) {
      for (const auto& c : cells) names.push_back(c.text);
      header_pending = false;
      continue;
    }
    if (data_rows++ != row) continue;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string name = o.header && i < names.size() ? names[i] : std::to_string(i);
      if (std::find(used.begin(), used.end(), name) == used.end() || finite_float32(cells[i].text)) continue;
      f.fail(file.string() + ":" + std::to_string(number) + ":" + std::to_string(cells[i].column) + ": column '" +
             name + "': '" + cells[i].text + "' is not a finite number" + kAllowHint);
    }
    break;
  }
  f.fail(fallback);
}

Tensor read_tensor_file(const Field& f, const fs::path& base, bool allow_non_finite) {
  const fs::path p = resolve_path(f, base);
  try {
    const std::string s = p.string();
    Tensor t;
    if (s.ends_with(".npy")) t = datasets::read_npy(p);
    else if (is_idx_name(s)) t = datasets::read_idx(p);
    if (t.defined()) {
      if (!allow_non_finite) require_finite_array(t, f, p);
      return t;
    }
    f.fail("'" + s + "': unknown array file type (expected .npy or an IDX file such as train-images-idx3-ubyte.gz)");
  } catch (const ConfigIssue&) {
    throw;
  } catch (const Error& e) {
    f.fail(e.what());
  }
}

Tensor labels_to_class(const Tensor& y, const Field& f) {
  try {
    return datasets::class_labels(y, f.path());
  } catch (const Error& e) {
    f.fail(std::string(e.what()) + " (set label_is_class: false for regression targets)");
  }
}

XY read_arrays(const Field& src, const fs::path& base, const std::string& xk, const std::string& yk,
               bool allow_non_finite) {
  XY out;
  out.x = read_tensor_file(src[xk], base, allow_non_finite);
  if (src[yk].present()) {
    out.y = read_tensor_file(src[yk], base, allow_non_finite);
    if (out.y.rank() == 0 || out.y.dim(0) != out.x.dim(0))
      src[yk].fail("has " + std::to_string(out.y.rank() ? out.y.dim(0) : 0) + " rows but " + xk + " has " +
                   std::to_string(out.x.dim(0)));
  }
  return out;
}

XY read_csv_part(const Field& src, const fs::path& base, const std::string& pk, const std::string& lk,
                 bool allow_non_finite) {
  datasets::CsvOptions o;
  const std::string delim = src.get_string("delimiter", ",");
  if (delim.size() != 1) src["delimiter"].fail("expected a single character, found '" + delim + "'");
  o.delimiter = delim[0];
  o.header = src.get_bool("header", true);
  const auto skip = src.get_int("skip_rows", 0);
  if (skip < 0) src["skip_rows"].fail("must be >= 0");
  o.skip_rows = static_cast<std::size_t>(skip);
  const bool separate_labels = src["labels_path"].present();
  o.label_is_class = src.get_bool("label_is_class", true);
  if (!separate_labels) o.label_column = src["label_column"].present() ? src["label_column"].as_string() : "-1";
  if (src["feature_columns"].present()) o.feature_columns = src["feature_columns"].as_string_list();
  XY out;
  const Field pf = src[pk];
  datasets::CsvData d;
  try {
    d = datasets::read_csv(resolve_path(pf, base), o);
    out.x = d.x;
    out.y = d.y;
  } catch (const Error& e) {
    const std::string m = e.what();
    if (m.find("label column") != std::string::npos && src["label_column"].present()) src["label_column"].fail(m);
    if (m.find("feature column") != std::string::npos && src["feature_columns"].present())
      src["feature_columns"].fail(m);
    pf.fail(m);
  }
  if (!allow_non_finite) require_finite_csv(d, o, pf, resolve_path(pf, base));
  if (separate_labels) {
    const Field lf = src[lk];
    if (!lf.present()) src.fail("'" + pk + "' needs '" + lk + "' too, since labels_path is given");
    datasets::CsvOptions lo;
    lo.delimiter = o.delimiter;
    lo.header = false;
    try {
      auto ld = datasets::read_csv(resolve_path(lf, base), lo);
      if (ld.x.rank() != 2 || ld.x.dim(1) != 1)
        lf.fail("a labels file must have exactly one column, found " + std::to_string(ld.x.dim(1)));
      if (!allow_non_finite) require_finite_csv(ld, lo, lf, resolve_path(lf, base));
      out.y = ld.x.reshape({ld.x.dim(0)});
    } catch (const ConfigIssue&) {
      throw;
    } catch (const Error& e) {
      lf.fail(e.what());
    }
    if (out.y.dim(0) != out.x.dim(0))
      lf.fail("has " + std::to_string(out.y.dim(0)) + " rows but " + pk + " has " + std::to_string(out.x.dim(0)));
    out.y = o.label_is_class ? labels_to_class(out.y, lf) : out.y.astype(DType::Float32);
  }
  return out;
}

Tensor limit_rows(const Tensor& t, std::int64_t n) {
  if (!t.defined() || t.dim(0) <= n) return t;
  return t.slice_rows(0, n);
}

// Per-feature mean and population std of a float32 (N, ...) tensor.
std::pair<std::vector<double>, std::vector<double>> moments(const Tensor& x) {
  const auto v = x.to_vector<float>();
  const std::int64_t n = x.dim(0);
  const std::size_t f = n ? v.size() / static_cast<std::size_t>(n) : 0;
  std::vector<double> mean(f, 0.0), var(f, 0.0);
  if (f == 0) return {mean, var};  // no values: the loops below would still count n rows
  for (std::int64_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f; ++j) mean[j] += v[static_cast<std::size_t>(i) * f + j];
  for (auto& m : mean) m /= static_cast<double>(std::max<std::int64_t>(n, 1));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      const double d = v[static_cast<std::size_t>(i) * f + j] - mean[j];
      var[j] += d * d;
    }
  for (auto& s : var) {
    s = std::sqrt(s / static_cast<double>(std::max<std::int64_t>(n, 1)));
    if (s == 0.0) s = 1.0;
  }
  return {mean, var};
}

std::string shape_text(const Tensor& t) { return t.defined() ? shape_to_string(t.shape()) : "-"; }

// apply_preprocessing without the checks of a file's values (load_data computed them itself).
Tensor preprocess(const Config& pre, const Tensor& x);

}  // namespace

fs::path resolve_path(const Field& f, const fs::path& base) {
  const fs::path p = f.as_string();
  if (p.is_absolute()) return p;
  if (!f.location().override_arg.empty()) return p;
  return base / p;
}

void check_data_section(const Field& data) {
  if (!data.present()) data.fail("missing section: add a data section (see docs/cli.md)");
  data.allow_only(kCommon);
  const std::string src = source_of(data);
  const Field s = data[src];
  if (s.present() && !s.is_map()) s.wrong_type("a mapping");
  if (src == "fashion_mnist") s.allow_only({"dir"});
  if (src == "idx" || src == "npy") {
    s.allow_only(kArrayKeys);
    if (!s["x"].present()) s.fail("missing key 'x' (the training inputs file)");
    for (const auto& k : kArrayKeys)
      if (s[k].present()) (void)s[k].as_string();
  }
  if (src == "csv") {
    s.allow_only(kCsvKeys);
    if (!s["path"].present()) s.fail("missing key 'path' (the training CSV file)");
    (void)s.get_bool("header", true);
    (void)s.get_bool("label_is_class", true);
    (void)s.get_int("skip_rows", 0);
  }
  if (data["limit"].present() && data["limit"].as_int() <= 0) data["limit"].fail("must be a positive integer");
  if (data["test_limit"].present() && data["test_limit"].as_int() <= 0)
    data["test_limit"].fail("must be a positive integer");
  if (data["test_split"].present()) {
    const double t = data["test_split"].as_number();
    if (!(t > 0.0 && t < 1.0)) data["test_split"].fail("must be a fraction in (0, 1)");
  }
  if (data["rescale"].present()) (void)data["rescale"].as_number();
  (void)data.get_bool("standardize", false);
  (void)data.get_bool("allow_non_finite", false);
}

LoadedData load_data(const Field& data, const fs::path& base, std::uint64_t seed) {
  check_data_section(data);
  const std::string src = source_of(data);
  const Field s = data[src];
  const bool allow_nf = data.get_bool("allow_non_finite", false);
  LoadedData out;
  if (src == "fashion_mnist") {
    std::optional<fs::path> dir;
    if (s["dir"].present()) dir = resolve_path(s["dir"], base);
    try {
      auto tt = datasets::fashion_mnist::load(dir);
      out.train = {tt.train.x, tt.train.y};
      out.test = XY{tt.test.x, tt.test.y};
    } catch (const Error& e) {
      (s.present() ? s : data[src]).fail(e.what());
    }
  } else if (src == "idx" || src == "npy") {
    out.train = read_arrays(s, base, "x", "y", allow_nf);
    if (s["test_x"].present()) out.test = read_arrays(s, base, "test_x", "test_y", allow_nf);
    if (s["validation_x"].present()) out.validation = read_arrays(s, base, "validation_x", "validation_y", allow_nf);
    for (auto* part : {&out.train, out.test ? &*out.test : nullptr, out.validation ? &*out.validation : nullptr}) {
      if (part && part->y.defined() && part->y.dtype() == DType::UInt8) part->y = part->y.astype(DType::Int32);
    }
  } else {
    out.train = read_csv_part(s, base, "path", "labels_path", allow_nf);
    if (s["test_path"].present()) out.test = read_csv_part(s, base, "test_path", "test_labels_path", allow_nf);
    if (s["validation_path"].present())
      out.validation = read_csv_part(s, base, "validation_path", "validation_labels_path", allow_nf);
  }
  if (!out.train.y.defined()) data[src].fail("the training data has no targets (give y / a label column)");
  // A zero extent makes an empty array whatever the others declare (an IDX header may say
  // (4294967295, 0)): refused here, before anything loops over its rows.
  if (out.train.x.numel() == 0)
    data[src].fail("the training inputs hold no values (shape " + shape_text(out.train.x) + ")");
  if (data["limit"].present()) {
    const auto n = data["limit"].as_int();
    out.train = {limit_rows(out.train.x, n), limit_rows(out.train.y, n)};
  }
  if (data["test_split"].present()) {
    if (out.test) data["test_split"].fail("the data already has a test part; remove test_split or the test files");
    try {
      auto tt = datasets::train_test_split(out.train.x, out.train.y, data["test_split"].as_number(), seed);
      out.train = {tt.train.x, tt.train.y};
      out.test = XY{tt.test.x, tt.test.y};
    } catch (const Error& e) {
      data["test_split"].fail(e.what());
    }
  }
  if (out.test && data["test_limit"].present()) {
    const auto n = data["test_limit"].as_int();
    out.test = XY{limit_rows(out.test->x, n), limit_rows(out.test->y, n)};
  }
  // Preprocessing: float32, rescale, standardise with the training statistics.
  Config pre = Config::object();
  if (data["rescale"].present()) pre["rescale"] = data["rescale"].as_number();
  if (data.get_bool("standardize", false)) {
    Tensor scaled = preprocess(pre, out.train.x);
    auto [mean, std] = moments(scaled);
    pre["mean"] = mean;
    pre["std"] = std;
  }
  out.preprocessing = pre;
  out.train.x = preprocess(pre, out.train.x);
  if (out.validation) out.validation->x = preprocess(pre, out.validation->x);
  if (out.test) out.test->x = preprocess(pre, out.test->x);
  out.description = src + ": train x " + shape_text(out.train.x) + " y " + shape_text(out.train.y);
  if (out.validation) out.description += ", validation x " + shape_text(out.validation->x);
  if (out.test) out.description += ", test x " + shape_text(out.test->x) + " y " + shape_text(out.test->y);
  return out;
}

namespace {

// Preprocessing as load_data computes it (rescale from the config, moments of the data).
Tensor preprocess(const Config& pre, const Tensor& x) {
  Tensor out = x.dtype() == DType::Float32 ? x : x.astype(DType::Float32);
  if (pre.contains("rescale")) out = out * pre["rescale"].get<double>();
  if (pre.contains("mean") && pre.contains("std")) {
    const auto mean = pre["mean"].get<std::vector<double>>();
    const auto std = pre["std"].get<std::vector<double>>();
    auto v = out.to_vector<float>();
    const std::size_t f = mean.size();
    const std::size_t per_row = out.dim(0) ? v.size() / static_cast<std::size_t>(out.dim(0)) : f;
    if (f == 0 || per_row != f || std.size() != f)
      throw ShapeError("the saved standardisation has " + std::to_string(f) + " features but the inputs have " +
                       std::to_string(per_row) + " per sample");
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((v[i] - mean[i % f]) / std[i % f]);
    out = Tensor::from_vector(v, out.shape());
  }
  return out;
}

// Saved preprocessing comes from a file (preprocessing.json beside a model, or --preprocessing):
// its values are checked before they are used.
[[noreturn]] void bad_preprocessing(const std::string& what, const Config& found) {
  std::string text = found.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  throw ConfigError("the saved preprocessing (preprocessing.json): " + what + ", found " + text);
}

void check_number_list(const Config& pre, const char* key, bool positive) {
  const Config& v = pre[key];
  if (!v.is_array()) bad_preprocessing(quote(key) + " must be a list of numbers", v);
  for (const auto& e : v)
    if (!e.is_number() || !std::isfinite(e.get<double>()) || (positive && !(e.get<double>() > 0.0)))
      bad_preprocessing(quote(key) + (positive ? " must hold positive numbers" : " must hold finite numbers"), v);
}

}  // namespace

Tensor apply_preprocessing(const Config& pre, const Tensor& x) {
  if (!pre.is_object())
    bad_preprocessing("expected a JSON object {\"rescale\": r, \"mean\": [...], \"std\": [...]}", pre);
  for (const auto& [key, value] : pre.items())
    if (key != "rescale" && key != "mean" && key != "std") bad_preprocessing("unknown key " + quote(key), value);
  if (pre.contains("rescale") && (!pre["rescale"].is_number() || !std::isfinite(pre["rescale"].get<double>())))
    bad_preprocessing("'rescale' must be a finite number", pre["rescale"]);
  if (pre.contains("mean") != pre.contains("std")) bad_preprocessing("'mean' and 'std' go together", pre);
  if (pre.contains("mean")) {
    check_number_list(pre, "mean", false);
    check_number_list(pre, "std", true);
    if (pre["mean"].size() != pre["std"].size())
      bad_preprocessing("'mean' has " + std::to_string(pre["mean"].size()) + " values but 'std' has " +
                            std::to_string(pre["std"].size()),
                        pre["std"]);
  }
  return preprocess(pre, x);
}

XY read_array_file(const std::string& path, const std::optional<std::string>& label_column, bool header,
                   std::size_t skip_rows, char delimiter, bool label_is_class) {
  XY out;
  if (path.ends_with(".npy")) {
    out.x = datasets::read_npy(path);
  } else if (is_idx_name(path) && !path.ends_with(".csv.gz")) {
    out.x = datasets::read_idx(path);
  } else {
    datasets::CsvOptions o;
    o.header = header;
    o.skip_rows = skip_rows;
    o.delimiter = delimiter;
    o.label_column = label_column;
    o.label_is_class = label_is_class;
    auto d = datasets::read_csv(path, o);
    out.x = d.x;
    out.y = d.y;
  }
  return out;
}

Tensor class_labels(const Tensor& y, const std::string& file) {
  if (y.dtype() == DType::Int32) return y;
  if (y.dtype() == DType::UInt8) return y.astype(DType::Int32);
  const auto v = y.astype(DType::Float64).to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || std::floor(v[i]) != v[i] || std::fabs(v[i]) > 2147483647.0)
      throw ValueError("'" + file + "': the model's loss takes integer class labels, but row " + std::to_string(i) +
                       " holds " + std::to_string(v[i]));
  }
  return y.astype(DType::Int32);
}

}  // namespace temper::cli
