// arguments.hpp — constructor arguments declared once (Keras: a class's `__init__` signature,
// which `get_config()` writes and `cls(**config)` reads back).
//
// A class lists its Options fields in one `Arguments<Options>` table: the Keras name, the
// member, and what a valid value is. Generic code gives from that table the class's
// get_config, its from_config, its argument list for the registry and for error messages, and
// the checks its constructor runs. Reading is strict: an unknown key is an error naming the
// argument and the closest known one, as `cls(**config)` raises TypeError in Keras.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "temper/activations.hpp"
#include "temper/config.hpp"
#include "temper/error.hpp"
#include "temper/initializers.hpp"
#include "temper/regularizers.hpp"

namespace temper {

/// Where a config comes from, which decides how keys that Keras writes but Temper does not
/// implement are treated.
enum class ConfigSource {
  /// A config a user wrote (YAML, C++): every key must be one the class implements.
  user,
  /// A model file written by some Keras version: keys that cannot change what the loaded
  /// model computes (an initializer's seed, a constraint) are accepted and ignored.
  keras_file,
};

/// A bad argument in a config. `path` is relative to the object being read ("units",
/// "kernel_size[1]", "learning_rate.config.decay_rate"); `detail` says what was expected and
/// what was found. what() is "<owner> argument '<path>': <detail>".
class ArgumentError : public ConfigError {
 public:
  ArgumentError(std::string owner, std::string path, std::string detail, bool unknown_key = false);
  const std::string& owner() const noexcept { return owner_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& detail() const noexcept { return detail_; }
  /// True when the key itself is wrong (not one of the class's arguments).
  bool unknown_key() const noexcept { return unknown_key_; }
  /// The same error one level further out: `prefix.path`.
  ArgumentError nested_in(const std::string& owner, const std::string& prefix) const;

 private:
  std::string owner_, path_, detail_;
  bool unknown_key_;
};

/// "an integer 3", "a string 'abc'", "a list [1, 2]" — how a found JSON value is described.
std::string describe_json(const Config& value);

/// A value that does not fit an argument: `detail` is "expected ..., found ...".
struct ArgValueError {
  std::string detail;
  std::string subpath{};  ///< "[1]" or ".config.seed" below the argument, if any
};

/// How one C++ type of argument is read from and written to JSON. Specialise it for a new
/// argument type: `expected` names the JSON accepted, `read` throws ArgValueError.
template <class T, class = void> struct ArgTraits;

#define TEMPER_DECLARE_ARG_TRAITS(T)                  \
  template <> struct ArgTraits<T> {                   \
    static const char* expected();                    \
    static T read(const Config& value);               \
    static Config write(const T& value);              \
  }
TEMPER_DECLARE_ARG_TRAITS(bool);
TEMPER_DECLARE_ARG_TRAITS(char);
TEMPER_DECLARE_ARG_TRAITS(std::int64_t);
TEMPER_DECLARE_ARG_TRAITS(double);
TEMPER_DECLARE_ARG_TRAITS(std::string);
TEMPER_DECLARE_ARG_TRAITS(std::vector<std::int64_t>);
TEMPER_DECLARE_ARG_TRAITS(std::vector<double>);
TEMPER_DECLARE_ARG_TRAITS(std::vector<std::string>);
TEMPER_DECLARE_ARG_TRAITS(activations::Activation);
TEMPER_DECLARE_ARG_TRAITS(initializers::Initializer);
TEMPER_DECLARE_ARG_TRAITS(regularizers::Regularizer);
TEMPER_DECLARE_ARG_TRAITS(Config);
#undef TEMPER_DECLARE_ARG_TRAITS

/// `int` arguments (axis, groups) read as integers in int range.
template <> struct ArgTraits<int> {
  static const char* expected() { return "an integer"; }
  static int read(const Config& value);
  static Config write(int value) { return value; }
};

/// A seed: a non-negative integer (Keras: `seed=None | int`; null is read by std::optional).
template <> struct ArgTraits<std::uint64_t> {
  static const char* expected() { return "a non-negative integer"; }
  static std::uint64_t read(const Config& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    throw ArgValueError{std::string("expected ") + expected() + ", found " + describe_json(v)};
  }
  static Config write(const std::uint64_t& v) { return v; }
};

/// One axis or a list of axes (Keras: `axis=-1` or `axis=(1, 2)`): an integer reads as a
/// list of one; a list of one is written back as the integer, as Keras writes `axis=-1`.
template <> struct ArgTraits<std::vector<int>> {
  static const char* expected() { return "an integer or a list of integers"; }
  static std::vector<int> read(const Config& v) {
    if (!v.is_array()) return {ArgTraits<int>::read(v)};
    std::vector<int> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      try {
        out.push_back(ArgTraits<int>::read(v[i]));
      } catch (ArgValueError& e) {
        e.subpath = std::string("[") + std::to_string(i) + "]";
        throw;
      }
    }
    return out;
  }
  static Config write(const std::vector<int>& v) { return v.size() == 1 ? Config(v[0]) : Config(v); }
};

/// An optional argument: null (or absent) is "not given".
template <class T> struct ArgTraits<std::optional<T>> {
  static std::string expected() { return std::string(ArgTraits<T>::expected()) + " or null"; }
  static std::optional<T> read(const Config& value) {
    if (value.is_null()) return std::nullopt;
    return ArgTraits<T>::read(value);
  }
  static Config write(const std::optional<T>& value) {
    return value ? ArgTraits<T>::write(*value) : Config(nullptr);
  }
};

/// Reads the keys of one config object, remembering which were asked for, so that `finish`
/// can reject the others. Every error names the owner and the argument.
class ArgReader {
 public:
  ArgReader(const Config& config, std::string owner, ConfigSource source = ConfigSource::user);

  const std::string& owner() const noexcept { return owner_; }
  ConfigSource source() const noexcept { return source_; }
  const Config& config() const noexcept { return config_; }

  /// True when `key` is present and not null (and marks it as known).
  bool has(const std::string& key);
  /// Marks `key` as known without reading it.
  void accept(const std::string& key) { seen_.insert(key); }
  /// Reads `old_name` where `name` is asked for and absent (an argument Keras renamed).
  void rename(std::string old_name, std::string name) { renames_.emplace_back(std::move(old_name), std::move(name)); }
  /// The value under `key` (or its older name); `key` must be present (see has()).
  const Config& value(const std::string& key) const;

  /// The value of `key` converted by ArgTraits<T>; `fallback` when absent or null.
  template <class T> T get(const std::string& key, T fallback) {
    if (!has(key)) return fallback;
    return convert<T>(key, value(key));
  }
  /// The value of `key`, which must be present.
  template <class T> T required(const std::string& key) {
    if (!has(key)) fail(key, std::string("missing required argument (") + expected_of<T>() + ")");
    return convert<T>(key, value(key));
  }
  /// Converts one value as argument `key` would be.
  template <class T> T convert(const std::string& key, const Config& value) const {
    try {
      return ArgTraits<T>::read(value);
    } catch (const ArgValueError& e) {
      fail(key + e.subpath, e.detail);
    } catch (const ArgumentError& e) {
      throw e.nested_in(owner_, key);
    } catch (const ConfigError& e) {
      fail(key, e.what());
    } catch (const ValueError& e) {
      fail(key, e.what());
    }
  }

  /// Throws ArgumentError for `key`.
  [[noreturn]] void fail(const std::string& key, const std::string& detail) const;
  /// Throws ArgumentError for any key nobody asked for, with a did-you-mean from `known`
  /// (defaults to the keys asked for).
  void finish(const std::vector<std::string>& known = {}) const;
  /// When a `required` argument is absent and a key outside `known` is close to its name
  /// ("unit" for "units"), throws the unknown-key error for that key: the misspelling is the
  /// mistake to report, not the missing argument.
  void reject_misspelled_required(const std::vector<std::string>& required,
                                  const std::vector<std::string>& known) const;

 private:
  template <class T> static std::string expected_of() { return ArgTraits<T>::expected(); }
  const Config& config_;
  std::string owner_;
  ConfigSource source_;
  std::set<std::string, std::less<>> seen_;
  std::vector<std::pair<std::string, std::string>> renames_;
};

/// What a valid value of an argument is: `expects` reads as "expected <expects>" in errors,
/// `ok` decides.
template <class T> struct Check {
  std::string expects{};
  std::function<bool(const T&)> ok{};
};

/// Common checks.
Check<std::int64_t> positive();
Check<std::int64_t> non_negative();
Check<double> positive_number();
Check<double> non_negative_number();
/// lo <= v < hi (Dropout's rate) or lo <= v <= hi with `closed`.
Check<double> in_range(double lo, double hi, bool closed = false);
Check<std::string> one_of(std::vector<std::string> values);
Check<std::vector<std::int64_t>> all_positive();

/// What a key that Keras writes but Temper does not implement means for a loaded model.
enum class Effect {
  /// Only training uses it (initializer seeds, constraints): accepted with any value from a
  /// Keras file; in a user config only its default is accepted.
  training_only,
  /// It changes what the model computes (LoRA, quantization): only the default is accepted.
  computation,
};

/// The arguments of one class, declared once (see the top of this file).
///
///     const Arguments<Dense::Options> kArgs = Arguments<Dense::Options>("Dense")
///         .required("units", &Dense::Options::units, positive())
///         .add("activation", &Dense::Options::activation)
///         .unsupported("lora_rank", nullptr, Effect::computation);
template <class O> class Arguments {
 public:
  explicit Arguments(std::string owner) : owner_(std::move(owner)) {}

  /// An argument with its default taken from `O{}`.
  template <class T> Arguments add(std::string name, T O::*member, Check<T> check = {}) && {
    add_entry<T>(std::move(name), member, std::move(check), false);
    return std::move(*this);
  }
  /// An argument every config must give.
  template <class T> Arguments required(std::string name, T O::*member, Check<T> check = {}) && {
    add_entry<T>(std::move(name), member, std::move(check), true);
    return std::move(*this);
  }
  /// An argument stored elsewhere in the object (not in O); the factory reads it itself.
  Arguments extra(std::string name) && {
    extras_.push_back(std::move(name));
    return std::move(*this);
  }
  /// A key Keras writes that Temper does not implement: accepted when its value is `def`
  /// (and, for Effect::training_only, with any value from a Keras file); get_config writes
  /// it as `def` when `written` (Keras writes some keys, like lora_rank, only when set).
  Arguments unsupported(std::string name, Config def, Effect effect, bool written = true) && {
    unsupported_.push_back({std::move(name), std::move(def), effect, written});
    return std::move(*this);
  }
  /// An older Keras name of an argument (LeakyReLU's "alpha" for "negative_slope").
  Arguments renamed(std::string old_name, std::string name) && {
    renames_.emplace_back(std::move(old_name), std::move(name));
    return std::move(*this);
  }

  const std::string& owner() const noexcept { return owner_; }

  /// Every key a config may hold, in declaration order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    for (const auto& e : extras_) out.push_back(e);
    for (const auto& u : unsupported_) out.push_back(u.name);
    return out;
  }

  /// Reads every declared argument into a default O; unsupported keys are checked. The
  /// caller reads its extras and then calls reader.finish(names()).
  O read(ArgReader& r) const {
    O o{};
    for (const auto& [old_name, name] : renames_) r.rename(old_name, name);
    std::vector<std::string> required, known = names();
    for (const auto& e : entries_)
      if (e.required) required.push_back(e.name);
    for (const auto& rn : renames_) known.push_back(rn.first);
    if (!required.empty()) r.reject_misspelled_required(required, known);
    for (const auto& e : entries_) e.read(r, o);
    for (const auto& u : unsupported_) check_unsupported(r, u);
    for (const auto& x : extras_) r.accept(x);
    return o;
  }
  /// from_config in one call: read, then reject unknown keys.
  O read_all(ArgReader& r) const {
    O o = read(r);
    r.finish(names());
    return o;
  }
  /// The declared arguments as JSON, in declaration order.
  void write(const O& o, Config& out) const {
    for (const auto& e : entries_) out[e.name] = e.write(o);
    for (const auto& u : unsupported_)
      if (u.written) out[u.name] = u.def;
  }
  Config write(const O& o) const {
    Config c = Config::object();
    write(o, c);
    return c;
  }
  /// Throws ValueError naming the first argument whose value fails its check (what a
  /// constructor runs, so that C++ and config callers get the same rule).
  void validate(const O& o) const {
    for (const auto& e : entries_) e.validate(o, owner_);
  }

 private:
  struct Entry {
    std::string name;
    bool required;
    std::function<void(ArgReader&, O&)> read;
    std::function<Config(const O&)> write;
    std::function<void(const O&, const std::string&)> validate;
  };
  struct Unsupported {
    std::string name;
    Config def;
    Effect effect;
    bool written;
  };

  template <class T> void add_entry(std::string name, T O::*member, Check<T> check, bool required) {
    Entry e;
    e.name = name;
    e.required = required;
    e.read = [name, member, check, required](ArgReader& r, O& o) {
      if (required) o.*member = r.template required<T>(name);
      else o.*member = r.template get<T>(name, o.*member);
      if (check.ok && !check.ok(o.*member))
        r.fail(name, "expected " + check.expects + ", found " + describe_json(ArgTraits<T>::write(o.*member)));
    };
    e.write = [member](const O& o) { return Config(ArgTraits<T>::write(o.*member)); };
    e.validate = [name, member, check](const O& o, const std::string& owner) {
      if (check.ok && !check.ok(o.*member))
        throw ValueError(owner + ": " + name + " must be " + check.expects + ", got " +
                         ArgTraits<T>::write(o.*member).dump());
    };
    entries_.push_back(std::move(e));
  }

  static void check_unsupported(ArgReader& r, const Unsupported& u) {
    if (!r.config().contains(u.name)) {
      r.accept(u.name);
      return;
    }
    const Config& v = r.config().at(u.name);
    r.accept(u.name);
    if (v == u.def || (u.def.is_null() && v.is_null())) return;
    if (u.effect == Effect::training_only && r.source() == ConfigSource::keras_file) return;
    r.fail(u.name, "Temper does not implement this argument; only " + u.def.dump() +
                       " is accepted, found " + describe_json(v) +
                       (u.effect == Effect::computation
                            ? " (it changes what the model computes)"
                            : " (it changes how the model trains)"));
  }

  std::string owner_;
  std::vector<Entry> entries_;
  std::vector<std::string> extras_;
  std::vector<Unsupported> unsupported_;
  std::vector<std::pair<std::string, std::string>> renames_;
};

}  // namespace temper
