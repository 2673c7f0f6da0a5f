// conv_common.cpp — shape checks shared by the convolution and pooling layers.
#include "layers/conv_common.hpp"

#include "temper/ops/convolution.hpp"

namespace temper::layers::conv_detail {

namespace {
const char* layout_of(std::size_t rank) {
  switch (rank) {
    case 3: return "(batch, steps, channels)";
    case 4: return "(batch, height, width, channels)";
    case 5: return "(batch, depth, height, width, channels)";
    default: return "";
  }
}
}  // namespace

void check_rank(const Shape& s, std::size_t rank, const std::string& who) {
  if (s.size() == rank) return;
  throw ShapeError(who + " expects inputs of rank " + std::to_string(rank) + " " + layout_of(rank) + ", got shape " +
                   shape_to_string(s));
}

void check_channels(const Shape& s, const std::optional<Shape>& built, const std::string& who) {
  if (built && built->back() >= 0 && s.back() >= 0 && built->back() != s.back())
    throw ShapeError(who + " was built for inputs of shape " + shape_to_string(*built) + " (" +
                     std::to_string(built->back()) + " channels) but received an input of shape " +
                     shape_to_string(s));
}

void require_channels(const Shape& s, const std::string& who) {
  if (s.back() < 0)
    throw ShapeError(who + " needs a known channel axis (the last one), got input shape " + shape_to_string(s));
}

template <std::size_t N>
Shape window_output(const Shape& in, const std::array<std::int64_t, N>& k, const std::array<std::int64_t, N>& st,
                    const std::array<std::int64_t, N>& d, const std::string& padding, std::int64_t channels,
                    const std::string& who, const char* window) {
  Shape out{in[0]};
  bool empty = false;
  for (std::size_t i = 0; i < N; ++i) {
    const std::int64_t n = in[i + 1];
    const std::int64_t o = n < 0 ? -1 : ops::conv_output_length(n, k[i], padding, st[i], d[i]);
    if (n >= 0 && o <= 0) empty = true;
    out.push_back(o);
  }
  out.push_back(channels);
  if (empty) {
    std::string m = who + ": input shape " + shape_to_string(in) + " is too small for " + window + " " + tuple_text(k);
    if (std::any_of(d.begin(), d.end(), [](std::int64_t v) { return v != 1; })) m += " with dilation " + tuple_text(d);
    m += " and padding \"" + padding + "\": the output shape would be " + shape_to_string(out);
    throw ShapeError(m);
  }
  return out;
}

template Shape window_output<1>(const Shape&, const std::array<std::int64_t, 1>&, const std::array<std::int64_t, 1>&,
                                const std::array<std::int64_t, 1>&, const std::string&, std::int64_t,
                                const std::string&, const char*);
template Shape window_output<2>(const Shape&, const std::array<std::int64_t, 2>&, const std::array<std::int64_t, 2>&,
                                const std::array<std::int64_t, 2>&, const std::string&, std::int64_t,
                                const std::string&, const char*);
template Shape window_output<3>(const Shape&, const std::array<std::int64_t, 3>&, const std::array<std::int64_t, 3>&,
                                const std::array<std::int64_t, 3>&, const std::string&, std::int64_t,
                                const std::string&, const char*);

}  // namespace temper::layers::conv_detail
