// convolutional.hpp — umbrella header of the convolution, pooling, padding, cropping and upsampling layers.
#pragma once
#include "temper/layers/conv.hpp"
#include "temper/layers/cropping.hpp"
#include "temper/layers/pooling.hpp"
#include "temper/layers/up_sampling.hpp"
#include "temper/layers/zero_padding.hpp"
