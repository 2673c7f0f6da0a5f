// error.hpp — the single exception hierarchy of Temper.
// Keras raises ValueError/TypeError/etc.; Temper raises temper::Error subclasses whose
// messages name the offending layer/file/key and the expected vs. found value.
#pragma once
#include <stdexcept>
#include <string>

namespace temper {

/// Base of every error Temper throws on purpose (Keras: the Python exceptions it raises).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A tensor or layer received a shape it cannot work with (Keras: ValueError on shapes).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An argument has a value outside its domain (Keras: ValueError).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A configuration (JSON, YAML, option struct) is malformed or names something unknown.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file is missing, truncated, corrupt or cannot be written (Keras: OSError/IOError).
class IOError : public Error {
 public:
  using Error::Error;
};

/// A name (layer, activation, loss, optimizer, metric, backend) is not registered.
class UnknownNameError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// An operation is not valid in the object's current state (e.g. fit before compile).
class StateError : public Error {
 public:
  using Error::Error;
};

/// Memory (or another resource) needed for an operation is not available; the message names
/// what was being built and how many bytes it needed.
class ResourceError : public Error {
 public:
  using Error::Error;
};

}  // namespace temper
