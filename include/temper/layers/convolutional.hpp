// convolutional.hpp — umbrella header of the convolution, pooling, padding, cropping and upsampling layers.
#pragma once
