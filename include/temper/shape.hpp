// shape.hpp — tensor shapes and the NumPy broadcasting rule.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace temper {

/// A tensor shape: one extent per axis, row-major. In symbolic (model-building) shapes the
/// batch axis may be -1, printed as `None` like Keras.
using Shape = std::vector<std::int64_t>;

/// Number of elements (product of extents; 1 for a scalar shape).
std::int64_t shape_numel(const Shape& s);

/// Keras-style text: `(None, 28, 28)`; -1 extents print as None, a 1-tuple as `(10,)`.
std::string shape_to_string(const Shape& s);

/// NumPy broadcast of two shapes; throws ShapeError naming both shapes if incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

/// Normalises a possibly negative axis for a tensor of `rank`; throws ValueError if out of range.
int normalize_axis(int axis, int rank);

}  // namespace temper
