// merging.hpp — umbrella header of the merge layers (Add, Concatenate, ...).
#pragma once
