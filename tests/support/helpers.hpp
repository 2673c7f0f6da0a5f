// helpers.hpp — small assertions shared by the test files.
#pragma once
#include <exception>
#include <string>
#include <vector>

#include <temper/tensor.hpp>

namespace temper::testing {

/// The message of the exception `fn` throws, or "<no exception>" — so a test can check that
/// an error names the layer, file or value involved.
template <class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no exception>";
}

/// Any tensor's values as doubles (exact for every dtype), for comparing with references.
inline std::vector<double> values(const Tensor& t) {
  return t.dtype() == DType::Float64 ? t.to_vector<double>() : t.astype(DType::Float64).to_vector<double>();
}

/// True if `part` occurs in `s`.
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace temper::testing
