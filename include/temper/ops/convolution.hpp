// ops/convolution.hpp — differentiable convolution, pooling, padding and resampling ops (NHWC).
#pragma once
#include "temper/tensor.hpp"

namespace temper::ops {}  // namespace temper::ops
