// config.hpp — the YAML config of the `temper` CLI: loading with positions, `--set`
// overrides, typed access by dotted path, and errors that name file:line:column and path.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/error.hpp"

namespace temper::cli {

/// Where a config value came from: a position in a file, or a `--set` argument.
struct Location {
  std::string file{};
  int line = -1;    ///< 1-based; -1 when unknown
  int column = -1;  ///< 1-based
  std::string override_arg{};  ///< the `--set key=value` argument that produced the value
  /// "file:line:column", "--set key=value" or "file".
  std::string to_string() const;
};

/// A config error: a location, the dotted path of the offending field
/// (`model.layers[2].Dense.units`) and what is wrong with it. The CLI prints it as one line
/// and exits with code 2.
class ConfigIssue : public ConfigError {
 public:
  ConfigIssue(Location location, std::string path, std::string detail);
  const Location& location() const noexcept { return location_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  Location location_;
  std::string path_;
  std::string detail_;
};

/// A parsed config file plus the `--set` overrides applied to it.
struct Document {
  std::string file{};                         ///< the name used in messages
  YAML::Node root{};                          ///< the (overridden) tree
  std::map<std::string, std::string> overrides{};  ///< dotted path -> "--set" argument
};

/// Reads and parses a YAML config file. A missing file or a YAML syntax error throws
/// ConfigIssue naming the file, line and column; the top level must be a mapping.
Document load_document(const std::string& path);

/// Parses YAML text (named `name` in messages), as load_document does for a file.
Document parse_document(const std::string& text, const std::string& name);

/// Applies one `--set key.path=value` override: the path uses `.` for mapping keys and
/// `[i]` for list items (`model.layers[1].Dense.units=64`); the value is parsed as YAML, so
/// `--set fit.epochs=1`, `--set compile.metrics=[accuracy]` and
/// `--set "compile.optimizer={Adam: {learning_rate: 0.01}}"` all work. Missing mapping levels
/// are created; an index past the end of a list, indexing a non-list or a malformed
/// argument throw ConfigIssue.
void apply_override(Document& doc, const std::string& assignment);

/// The YAML 1.2 core-schema value of a node as JSON: plain scalars become null, booleans,
/// integers or floats when they look like one, quoted scalars stay strings.
Config to_json(const YAML::Node& node);

/// The document as YAML text (for the run directory's config.yaml).
std::string to_yaml(const YAML::Node& node);

/// "a string 'abc'", "an integer 3", "a list [1, 2]" — how a found value is described.
std::string describe_value(const YAML::Node& node);

/// A view of one node of the config and its dotted path, with typed accessors whose errors
/// name the path, the location, the expected type and the value found.
class Field {
 public:
  Field(const Document* doc, YAML::Node node, std::string path, std::optional<YAML::Mark> key_mark = {});

  /// True when the key exists and its value is not null.
  bool present() const;
  bool is_map() const { return node_.IsMap(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  const std::string& path() const noexcept { return path_; }
  const YAML::Node& node() const noexcept { return node_; }
  const Document* document() const noexcept { return doc_; }

  /// The child under `key` (may be absent: check present()). Requires a mapping (or null).
  Field operator[](const std::string& key) const;
  /// Item i of a list.
  Field item(std::size_t i) const;
  std::size_t size() const;
  /// The keys of a mapping, in file order; a duplicated key is an error.
  std::vector<std::string> keys() const;
  /// Error unless this is a mapping whose keys are all in `allowed` ("unknown key 'epoch'
  /// in fit. Did you mean 'epochs'?"). A null node counts as an empty mapping.
  void allow_only(const std::vector<std::string>& allowed) const;
  /// The location of the value (or of its key when the value has no position).
  Location location() const;
  /// The location of the key itself (for unknown or misspelt keys).
  Location key_location() const;
  /// Throws ConfigIssue at this field's key.
  [[noreturn]] void fail_at_key(const std::string& detail) const;

  std::string as_string() const;
  std::int64_t as_int() const;
  double as_number() const;
  bool as_bool() const;
  std::vector<std::int64_t> as_int_list() const;
  std::vector<std::string> as_string_list() const;  ///< a string or a list of strings
  Config as_json() const { return to_json(node_); }

  std::string get_string(const std::string& key, const std::string& def) const;
  std::int64_t get_int(const std::string& key, std::int64_t def) const;
  double get_number(const std::string& key, double def) const;
  bool get_bool(const std::string& key, bool def) const;

  /// Throws ConfigIssue at this field.
  [[noreturn]] void fail(const std::string& detail) const;
  /// Throws "expected <expected>, found <value>" at this field.
  [[noreturn]] void wrong_type(const std::string& expected) const;

 private:
  const Document* doc_;
  YAML::Node node_;
  std::string path_;
  std::optional<YAML::Mark> key_mark_;
};

/// The root of a document as a Field (path "").
Field root_field(const Document& doc);

/// 'text' in single quotes (built by appending, which GCC 12's -Wrestrict accepts).
std::string quote(const std::string& text);

/// `path.key` or `key` at the root.
std::string join_path(const std::string& path, const std::string& key);

}  // namespace temper::cli
