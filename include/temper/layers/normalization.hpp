// normalization.hpp — umbrella header of the normalization and noise layers.
#pragma once
#include "temper/layers/batch_normalization.hpp"
#include "temper/layers/gaussian_dropout.hpp"
#include "temper/layers/gaussian_noise.hpp"
#include "temper/layers/group_normalization.hpp"
#include "temper/layers/layer_normalization.hpp"
#include "temper/layers/spatial_dropout.hpp"
