#include "temper/shape.hpp"

#include <algorithm>

#include "temper/error.hpp"

namespace temper {

std::int64_t shape_numel(const Shape& s) {
  // Shapes come from files and configs too: a product past 2^63 must be an error, not a
  // wrapped (possibly small) number that later sizes an allocation.
  std::int64_t n = 1;
  for (auto d : s)
    if (__builtin_mul_overflow(n, d, &n))
      throw ShapeError("shape " + shape_to_string(s) + " has more elements than fit in 64 bits");
  return n;
}

std::string shape_to_string(const Shape& s) {
  std::string out = "(";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += s[i] < 0 ? std::string("None") : std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  out += ")";
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      throw ShapeError("shapes " + shape_to_string(a) + " and " + shape_to_string(b) +
                       " cannot be broadcast together (axis " + std::to_string(i) + ": " +
                       std::to_string(da) + " vs " + std::to_string(db) + ")");
    }
  }
  return out;
}

int normalize_axis(int axis, int rank) {
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw ValueError("axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                     std::to_string(rank));
  return a;
}

}  // namespace temper
