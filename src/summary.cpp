// Keras 3's model.summary() table (rich's heavy-header box drawing).
#include <cstdio>
#include <iostream>
#include <sstream>

#include <sys/ioctl.h>
#include <unistd.h>

#include "temper/model.hpp"

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

void Model::summary(std::ostream& os, int line_length) const {
  if (line_length <= 0) line_length = std::min(88, terminal_columns() - 4);
  // Keras's sequential layout: columns at 45% / 80% / 100% of the line. The widths below
  // reproduce rich's rendering of the real Keras table at the default 76 columns.
  const std::size_t total = static_cast<std::size_t>(std::max(line_length, 40));
  std::size_t c1 = total * 33 / 76, c2 = total * 24 / 76;
  std::size_t c3 = total - 4 - c1 - c2;  // columns include one space of padding each side
  const std::size_t w1 = c1 - 2, w2 = c2 - 2, w3 = c3 - 2;

  os << "Model: \"" << name() << "\"\n";
  os << "┏" << repeat("━", c1) << "┳" << repeat("━", c2) << "┳" << repeat("━", c3) << "┓\n";
  os << "┃ " << pad("Layer (type)", w1, false) << " ┃ " << pad("Output Shape", w2, false) << " ┃ "
     << pad("Param #", w3, true) << " ┃\n";
  os << "┡" << repeat("━", c1) << "╇" << repeat("━", c2) << "╇" << repeat("━", c3) << "┩\n";
  const auto ls = layers();
  Shape shape = built() ? input_shape() : Shape{};
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto& l = ls[i];
    std::string out_shape = "?";
    if (built()) {
      shape = l->compute_output_shape(shape);
      out_shape = shape_to_string(shape);
    }
    std::string params = l->built() ? with_commas(l->count_params()) : "0 (unbuilt)";
    os << "│ " << pad(l->name() + " (" + l->class_name() + ")", w1, false) << " │ " << pad(out_shape, w2, false)
       << " │ " << pad(params, w3, true) << " │\n";
    if (i + 1 < ls.size())
      os << "├" << repeat("─", c1) << "┼" << repeat("─", c2) << "┼" << repeat("─", c3) << "┤\n";
  }
  os << "└" << repeat("─", c1) << "┴" << repeat("─", c2) << "┴" << repeat("─", c3) << "┘\n";

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
