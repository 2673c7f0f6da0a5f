// data.cpp — loading the data a CLI config describes.
#include "cli/data.hpp"

#include <cmath>

#include "temper/datasets.hpp"
#include "temper/datasets/npy.hpp"
#include "temper/error.hpp"

namespace temper::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSources = {"fashion_mnist", "idx", "csv", "npy"};
const std::vector<std::string> kCommon = {"fashion_mnist", "idx", "csv", "npy", "limit", "test_limit",
                                          "test_split", "rescale", "standardize"};
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

Tensor read_tensor_file(const Field& f, const fs::path& base) {
  const fs::path p = resolve_path(f, base);
  try {
    const std::string s = p.string();
    if (s.ends_with(".npy")) return datasets::read_npy(p);
    if (is_idx_name(s)) return datasets::read_idx(p);
    f.fail("'" + s + "': unknown array file type (expected .npy or an IDX file such as train-images-idx3-ubyte.gz)");
  } catch (const ConfigIssue&) {
    throw;
  } catch (const Error& e) {
    f.fail(e.what());
  }
}

Tensor labels_to_class(const Tensor& y, const Field& f) {
  if (y.dtype() == DType::Int32) return y;
  if (y.dtype() == DType::UInt8) return y.astype(DType::Int32);
  const auto v = y.astype(DType::Float64).to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::floor(v[i]) != v[i])
      f.fail("class labels must be integers; value " + std::to_string(v[i]) + " at row " + std::to_string(i) +
             " is not (set label_is_class: false for regression targets)");
  }
  return y.astype(DType::Int32);
}

XY read_arrays(const Field& src, const fs::path& base, const std::string& xk, const std::string& yk) {
  XY out;
  out.x = read_tensor_file(src[xk], base);
  if (src[yk].present()) {
    out.y = read_tensor_file(src[yk], base);
    if (out.y.rank() == 0 || out.y.dim(0) != out.x.dim(0))
      src[yk].fail("has " + std::to_string(out.y.rank() ? out.y.dim(0) : 0) + " rows but " + xk + " has " +
                   std::to_string(out.x.dim(0)));
  }
  return out;
}

XY read_csv_part(const Field& src, const fs::path& base, const std::string& pk, const std::string& lk) {
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
  try {
    const auto d = datasets::read_csv(resolve_path(pf, base), o);
    out.x = d.x;
    out.y = d.y;
  } catch (const Error& e) {
    const std::string m = e.what();
    if (m.find("label column") != std::string::npos && src["label_column"].present()) src["label_column"].fail(m);
    if (m.find("feature column") != std::string::npos && src["feature_columns"].present())
      src["feature_columns"].fail(m);
    pf.fail(m);
  }
  if (separate_labels) {
    const Field lf = src[lk];
    if (!lf.present()) src.fail("'" + pk + "' needs '" + lk + "' too, since labels_path is given");
    datasets::CsvOptions lo;
    lo.delimiter = o.delimiter;
    lo.header = false;
    try {
      auto d = datasets::read_csv(resolve_path(lf, base), lo);
      if (d.x.rank() != 2 || d.x.dim(1) != 1)
        lf.fail("a labels file must have exactly one column, found " + std::to_string(d.x.dim(1)));
      out.y = d.x.reshape({d.x.dim(0)});
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
}

LoadedData load_data(const Field& data, const fs::path& base, std::uint64_t seed) {
  check_data_section(data);
  const std::string src = source_of(data);
  const Field s = data[src];
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
    out.train = read_arrays(s, base, "x", "y");
    if (s["test_x"].present()) out.test = read_arrays(s, base, "test_x", "test_y");
    if (s["validation_x"].present()) out.validation = read_arrays(s, base, "validation_x", "validation_y");
    for (auto* part : {&out.train, out.test ? &*out.test : nullptr, out.validation ? &*out.validation : nullptr}) {
      if (part && part->y.defined() && part->y.dtype() == DType::UInt8) part->y = part->y.astype(DType::Int32);
    }
  } else {
    out.train = read_csv_part(s, base, "path", "labels_path");
    if (s["test_path"].present()) out.test = read_csv_part(s, base, "test_path", "test_labels_path");
    if (s["validation_path"].present())
      out.validation = read_csv_part(s, base, "validation_path", "validation_labels_path");
  }
  if (!out.train.y.defined()) data[src].fail("the training data has no targets (give y / a label column)");
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
    Tensor scaled = apply_preprocessing(pre, out.train.x);
    auto [mean, std] = moments(scaled);
    pre["mean"] = mean;
    pre["std"] = std;
  }
  out.preprocessing = pre;
  out.train.x = apply_preprocessing(pre, out.train.x);
  if (out.validation) out.validation->x = apply_preprocessing(pre, out.validation->x);
  if (out.test) out.test->x = apply_preprocessing(pre, out.test->x);
  out.description = src + ": train x " + shape_text(out.train.x) + " y " + shape_text(out.train.y);
  if (out.validation) out.description += ", validation x " + shape_text(out.validation->x);
  if (out.test) out.description += ", test x " + shape_text(out.test->x) + " y " + shape_text(out.test->y);
  return out;
}

Tensor apply_preprocessing(const Config& pre, const Tensor& x) {
  Tensor out = x.dtype() == DType::Float32 ? x : x.astype(DType::Float32);
  if (pre.contains("rescale")) out = out * pre["rescale"].get<double>();
  if (pre.contains("mean") && pre.contains("std")) {
    const auto mean = pre["mean"].get<std::vector<double>>();
    const auto std = pre["std"].get<std::vector<double>>();
    auto v = out.to_vector<float>();
    const std::size_t f = mean.size();
    const std::size_t per_row = out.dim(0) ? v.size() / static_cast<std::size_t>(out.dim(0)) : f;
    if (f == 0 || per_row != f)
      throw ShapeError("the saved standardisation has " + std::to_string(f) + " features but the inputs have " +
                       std::to_string(per_row) + " per sample");
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((v[i] - mean[i % f]) / std[i % f]);
    out = Tensor::from_vector(v, out.shape());
  }
  return out;
}

XY read_array_file(const std::string& path, const std::optional<std::string>& label_column, bool header,
                   std::size_t skip_rows, char delimiter) {
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
    auto d = datasets::read_csv(path, o);
    out.x = d.x;
    out.y = d.y;
  }
  return out;
}

}  // namespace temper::cli
