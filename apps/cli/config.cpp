// config.cpp — YAML loading with positions, overrides, typed access and config errors.
#include "cli/config.hpp"

#include "temper/io/untrusted.hpp"
#include "temper/names.hpp"

#include <yaml-cpp/depthguard.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace temper::cli {

namespace {

std::string with_location(const Location& loc, const std::string& path, const std::string& detail) {
  std::string m = loc.to_string();
  if (!m.empty()) m += ": ";
  if (!path.empty()) {
    m += path;
    m += ": ";
  }
  m += detail;
  return m;
}

Location mark_location(const Document* doc, const YAML::Mark& mark) {
  Location loc;
  if (doc) loc.file = doc->file;
  if (!mark.is_null()) {
    loc.line = mark.line + 1;
    loc.column = mark.column + 1;
  }
  return loc;
}

bool plain(const YAML::Node& n) { return n.Tag() != "!"; }

}  // namespace

std::string Location::to_string() const {
  if (!override_arg.empty()) {
    std::string s = "--set ";
    s += override_arg;
    return s;
  }
  std::string s = file;
  if (line >= 0) {
    s += ":";
    s += std::to_string(line);
    s += ":";
    s += std::to_string(column);
  }
  return s;
}

ConfigIssue::ConfigIssue(Location location, std::string path, std::string detail)
    : ConfigError(with_location(location, path, detail)), location_(std::move(location)), path_(std::move(path)),
      detail_(std::move(detail)) {}

std::string quote(const std::string& text) {
  std::string s = "'";
  s += text;
  s += "'";
  return s;
}

std::string join_path(const std::string& path, const std::string& key) {
  if (path.empty()) return key;
  std::string s = path;
  s += ".";
  s += key;
  return s;
}

// ---- parsing ------------------------------------------------------------------------------

// A config expands to at most this many values, aliases counted at every use: to_json and the
// typed accessors copy aliased subtrees, so `&a [*b, *b, ...]` chains ("billion laughs")
// would otherwise turn a few hundred bytes into gigabytes.
constexpr std::size_t kMaxConfigValues = 1'000'000;

// Depth and expanded size, walked with an explicit stack so that the check itself cannot
// overflow the call stack.
void check_tree_size(const Document& doc) {
  std::vector<std::pair<YAML::Node, std::size_t>> stack{{doc.root, 1}};
  std::size_t visited = 0;
  while (!stack.empty()) {
    auto [node, depth] = std::move(stack.back());
    stack.pop_back();
    if (depth > io::kMaxNestingDepth)
      throw ConfigIssue(mark_location(&doc, node.Mark()), "",
                        "the config nests more than " + std::to_string(io::kMaxNestingDepth) +
                            " levels deep; the limit is " + std::to_string(io::kMaxNestingDepth));
    if (++visited > kMaxConfigValues)
      throw ConfigIssue(mark_location(&doc, node.Mark()), "",
                        "the config expands to more than " + std::to_string(kMaxConfigValues) +
                            " values (YAML aliases repeated many times?)");
    if (node.IsSequence()) {
      for (const auto& item : node) stack.emplace_back(item, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        stack.emplace_back(kv.first, depth + 1);
        stack.emplace_back(kv.second, depth + 1);
      }
    }
  }
}

Document parse_document(const std::string& text, const std::string& name) {
  Document doc;
  doc.file = name;
  try {
    doc.root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigIssue(mark_location(&doc, e.mark), "",
                      "the config nests too deeply for the YAML parser; the limit is " +
                          std::to_string(io::kMaxNestingDepth) + " levels");
  } catch (const YAML::ParserException& e) {
    Location loc = mark_location(&doc, e.mark);
    throw ConfigIssue(loc, "", "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigIssue(mark_location(&doc, e.mark), "", "YAML error: " + e.msg);
  }
  if (doc.root.IsNull() || !doc.root.IsDefined()) doc.root = YAML::Node(YAML::NodeType::Map);
  check_tree_size(doc);
  if (!doc.root.IsMap())
    throw ConfigIssue(mark_location(&doc, doc.root.Mark()), "",
                      "the config must be a mapping of sections (data, model, compile, fit, ...), found " +
                          describe_value(doc.root));
  return doc;
}

Document load_document(const std::string& path) {
  try {
    io::require_regular_file(path, "a YAML config file");
  } catch (const IOError& e) {
    Location loc;
    loc.file = path;
    throw ConfigIssue(loc, "", e.what());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Location loc;
    loc.file = path;
    throw ConfigIssue(loc, "", "cannot open the config file (no such file or not readable)");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_document(ss.str(), path);
}

// ---- overrides ----------------------------------------------------------------------------

void apply_override(Document& doc, const std::string& assignment) {
  Location loc;
  loc.override_arg = assignment;
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigIssue(loc, "", "an override must look like key.path=value (e.g. fit.epochs=1)");
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  // Split "a.b[2].c" into segments.
  struct Seg {
    std::string key;
    long index = -1;
  };
  std::vector<Seg> segs;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const auto close = path.find(']', i);
      const std::string num = close == std::string::npos ? "" : path.substr(i + 1, close - i - 1);
      if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigIssue(loc, "", "bad list index in '" + path + "' (use [0], [1], ...)");
      segs.push_back({"", std::stol(num)});
      i = close + 1;
      continue;
    }
    const auto end = path.find_first_of(".[", i);
    segs.push_back({path.substr(i, end == std::string::npos ? std::string::npos : end - i), -1});
    i = end == std::string::npos ? path.size() : end;
  }
  if (segs.empty()) throw ConfigIssue(loc, "", "empty key path");
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigIssue(loc, path, "the value is not valid YAML: " + e.msg);
  }
  if (!value.IsDefined()) value = YAML::Node();
  YAML::Node cur = doc.root;
  std::string walked;
  for (std::size_t s = 0; s < segs.size(); ++s) {
    const bool last = s + 1 == segs.size();
    const Seg& seg = segs[s];
    if (seg.index >= 0) {
      if (!cur.IsSequence())
        throw ConfigIssue(loc, walked, "cannot index [" + std::to_string(seg.index) + "]: not a list");
      if (static_cast<std::size_t>(seg.index) >= cur.size())
        throw ConfigIssue(loc, walked, "index [" + std::to_string(seg.index) + "] is past the end of the list (" +
                                           std::to_string(cur.size()) + " items)");
      walked += "[" + std::to_string(seg.index) + "]";
      if (last) {
        cur[static_cast<std::size_t>(seg.index)] = value;
      } else {
        YAML::Node next = cur[static_cast<std::size_t>(seg.index)];
        cur.reset(next);
      }
    } else {
      if (!cur.IsMap() && !cur.IsNull())
        throw ConfigIssue(loc, walked, "cannot set key '" + seg.key + "': " + walked + " is not a mapping");
      walked = join_path(walked, seg.key);
      if (last) {
        cur[seg.key] = value;
      } else {
        if (!cur[seg.key] || cur[seg.key].IsNull()) cur[seg.key] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[seg.key];
        cur.reset(next);
      }
    }
  }
  doc.overrides[walked] = assignment;
}

// ---- conversion ---------------------------------------------------------------------------

namespace {

// std::stod throws std::out_of_range for 1e999; YAML readers (PyYAML included) take such a
// float as infinity, which strtod returns (and the nearest value for an underflow).
double to_double(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

}  // namespace

Config to_json(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsSequence()) {
    Config a = Config::array();
    for (const auto& item : node) a.push_back(to_json(item));
    return a;
  }
  if (node.IsMap()) {
    Config o = Config::object();
    for (const auto& kv : node) o[kv.first.Scalar()] = to_json(kv.second);
    return o;
  }
  const std::string& s = node.Scalar();
  if (!plain(node)) return s;
  static const std::regex null_re("~|null|Null|NULL");
  static const std::regex true_re("true|True|TRUE");
  static const std::regex false_re("false|False|FALSE");
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex hex_re("0x[0-9a-fA-F]+");
  static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex inf_re("[-+]?\\.(inf|Inf|INF)");
  static const std::regex nan_re("\\.(nan|NaN|NAN)");
  if (s.empty() || std::regex_match(s, null_re)) return nullptr;
  if (std::regex_match(s, true_re)) return true;
  if (std::regex_match(s, false_re)) return false;
  try {
    if (std::regex_match(s, int_re)) return static_cast<std::int64_t>(std::stoll(s));
    if (std::regex_match(s, hex_re)) return static_cast<std::int64_t>(std::stoll(s, nullptr, 16));
  } catch (const std::out_of_range&) {
    return to_double(s);
  }
  if (std::regex_match(s, float_re)) return to_double(s);
  if (std::regex_match(s, inf_re)) return s[0] == '-' ? -std::numeric_limits<double>::infinity()
                                                       : std::numeric_limits<double>::infinity();
  if (std::regex_match(s, nan_re)) return std::numeric_limits<double>::quiet_NaN();
  return s;
}

std::string to_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  std::string s = out.c_str();
  s += "\n";
  return s;
}

std::string describe_value(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing (null)";
  if (node.IsSequence() || node.IsMap()) {
    YAML::Emitter out;
    out.SetSeqFormat(YAML::Flow);
    out.SetMapFormat(YAML::Flow);
    out << node;
    std::string s = node.IsSequence() ? "a list " : "a mapping ";
    std::string text = out.c_str();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    s += text;
    return s;
  }
  const Config v = to_json(node);
  std::string s;
  if (v.is_boolean()) s = "a boolean ";
  else if (v.is_number_integer()) s = "an integer ";
  else if (v.is_number()) s = "a number ";
  else s = "a string ";
  if (v.is_string()) {
    s += "'";
    s += node.Scalar();
    s += "'";
  } else {
    s += node.Scalar();
  }
  return s;
}

// ---- Field --------------------------------------------------------------------------------

Field::Field(const Document* doc, YAML::Node node, std::string path, std::optional<YAML::Mark> key_mark)
    : doc_(doc), node_(std::move(node)), path_(std::move(path)), key_mark_(key_mark) {}

Field root_field(const Document& doc) { return Field(&doc, doc.root, ""); }

bool Field::present() const { return node_.IsDefined() && !node_.IsNull(); }

Location Field::location() const {
  if (doc_) {
    // A value set (or inside a value set) by --set points at that argument.
    for (const auto& [p, arg] : doc_->overrides) {
      if (path_ == p || path_.rfind(p + ".", 0) == 0 || path_.rfind(p + "[", 0) == 0) {
        Location loc;
        loc.override_arg = arg;
        return loc;
      }
    }
  }
  YAML::Mark m = node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark();
  if (m.is_null() && key_mark_) m = *key_mark_;
  if (m.is_null() && doc_ && !path_.empty()) {
    // A node created by --set (an unknown section, say) has no position: name the argument.
    for (const auto& [p, arg] : doc_->overrides) {
      if (p.rfind(path_ + ".", 0) == 0 || p.rfind(path_ + "[", 0) == 0) {
        Location loc;
        loc.override_arg = arg;
        return loc;
      }
    }
  }
  return mark_location(doc_, m);
}

void Field::fail(const std::string& detail) const { throw ConfigIssue(location(), path_, detail); }

Location Field::key_location() const {
  Location loc = location();
  if (loc.override_arg.empty() && key_mark_ && !key_mark_->is_null()) return mark_location(doc_, *key_mark_);
  return loc;
}

void Field::fail_at_key(const std::string& detail) const { throw ConfigIssue(key_location(), path_, detail); }

void Field::wrong_type(const std::string& expected) const {
  fail("expected " + expected + ", found " + describe_value(node_));
}

Field Field::operator[](const std::string& key) const {
  if (present() && !node_.IsMap()) wrong_type("a mapping");
  const std::string p = join_path(path_, key);
  if (!present()) return Field(doc_, YAML::Node(YAML::NodeType::Undefined), p);
  for (const auto& kv : node_) {
    if (kv.first.Scalar() == key) return Field(doc_, kv.second, p, kv.first.Mark());
  }
  Field f(doc_, YAML::Node(YAML::NodeType::Undefined), p, node_.Mark());
  return f;
}

Field Field::item(std::size_t i) const {
  std::string p = path_;
  p += "[";
  p += std::to_string(i);
  p += "]";
  return Field(doc_, node_[i], p);
}

std::size_t Field::size() const { return present() ? node_.size() : 0; }

std::vector<std::string> Field::keys() const {
  std::vector<std::string> out;
  if (!present()) return out;
  if (!node_.IsMap()) wrong_type("a mapping");
  std::set<std::string> seen;
  for (const auto& kv : node_) {
    const std::string& k = kv.first.Scalar();
    if (!seen.insert(k).second)
      throw ConfigIssue(mark_location(doc_, kv.first.Mark()), join_path(path_, k), "duplicate key");
    out.push_back(k);
  }
  return out;
}

void Field::allow_only(const std::vector<std::string>& allowed) const {
  for (const auto& k : keys()) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string detail = "unknown key '";
    detail += k;
    detail += "'";
    const auto close = closest_names(k, allowed);
    if (!close.empty()) {
      detail += ". Did you mean '";
      detail += close.front();
      detail += "'?";
    }
    detail += " Known keys: ";
    for (std::size_t i = 0; i < allowed.size(); ++i) {
      if (i) detail += ", ";
      detail += allowed[i];
    }
    (*this)[k].fail_at_key(detail);
  }
}

std::string Field::as_string() const {
  if (!node_.IsScalar()) wrong_type("a string");
  return node_.Scalar();
}

std::int64_t Field::as_int() const {
  const Config v = node_.IsScalar() ? to_json(node_) : Config();
  if (v.is_number_integer()) return v.get<std::int64_t>();
  wrong_type("an integer");
}

double Field::as_number() const {
  const Config v = node_.IsScalar() ? to_json(node_) : Config();
  if (v.is_number()) return v.get<double>();
  wrong_type("a number");
}

bool Field::as_bool() const {
  const Config v = node_.IsScalar() ? to_json(node_) : Config();
  if (v.is_boolean()) return v.get<bool>();
  wrong_type("a boolean (true or false)");
}

std::vector<std::int64_t> Field::as_int_list() const {
  if (!node_.IsSequence()) wrong_type("a list of integers");
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < node_.size(); ++i) out.push_back(item(i).as_int());
  return out;
}

std::vector<std::string> Field::as_string_list() const {
  if (node_.IsScalar()) return {node_.Scalar()};
  if (!node_.IsSequence()) wrong_type("a string or a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node_.size(); ++i) out.push_back(item(i).as_string());
  return out;
}

std::string Field::get_string(const std::string& key, const std::string& def) const {
  const Field f = (*this)[key];
  return f.present() ? f.as_string() : def;
}
std::int64_t Field::get_int(const std::string& key, std::int64_t def) const {
  const Field f = (*this)[key];
  return f.present() ? f.as_int() : def;
}
double Field::get_number(const std::string& key, double def) const {
  const Field f = (*this)[key];
  return f.present() ? f.as_number() : def;
}
bool Field::get_bool(const std::string& key, bool def) const {
  const Field f = (*this)[key];
  return f.present() ? f.as_bool() : def;
}

}  // namespace temper::cli
