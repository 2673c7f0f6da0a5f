// Keras 3's model.summary() table (rich's heavy-header box drawing).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

#include "temper/model.hpp"
#include "src/graph.hpp"

namespace temper {

namespace {

std::string with_commas(std::int64_t n) {
  // Built by appending: GCC 12 raises a false -Wrestrict on insert/prefix concatenation.
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  if (n < 0) out += '-';
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

// Display width of a UTF-8 string (every code point counts one column here).
std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
  const std::size_t sw = width(s);
  std::string text = s;
  if (sw > w) {
    // Truncate with an ellipsis like rich does.
    std::string cut;
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.size() && count + 1 < w; ++i) {
      cut += s[i];
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++count;
    }
    text = cut + "…";
    return text;
  }
  return right ? std::string(w - sw, ' ') + text : text + std::string(w - sw, ' ');
}

int terminal_columns() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

namespace {
// The "Connected to" cell of a layer: every input tensor of its calls in this model.
std::string connections(const detail::Graph& g, const LayerPtr& l) {
  std::string out;
  std::vector<const detail::GraphNode*> nodes;
  for (const auto& n : g.nodes)
    if (n->layer == l) nodes.push_back(n.get());
  std::sort(nodes.begin(), nodes.end(), [&](auto* a, auto* b) { return g.node_index.at(a) < g.node_index.at(b); });
  for (const auto* n : nodes)
    for (const auto& t : n->inputs) {
      if (!out.empty()) out += ", ";
      out += t.layer()->name() + "[" + std::to_string(g.node_index.at(t.value()->node.get())) + "][0]";
    }
  return out.empty() ? "-" : out;
}

// A layer's output shape in this model: its one node's, or "multiple" when calls differ.
std::string output_shape_of(const detail::Graph& g, const LayerPtr& l) {
  std::string shape;
  auto value_shape = [&](const detail::GraphNode* n) -> std::string {
    for (const auto& m : g.nodes)
      for (const auto& t : m->inputs)
        if (t.value()->node.get() == n) return shape_to_string(t.shape());
    for (const auto& t : g.outputs)
      if (t.value()->node.get() == n) return shape_to_string(t.shape());
    for (const auto& t : g.inputs)
      if (t.value()->node.get() == n) return shape_to_string(t.shape());
    return "?";
  };
  for (const auto& n : g.nodes) {
    if (n->layer != l) continue;
    std::string s = value_shape(n.get());
    if (shape.empty()) shape = s;
    else if (shape != s) return "multiple";
  }
  return shape.empty() ? "?" : shape;
}
}  // namespace

void Model::summary(std::ostream& os, int line_length) const {
  const bool graph_layout = graph_ && !graph_->sequential_like;
  if (line_length <= 0) line_length = graph_layout ? 108 : std::min(88, terminal_columns() - 4);
  const std::size_t total = static_cast<std::size_t>(std::max(line_length, 40));
  std::vector<std::size_t> cols;
  std::vector<std::string> heads = {"Layer (type)", "Output Shape", "Param #"};
  if (!graph_layout) {
    // Keras's sequential layout: columns at 45% / 80% / 100% of the line. The widths below
    // reproduce rich's rendering of the real Keras table at the default 76 columns.
    std::size_t c1 = total * 33 / 76, c2 = total * 24 / 76;
    cols = {c1, c2, total - 4 - c1 - c2};  // columns include one space of padding each side
  } else {
    // Keras's graph layout: columns at 30% / 56% / 74% / 100%, plus "Connected to".
    heads.push_back("Connected to");
    const std::size_t avail = total - 5;
    std::size_t c1 = avail * 30 / 100, c2 = avail * 26 / 100, c3 = avail * 18 / 100;
    cols = {c1, c2, c3, avail - c1 - c2 - c3};
  }
  auto rule = [&](const char* left, const char* mid, const char* right, const char* fill) {
    os << left;
    for (std::size_t i = 0; i < cols.size(); ++i) os << repeat(fill, cols[i]) << (i + 1 < cols.size() ? mid : right);
    os << "\n";
  };
  auto row = [&](const std::vector<std::string>& cells, const char* sep) {
    // "Connected to" wraps at its commas onto more lines, as rich folds the cell in Keras.
    std::vector<std::string> extra;
    std::vector<std::string> first = cells;
    if (cells.size() == 4) {
      const std::size_t w = cols[3] - 2;
      std::vector<std::string> lines{""};
      std::string rest = cells[3];
      while (!rest.empty()) {
        const auto comma = rest.find(", ");
        std::string part = comma == std::string::npos ? rest : rest.substr(0, comma + 1);
        rest = comma == std::string::npos ? "" : rest.substr(comma + 2);
        if (!lines.back().empty() && width(lines.back()) + 1 + width(part) > w) lines.emplace_back();
        if (!lines.back().empty()) lines.back() += " ";
        lines.back() += part;
      }
      first[3] = lines[0];
      extra.assign(lines.begin() + 1, lines.end());
    }
    for (std::size_t i = 0; i < cols.size(); ++i)
      os << sep << " " << pad(first[i], cols[i] - 2, i == 2) << " ";
    os << sep << "\n";
    for (const auto& line : extra) {
      for (std::size_t i = 0; i < cols.size(); ++i)
        os << sep << " " << pad(i == 3 ? line : std::string(), cols[i] - 2, i == 2) << " ";
      os << sep << "\n";
    }
  };

  os << "Model: \"" << name() << "\"\n";
  rule("┏", "┳", "┓", "━");
  row(heads, "┃");
  rule("┡", "╇", "┩", "━");
  const auto ls = layers();
  Shape shape = built() && !graph_ ? input_shape() : Shape{};
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto& l = ls[i];
    std::string out_shape = "?";
    if (graph_) {
      out_shape = output_shape_of(*graph_, l);
    } else if (built()) {
      shape = l->compute_output_shape(shape);
      out_shape = shape_to_string(shape);
    }
    std::string params = l->built() ? with_commas(l->count_params()) : "0 (unbuilt)";
    std::vector<std::string> cells = {l->name() + " (" + l->class_name() + ")", out_shape, params};
    if (graph_layout) cells.push_back(connections(*graph_, l));
    row(cells, "│");
    if (i + 1 < ls.size()) rule("├", "┼", "┤", "─");
  }
  rule("└", "┴", "┘", "─");

  std::int64_t trainable = 0, non_trainable = 0;
  double trainable_bytes = 0, non_trainable_bytes = 0;
  for (const auto& w : trainable_weights()) {
    trainable += w->numel();
    trainable_bytes += static_cast<double>(w->numel() * static_cast<std::int64_t>(dtype_size(w->value.dtype())));
  }
  for (const auto& w : non_trainable_weights()) {
    non_trainable += w->numel();
    non_trainable_bytes += static_cast<double>(w->numel() * static_cast<std::int64_t>(dtype_size(w->value.dtype())));
  }
  // Keras shows optimizer variables (slots plus iteration and learning rate) once it is built.
  std::int64_t opt_params = optimizer_ && optimizer_->built() ? optimizer_->count_params() : 0;
  const std::int64_t all = trainable + non_trainable + opt_params;
  os << " Total params: " << with_commas(all) << " ("
     << human_bytes(trainable_bytes + non_trainable_bytes + 4.0 * static_cast<double>(opt_params)) << ")\n";
  os << " Trainable params: " << with_commas(trainable) << " (" << human_bytes(trainable_bytes) << ")\n";
  os << " Non-trainable params: " << with_commas(non_trainable) << " (" << human_bytes(non_trainable_bytes) << ")\n";
  if (opt_params > 0)
    os << " Optimizer params: " << with_commas(opt_params) << " (" << human_bytes(4.0 * static_cast<double>(opt_params))
       << ")\n";
}

void Model::summary() const {
  summary(std::cout);
  std::cout.flush();
}

std::string Model::summary_string(int line_length) const {
  std::ostringstream os;
  summary(os, line_length);
  return os.str();
}

}  // namespace temper
