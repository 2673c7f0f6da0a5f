// normalization.hpp — umbrella header of the normalization and noise layers.
#pragma once
