// names.hpp — helpers for "did you mean" suggestions in unknown-name errors.
#pragma once
#include <string>
#include <vector>

namespace temper {

/// The candidates closest to `name` by edit distance (case-insensitive), best first.
std::vector<std::string> closest_names(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t max_results = 3);

/// "unknown <kind> 'x'. Did you mean 'y'? Known <kind>s: a, b, c" — the message used by every
/// registry lookup.
std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& candidates);

/// Keras's snake_case of a class name: "MaxPooling2D" -> "max_pooling2d", "Dense" -> "dense".
std::string to_snake_case(const std::string& class_name);

}  // namespace temper
