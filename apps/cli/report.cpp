// report.cpp — history.csv reading and the self-contained HTML report with SVG charts.
#include "cli/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

namespace temper::cli {

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r' && c != '\n') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string fmt(double v, int precision = 4) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  std::ostringstream ss;
  ss << std::setprecision(precision) << v;
  return ss.str();
}

const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

}  // namespace

std::vector<double> HistoryTable::column(const std::string& name) const {
  std::vector<double> out;
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) return out;
  const auto j = static_cast<std::size_t>(it - columns.begin());
  for (const auto& r : rows) out.push_back(j < r.size() ? r[j] : std::numeric_limits<double>::quiet_NaN());
  return out;
}

HistoryTable read_history_csv(const std::string& path) {
  HistoryTable t;
  std::ifstream in(path);
  if (!in) return t;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = split(line, ',');
    if (header) {
      t.columns = cells;
      header = false;
      continue;
    }
    std::vector<double> row;
    for (const auto& c : cells) {
      try {
        std::size_t used = 0;
        const double v = std::stod(c, &used);
        row.push_back(used == c.size() ? v : std::numeric_limits<double>::quiet_NaN());
      } catch (...) {
        row.push_back(std::numeric_limits<double>::quiet_NaN());
      }
    }
    t.rows.push_back(row);
  }
  return t;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_chart(const std::string& title, const std::vector<double>& epochs,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  const double W = 560, H = 300, L = 64, R = 16, T = 34, B = 40;
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (double e : epochs) {
    xmin = std::min(xmin, e);
    xmax = std::max(xmax, e);
  }
  for (const auto& [name, v] : series)
    for (double y : v)
      if (std::isfinite(y)) {
        ymin = std::min(ymin, y);
        ymax = std::max(ymax, y);
      }
  if (!std::isfinite(xmin)) xmin = xmax = 0;
  if (!std::isfinite(ymin)) ymin = ymax = 0;
  if (xmax == xmin) {
    xmin -= 1;
    xmax += 1;
  }
  if (ymax == ymin) {
    const double pad = std::max(std::abs(ymin) * 0.05, 1e-3);
    ymin -= pad;
    ymax += pad;
  }
  const auto px = [&](double x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); };
  const auto py = [&](double y) { return T + (ymax - y) / (ymax - ymin) * (H - T - B); };
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << html_escape(title) << "\">\n";
  s << "<title>" << html_escape(title) << "</title>\n";
  s << "<rect x=\"0\" y=\"0\" width=\"" << W << "\" height=\"" << H << "\" fill=\"#fff\"/>\n";
  s << "<text x=\"" << L << "\" y=\"20\" font-size=\"14\" font-weight=\"bold\">" << html_escape(title) << "</text>\n";
  // Axes and grid.
  for (int i = 0; i <= 4; ++i) {
    const double y = ymin + (ymax - ymin) * i / 4.0;
    s << "<line x1=\"" << L << "\" y1=\"" << py(y) << "\" x2=\"" << W - R << "\" y2=\"" << py(y)
      << "\" stroke=\"#ddd\"/>\n";
    s << "<text x=\"" << L - 6 << "\" y=\"" << py(y) + 4 << "\" font-size=\"11\" text-anchor=\"end\">" << fmt(y)
      << "</text>\n";
  }
  const std::size_t n = epochs.size();
  const std::size_t step = std::max<std::size_t>(1, n / 10 + (n % 10 ? 1 : 0));
  for (std::size_t i = 0; i < n; i += step) {
    s << "<text x=\"" << px(epochs[i]) << "\" y=\"" << H - B + 16 << "\" font-size=\"11\" text-anchor=\"middle\">"
      << fmt(epochs[i]) << "</text>\n";
  }
  s << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 6 << "\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n";
  s << "<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << H - B << "\" stroke=\"#333\"/>\n";
  s << "<line x1=\"" << L << "\" y1=\"" << H - B << "\" x2=\"" << W - R << "\" y2=\"" << H - B
    << "\" stroke=\"#333\"/>\n";
  // Series.
  std::size_t ci = 0;
  for (const auto& [name, v] : series) {
    const char* color = kColors[ci++ % 6];
    std::string points;
    std::ostringstream dots;
    dots << std::fixed << std::setprecision(1);
    for (std::size_t i = 0; i < v.size() && i < n; ++i) {
      if (!std::isfinite(v[i])) continue;
      std::ostringstream p;
      p << std::fixed << std::setprecision(1) << px(epochs[i]) << "," << py(v[i]) << " ";
      points += p.str();
      dots << "<circle cx=\"" << px(epochs[i]) << "\" cy=\"" << py(v[i]) << "\" r=\"3\" fill=\"" << color
           << "\"><title>" << html_escape(name) << " epoch " << fmt(epochs[i]) << ": " << fmt(v[i], 6)
           << "</title></circle>\n";
    }
    s << "<polyline class=\"series\" data-name=\"" << html_escape(name) << "\" fill=\"none\" stroke=\"" << color
      << "\" stroke-width=\"2\" points=\"" << points << "\"/>\n"
      << dots.str();
    const double lx = W - R - 150, ly = T + 4 + 16.0 * static_cast<double>(ci - 1);
    s << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"12\" height=\"3\" fill=\"" << color << "\"/>\n";
    s << "<text x=\"" << lx + 18 << "\" y=\"" << ly + 5 << "\" font-size=\"11\">" << html_escape(name) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string render_report(const ReportInput& in) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Temper run: "
    << html_escape(in.title) << "</title>\n<style>\n"
    << "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\n"
    << "pre{background:#f6f8fa;padding:1em;overflow-x:auto;font-size:12px}\n"
    << "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}\n"
    << "th{background:#f0f0f0}.charts{display:flex;flex-wrap:wrap;gap:12px}\n"
    << "</style>\n</head>\n<body>\n";
  h << "<h1>Temper run: " << html_escape(in.title) << "</h1>\n";
  h << "<p id=\"status\">Status: <b>" << html_escape(in.status) << "</b></p>\n";
  if (!in.data_description.empty()) h << "<p id=\"data\">Data: " << html_escape(in.data_description) << "</p>\n";
  // Final metrics.
  h << "<h2 id=\"metrics\">Final metrics</h2>\n";
  std::vector<std::string> parts, names;
  for (const auto& [part, logs] : in.final_metrics.items()) {
    if (!logs.is_object()) continue;
    parts.push_back(part);
    for (const auto& [k, v] : logs.items())
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  }
  if (parts.empty()) {
    h << "<p>No metrics.</p>\n";
  } else {
    h << "<table class=\"metrics\">\n<tr><th></th>";
    for (const auto& n : names) h << "<th>" << html_escape(n) << "</th>";
    h << "</tr>\n";
    for (const auto& p : parts) {
      h << "<tr><th>" << html_escape(p) << "</th>";
      for (const auto& n : names) {
        const Config& logs = in.final_metrics[p];
        h << "<td>" << (logs.contains(n) && logs[n].is_number() ? fmt(logs[n].get<double>(), 6) : "") << "</td>";
      }
      h << "</tr>\n";
    }
    h << "</table>\n";
  }
  // Charts: one per quantity, train and val_ series together.
  h << "<h2 id=\"charts\">Training history</h2>\n<div class=\"charts\">\n";
  const auto epochs_raw = in.history.column("epoch");
  std::vector<double> epochs;
  for (std::size_t i = 0; i < in.history.rows.size(); ++i)
    epochs.push_back(i < epochs_raw.size() && std::isfinite(epochs_raw[i]) ? epochs_raw[i] + 1 : static_cast<double>(i + 1));
  std::vector<std::string> bases;
  for (const auto& c : in.history.columns) {
    if (c == "epoch") continue;
    const std::string base = c.rfind("val_", 0) == 0 ? c.substr(4) : c;
    if (std::find(bases.begin(), bases.end(), base) == bases.end()) bases.push_back(base);
  }
  int charts = 0;
  for (const auto& base : bases) {
    std::vector<std::pair<std::string, std::vector<double>>> series;
    for (const auto& name : {base, "val_" + base}) {
      auto v = in.history.column(name);
      if (std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); })) series.emplace_back(name, v);
    }
    if (series.empty()) continue;
    h << svg_chart(base, epochs, series);
    ++charts;
  }
  if (charts == 0) h << "<p>No epochs were logged.</p>\n";
  h << "</div>\n";
  h << "<h2 id=\"summary\">Model summary</h2>\n<pre>" << html_escape(in.summary) << "</pre>\n";
  h << "<h2 id=\"config\">Config</h2>\n<pre>" << html_escape(in.config_yaml) << "</pre>\n";
  if (!in.files.empty()) {
    h << "<h2 id=\"files\">Files</h2>\n<ul>\n";
    for (const auto& f : in.files) h << "<li>" << html_escape(f) << "</li>\n";
    h << "</ul>\n";
  }
  h << "<p><small>Generated by temper.</small></p>\n</body>\n</html>\n";
  return h.str();
}

}  // namespace temper::cli
