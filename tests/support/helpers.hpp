// helpers.hpp — small assertions shared by the test files.
#pragma once
#include <exception>
#include <string>

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

/// True if `part` occurs in `s`.
inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace temper::testing
