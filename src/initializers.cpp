#include "temper/initializers.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "temper/arguments.hpp"
#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"
#include "temper/registry.hpp"

namespace temper::initializers {

InitializerFunction::~InitializerFunction() = default;

Registry<InitializerFunction>& registry() {
  static Registry<InitializerFunction> r("initializer");
  return r;
}

namespace {

using Ptr = std::shared_ptr<InitializerFunction>;

/// Registers one class: its Keras name and aliases, its argument table (which gives the
/// accepted keys, the defaults, the type checks), and how to build it from the options read.
template <class O> struct Registration {
  Registration(std::vector<std::string> names, const Arguments<O>& table, std::function<Ptr(const O&)> make) {
    Registry<InitializerFunction>::Entry e;
    e.name = names.front();
    e.aliases.assign(names.begin() + 1, names.end());
    e.arguments = table.names();
    e.make = [&table, make = std::move(make)](ArgReader& r) { return make(table.read_all(r)); };
    registry().add(std::move(e));
  }
};

/// An initializer class whose arguments are the fields of `Args`, declared once in `table`:
/// the constructor runs the table's checks and get_config writes it.
template <class Args> class TableInitializer : public InitializerFunction {
 public:
  std::string class_name() const override { return cls_; }
  Config get_config() const override {
    Config c = table_->write(a_);
    // Keras 3.15 added input_axes/output_axes (null by default); they are written only when
    // set, so that configs stay what earlier Keras versions read.
    for (const char* key : {"input_axes", "output_axes"})
      if (c.contains(key) && c.at(key).is_null()) c.erase(key);
    return c;
  }

 protected:
  TableInitializer(std::string cls, const Arguments<Args>& table, Args a)
      : cls_(std::move(cls)), table_(&table), a_(std::move(a)) {
    table_->validate(a_);
  }
  const Args& args() const noexcept { return a_; }

 private:
  std::string cls_;
  const Arguments<Args>* table_;  // a function-local static: lives as long as the program
  Args a_;
};

/// A draw with the initializer's own seed when it has one, else from the caller's stream.
template <class F> Tensor seeded(const std::optional<std::int64_t>& seed, Generator& rng, F&& draw) {
  if (!seed) return draw(rng);
  Generator own(static_cast<std::uint64_t>(*seed));
  return draw(own);
}

Config seed_json(const std::optional<std::int64_t>& seed) { return seed ? Config(*seed) : Config(nullptr); }

// ---- VarianceScaling and its fixed-parameter subclasses ---------------------------------------

using Axes = std::optional<std::vector<std::int64_t>>;

struct VarianceScalingArgs {
  double scale = 1.0;
  std::string mode = "fan_in";
  std::string distribution = "truncated_normal";
  std::optional<std::int64_t> seed{};
  Axes input_axes{}, output_axes{};  ///< Keras 3.15: the axes whose sizes make fan_in / fan_out
};

/// Keras compute_fans(shape, input_axes, output_axes): with both axis lists given, the fans are
/// the products of those axes' sizes (negative axes count from the end).
std::pair<double, double> fans_of(const Shape& shape, const Axes& in, const Axes& out) {
  if (!in || !out) return compute_fans(shape);
  const auto product = [&](const std::vector<std::int64_t>& axes) {
    double p = 1;
    const auto rank = static_cast<std::int64_t>(shape.size());
    for (std::int64_t a : axes) {
      const std::int64_t r = a < 0 ? a + rank : a;
      if (r < 0 || r >= rank)
        throw ShapeError("VarianceScaling: axis " + std::to_string(a) + " is out of range for shape " +
                         shape_to_string(shape));
      p *= static_cast<double>(shape[static_cast<std::size_t>(r)]);
    }
    return p;
  };
  return {product(*in), product(*out)};
}

std::string lower_case(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Keras accepts the distribution in any case, and "normal" for "truncated_normal".
Check<std::string> distribution_check() {
  return {"one of 'truncated_normal', 'untruncated_normal', 'uniform' (any case; 'normal' means "
          "'truncated_normal')",
          [](const std::string& d) {
            const std::string l = lower_case(d);
            return l == "truncated_normal" || l == "untruncated_normal" || l == "uniform" || l == "normal";
          }};
}

const Arguments<VarianceScalingArgs>& variance_scaling_arguments() {
  using A = VarianceScalingArgs;
  static const auto table = Arguments<A>("VarianceScaling")
                                .add("scale", &A::scale, positive_number())
                                .add("mode", &A::mode, one_of({"fan_in", "fan_out", "fan_avg"}))
                                .add("distribution", &A::distribution, distribution_check())
                                .add("seed", &A::seed)
                                .add("input_axes", &A::input_axes)
                                .add("output_axes", &A::output_axes);
  return table;
}

/// The distribution as the draw and get_config use it (distribution_check's spellings).
VarianceScalingArgs normalized(VarianceScalingArgs a) {
  a.distribution = lower_case(std::move(a.distribution));
  if (a.distribution == "normal") a.distribution = "truncated_normal";
  return a;
}

class VarianceScalingInit final : public TableInitializer<VarianceScalingArgs> {
 public:
  explicit VarianceScalingInit(VarianceScalingArgs a)
      : TableInitializer("VarianceScaling", variance_scaling_arguments(), normalized(std::move(a))) {}
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const override {
    return draw(args(), shape, rng, dtype);
  }
  static Tensor draw(const VarianceScalingArgs& a, const Shape& shape, Generator& rng, DType dtype) {
    auto [fan_in, fan_out] = fans_of(shape, a.input_axes, a.output_axes);
    const double n = a.mode == "fan_in" ? fan_in : a.mode == "fan_out" ? fan_out : (fan_in + fan_out) / 2.0;
    const double scale = a.scale / std::max(1.0, n);
    return seeded(a.seed, rng, [&](Generator& g) {
      if (a.distribution == "truncated_normal")
        return ops::random_normal(shape, 0.0, std::sqrt(scale) / 0.87962566103423978, g, dtype, true);
      if (a.distribution == "uniform") {
        const double limit = std::sqrt(3.0 * scale);
        return ops::random_uniform(shape, -limit, limit, g, dtype);
      }
      return ops::random_normal(shape, 0.0, std::sqrt(scale), g, dtype);
    });
  }
};

const Registration<VarianceScalingArgs> variance_scaling_registered{
    {"VarianceScaling", "variance_scaling"}, variance_scaling_arguments(),
    [](const VarianceScalingArgs& a) -> Ptr { return std::make_shared<VarianceScalingInit>(a); }};

struct SeedArgs {
  std::optional<std::int64_t> seed{};
  Axes input_axes{}, output_axes{};
};

/// Glorot/He/Lecun: VarianceScaling with a fixed scale, mode and distribution; only the seed
/// (and the fan axes) are arguments.
class FixedScalingInit final : public TableInitializer<SeedArgs> {
 public:
  FixedScalingInit(std::string cls, const Arguments<SeedArgs>& table, SeedArgs a, double scale, const char* mode,
                   const char* dist)
      : TableInitializer(std::move(cls), table, std::move(a)), scale_(scale), mode_(mode), dist_(dist) {}
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const override {
    const SeedArgs& a = args();
    return VarianceScalingInit::draw({scale_, mode_, dist_, a.seed, a.input_axes, a.output_axes}, shape, rng, dtype);
  }

 private:
  double scale_;
  const char* mode_;
  const char* dist_;
};

struct FixedScaling {
  Arguments<SeedArgs> table;
  Registration<SeedArgs> registration;
  FixedScaling(const std::string& cls, const std::string& alias, double scale, const char* mode, const char* dist)
      : table(Arguments<SeedArgs>(cls)
                  .add("seed", &SeedArgs::seed)
                  .add("input_axes", &SeedArgs::input_axes)
                  .add("output_axes", &SeedArgs::output_axes)),
        registration({cls, alias}, table, [this, cls, scale, mode, dist](const SeedArgs& a) -> Ptr {
          return std::make_shared<FixedScalingInit>(cls, table, a, scale, mode, dist);
        }) {}
};
const FixedScaling glorot_uniform_registered{"GlorotUniform", "glorot_uniform", 1.0, "fan_avg", "uniform"};
const FixedScaling glorot_normal_registered{"GlorotNormal", "glorot_normal", 1.0, "fan_avg", "truncated_normal"};
const FixedScaling he_uniform_registered{"HeUniform", "he_uniform", 2.0, "fan_in", "uniform"};
const FixedScaling he_normal_registered{"HeNormal", "he_normal", 2.0, "fan_in", "truncated_normal"};
const FixedScaling lecun_uniform_registered{"LecunUniform", "lecun_uniform", 1.0, "fan_in", "uniform"};
const FixedScaling lecun_normal_registered{"LecunNormal", "lecun_normal", 1.0, "fan_in", "truncated_normal"};

// ---- constants ---------------------------------------------------------------------------------

struct ConstantArgs {
  double value = 0.0;
};

const Arguments<ConstantArgs>& constant_arguments(const char* cls) {
  static const auto zeros = Arguments<ConstantArgs>("Zeros");
  static const auto ones = Arguments<ConstantArgs>("Ones");
  static const auto constant = Arguments<ConstantArgs>("Constant").add("value", &ConstantArgs::value);
  const std::string c = cls;
  return c == "Zeros" ? zeros : c == "Ones" ? ones : constant;
}

/// Zeros and Ones (no arguments; value 0 or 1) and Constant(value).
class ConstantInit final : public TableInitializer<ConstantArgs> {
 public:
  ConstantInit(const char* cls, double value) : TableInitializer(cls, constant_arguments(cls), {value}) {}
  Tensor operator()(const Shape& shape, Generator&, DType dtype) const override {
    return Tensor::full(shape, args().value, dtype);
  }
};

const Registration<ConstantArgs> zeros_registered{{"Zeros", "zeros", "zero"}, constant_arguments("Zeros"),
                                                  [](const ConstantArgs&) -> Ptr { return std::make_shared<ConstantInit>("Zeros", 0.0); }};
const Registration<ConstantArgs> ones_registered{{"Ones", "ones", "one"}, constant_arguments("Ones"),
                                                 [](const ConstantArgs&) -> Ptr { return std::make_shared<ConstantInit>("Ones", 1.0); }};
const Registration<ConstantArgs> constant_registered{
    {"Constant", "constant"}, constant_arguments("Constant"),
    [](const ConstantArgs& a) -> Ptr { return std::make_shared<ConstantInit>("Constant", a.value); }};

// ---- random ------------------------------------------------------------------------------------

struct UniformArgs {
  double minval = -0.05, maxval = 0.05;
  std::optional<std::int64_t> seed{};
};

const Arguments<UniformArgs>& uniform_arguments() {
  static const auto table = Arguments<UniformArgs>("RandomUniform")
                                .add("minval", &UniformArgs::minval)
                                .add("maxval", &UniformArgs::maxval)
                                .add("seed", &UniformArgs::seed);
  return table;
}

class RandomUniformInit final : public TableInitializer<UniformArgs> {
 public:
  explicit RandomUniformInit(UniformArgs a) : TableInitializer("RandomUniform", uniform_arguments(), std::move(a)) {
    if (args().minval > args().maxval)  // a check across two arguments
      throw ValueError("RandomUniform: minval must be <= maxval, got minval=" + Config(args().minval).dump() +
                       " and maxval=" + Config(args().maxval).dump());
  }
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const override {
    const UniformArgs& a = args();
    return seeded(a.seed, rng, [&](Generator& g) { return ops::random_uniform(shape, a.minval, a.maxval, g, dtype); });
  }
};

const Registration<UniformArgs> random_uniform_registered{
    {"RandomUniform", "random_uniform", "uniform"}, uniform_arguments(),
    [](const UniformArgs& a) -> Ptr { return std::make_shared<RandomUniformInit>(a); }};

struct NormalArgs {
  double mean = 0.0, stddev = 0.05;
  std::optional<std::int64_t> seed{};
};

const Arguments<NormalArgs>& normal_arguments(bool truncated) {
  const auto make = [](const char* owner) {
    return Arguments<NormalArgs>(owner)
        .add("mean", &NormalArgs::mean)
        .add("stddev", &NormalArgs::stddev, non_negative_number())
        .add("seed", &NormalArgs::seed);
  };
  static const auto normal = make("RandomNormal");
  static const auto truncated_normal = make("TruncatedNormal");
  return truncated ? truncated_normal : normal;
}

/// RandomNormal and TruncatedNormal.
class RandomNormalInit final : public TableInitializer<NormalArgs> {
 public:
  RandomNormalInit(NormalArgs a, bool truncated)
      : TableInitializer(truncated ? "TruncatedNormal" : "RandomNormal", normal_arguments(truncated), std::move(a)),
        truncated_(truncated) {}
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const override {
    const NormalArgs& a = args();
    return seeded(a.seed, rng,
                  [&](Generator& g) { return ops::random_normal(shape, a.mean, a.stddev, g, dtype, truncated_); });
  }

 private:
  bool truncated_;
};

const Registration<NormalArgs> random_normal_registered{
    {"RandomNormal", "random_normal", "normal"}, normal_arguments(false),
    [](const NormalArgs& a) -> Ptr { return std::make_shared<RandomNormalInit>(a, false); }};
const Registration<NormalArgs> truncated_normal_registered{
    {"TruncatedNormal", "truncated_normal"}, normal_arguments(true),
    [](const NormalArgs& a) -> Ptr { return std::make_shared<RandomNormalInit>(a, true); }};

// ---- Orthogonal and Identity -------------------------------------------------------------------

// Orthogonal matrix (rows x cols) by modified Gram-Schmidt on the host, with Keras's sign
// correction so that the result equals q * sign(diag(r)) of a QR decomposition.
std::vector<double> orthogonal_matrix(std::int64_t rows, std::int64_t cols, Generator& rng) {
  const bool transpose = rows < cols;
  const std::int64_t n = transpose ? cols : rows, m = transpose ? rows : cols;  // n >= m
  Tensor a = ops::random_normal({n, m}, 0.0, 1.0, rng, DType::Float64);
  std::vector<double> q = a.to_vector<double>();  // column j of q: q[i*m + j]
  for (std::int64_t j = 0; j < m; ++j) {
    for (std::int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (std::int64_t i = 0; i < n; ++i) dot += q[i * m + k] * q[i * m + j];
      for (std::int64_t i = 0; i < n; ++i) q[i * m + j] -= dot * q[i * m + k];
    }
    double norm = 0;
    for (std::int64_t i = 0; i < n; ++i) norm += q[i * m + j] * q[i * m + j];
    norm = std::sqrt(norm);
    if (norm == 0) norm = 1;
    // Gram-Schmidt gives r_jj = norm > 0, which is exactly the sign-corrected QR factor.
    for (std::int64_t i = 0; i < n; ++i) q[i * m + j] /= norm;
  }
  if (!transpose) return q;
  std::vector<double> t(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < m; ++j) t[j * n + i] = q[i * m + j];
  return t;
}


struct OrthogonalArgs {
  double gain = 1.0;
  std::optional<std::int64_t> seed{};
};

const Arguments<OrthogonalArgs>& orthogonal_arguments() {
  static const auto table =
      Arguments<OrthogonalArgs>("Orthogonal").add("gain", &OrthogonalArgs::gain).add("seed", &OrthogonalArgs::seed);
  return table;
}

class OrthogonalInit final : public TableInitializer<OrthogonalArgs> {
 public:
  explicit OrthogonalInit(OrthogonalArgs a) : TableInitializer("Orthogonal", orthogonal_arguments(), std::move(a)) {}
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const override {
    if (shape.size() < 2)
      throw ShapeError("Orthogonal initializer needs a shape of rank >= 2, got " + shape_to_string(shape));
    const std::int64_t cols = shape.back();
    const std::int64_t rows = shape_numel(shape) / std::max<std::int64_t>(cols, 1);
    auto q = seeded(args().seed, rng, [&](Generator& g) {
      return Tensor::from_vector(orthogonal_matrix(rows, cols, g), shape);
    }).to_vector<double>();
    for (auto& v : q) v *= args().gain;
    return Tensor::from_vector(q, shape).astype(dtype);
  }
};

// Keras 3.7 renamed OrthogonalInitializer to Orthogonal; files from before still say the old name.
const Registration<OrthogonalArgs> orthogonal_registered{
    {"Orthogonal", "orthogonal", "OrthogonalInitializer", "orthogonal_initializer"}, orthogonal_arguments(),
    [](const OrthogonalArgs& a) -> Ptr { return std::make_shared<OrthogonalInit>(a); }};

struct IdentityArgs {
  double gain = 1.0;
};

const Arguments<IdentityArgs>& identity_arguments() {
  static const auto table = Arguments<IdentityArgs>("Identity").add("gain", &IdentityArgs::gain);
  return table;
}

class IdentityInit final : public TableInitializer<IdentityArgs> {
 public:
  explicit IdentityInit(IdentityArgs a) : TableInitializer("Identity", identity_arguments(), a) {}
  Tensor operator()(const Shape& shape, Generator&, DType dtype) const override {
    if (shape.size() != 2)
      throw ShapeError("Identity initializer can only be used for 2D matrices, got shape " + shape_to_string(shape));
    std::vector<double> m(static_cast<std::size_t>(shape_numel(shape)), 0.0);
    for (std::int64_t i = 0; i < std::min(shape[0], shape[1]); ++i)
      m[static_cast<std::size_t>(i * shape[1] + i)] = args().gain;
    return Tensor::from_vector(m, shape).astype(dtype);
  }
};

// Keras 3.7 renamed IdentityInitializer to Identity.
const Registration<IdentityArgs> identity_registered{
    {"Identity", "identity", "IdentityInitializer", "identity_initializer"}, identity_arguments(),
    [](const IdentityArgs& a) -> Ptr { return std::make_shared<IdentityInit>(a); }};

std::optional<std::int64_t> to_seed(const std::optional<std::uint64_t>& s) {
  if (!s) return std::nullopt;
  return static_cast<std::int64_t>(*s);
}

// A registered class by name or alias, or UnknownNameError suggesting the closest name.
std::string resolve_class(const std::string& name) {
  if (auto e = registry().find(name)) return e->name;
  throw UnknownNameError(unknown_name_message("initializer", name, names()));
}

}  // namespace

std::pair<double, double> compute_fans(const Shape& shape) {
  if (shape.empty()) return {1.0, 1.0};
  if (shape.size() == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  if (shape.size() == 2) return {static_cast<double>(shape[0]), static_cast<double>(shape[1])};
  double rf = 1;
  for (std::size_t i = 0; i + 2 < shape.size(); ++i) rf *= static_cast<double>(shape[i]);
  return {static_cast<double>(shape[shape.size() - 2]) * rf,
          static_cast<double>(shape.back()) * rf};
}

Initializer::Initializer() : Initializer("GlorotUniform") {}
Initializer::Initializer(const char* name) : Initializer(std::string(name)) {}
Initializer::Initializer(const std::string& name) : Initializer(name, Config::object()) {}
Initializer::Initializer(std::string class_name, Config config)
    : Initializer(std::move(class_name), std::move(config), ConfigSource::keras_file) {}
Initializer::Initializer(std::string class_name, Config config, ConfigSource source)
    : Initializer(std::shared_ptr<const InitializerFunction>(
          registry().create(resolve_class(class_name), config.is_null() ? Config::object() : config, source))) {}
Initializer::Initializer(std::shared_ptr<const InitializerFunction> fn) : fn_(std::move(fn)) {
  if (!fn_) throw ValueError("Initializer: the initializer function is null");
  class_name_ = fn_->class_name();
  config_ = fn_->get_config();
}

Config Initializer::get_config() const {
  return {{"module", "keras.initializers"}, {"class_name", class_name_}, {"config", config_}, {"registered_name", nullptr}};
}

Tensor Initializer::operator()(const Shape& shape, Generator& rng, DType dtype) const {
  return (*fn_)(shape, rng, dtype);
}

Initializer GlorotUniform(SeedOption o) { return {"GlorotUniform", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer GlorotNormal(SeedOption o) { return {"GlorotNormal", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer HeUniform(SeedOption o) { return {"HeUniform", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer HeNormal(SeedOption o) { return {"HeNormal", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer LecunUniform(SeedOption o) { return {"LecunUniform", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer LecunNormal(SeedOption o) { return {"LecunNormal", {{"seed", seed_json(to_seed(o.seed))}}}; }
Initializer VarianceScaling(VarianceScalingOptions o) {
  return Initializer(
      std::make_shared<VarianceScalingInit>(VarianceScalingArgs{o.scale, o.mode, o.distribution, to_seed(o.seed)}));
}
Initializer Zeros() { return Initializer("Zeros"); }
Initializer Ones() { return Initializer("Ones"); }
Initializer Constant(double value) { return {"Constant", {{"value", value}}}; }
Initializer RandomUniform(RandomUniformOptions o) {
  return Initializer(std::make_shared<RandomUniformInit>(UniformArgs{o.minval, o.maxval, to_seed(o.seed)}));
}
Initializer RandomNormal(RandomNormalOptions o) {
  return Initializer(std::make_shared<RandomNormalInit>(NormalArgs{o.mean, o.stddev, to_seed(o.seed)}, false));
}
Initializer TruncatedNormal(RandomNormalOptions o) {
  return Initializer(std::make_shared<RandomNormalInit>(NormalArgs{o.mean, o.stddev, to_seed(o.seed)}, true));
}
Initializer Orthogonal(OrthogonalOptions o) {
  return Initializer(std::make_shared<OrthogonalInit>(OrthogonalArgs{o.gain, to_seed(o.seed)}));
}
Initializer Identity(IdentityOptions o) { return Initializer(std::make_shared<IdentityInit>(IdentityArgs{o.gain})); }

std::vector<std::string> names() {
  // The snake_case spellings (what a user types); class names are accepted too.
  std::vector<std::string> out;
  for (const auto& n : registry().names(true)) {
    bool lower = true;
    for (char ch : n) lower = lower && !(ch >= 'A' && ch <= 'Z');
    if (lower) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Initializer get(const Config& c, ConfigSource source) {
  if (c.is_string()) return Initializer(c.get<std::string>());
  if (c.is_object() && c.contains("class_name") && c.at("class_name").is_string()) {
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "class_name" && it.key() != "config" && it.key() != "module" && it.key() != "registered_name")
        throw ConfigError("serialized initializer: unknown key '" + it.key() +
                          "' (expected class_name, config, module, registered_name)");
    return Initializer(c.at("class_name").get<std::string>(), c.value("config", Config::object()), source);
  }
  throw ConfigError("initializer must be a name or {class_name, config}, got " + describe_json(c));
}

Initializer get(const Config& c) { return get(c, ConfigSource::keras_file); }

}  // namespace temper::initializers
