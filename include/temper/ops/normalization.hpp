// ops/normalization.hpp — differentiable normalization and noise ops (NHWC).
#pragma once
#include "temper/tensor.hpp"

namespace temper::ops {}  // namespace temper::ops
