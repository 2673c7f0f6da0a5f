#include "temper/initializers.hpp"

#include <cmath>
#include <map>

#include "temper/error.hpp"
#include "temper/names.hpp"
#include "temper/ops.hpp"

namespace temper::initializers {

namespace {

// Keras's string aliases -> class names.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> a = {
      {"glorot_uniform", "GlorotUniform"}, {"glorot_normal", "GlorotNormal"},
      {"he_uniform", "HeUniform"},         {"he_normal", "HeNormal"},
      {"lecun_uniform", "LecunUniform"},   {"lecun_normal", "LecunNormal"},
      {"variance_scaling", "VarianceScaling"},
      {"zeros", "Zeros"},                  {"zero", "Zeros"},
      {"ones", "Ones"},                    {"one", "Ones"},
      {"constant", "Constant"},            {"random_uniform", "RandomUniform"},
      {"uniform", "RandomUniform"},        {"random_normal", "RandomNormal"},
      {"normal", "RandomNormal"},          {"truncated_normal", "TruncatedNormal"},
      {"orthogonal", "Orthogonal"},
  };
  return a;
}

const std::vector<std::string>& class_names() {
  static const std::vector<std::string> c = {
      "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
      "VarianceScaling", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal",
      "TruncatedNormal", "Orthogonal"};
  return c;
}

Config seed_config(std::optional<std::uint64_t> seed) {
  return seed ? Config(*seed) : Config(nullptr);
}

Config default_config(const std::string& cls) {
  if (cls == "Zeros" || cls == "Ones") return Config::object();
  if (cls == "Constant") return {{"value", 0.0}};
  if (cls == "RandomUniform") return {{"minval", -0.05}, {"maxval", 0.05}, {"seed", nullptr}};
  if (cls == "RandomNormal" || cls == "TruncatedNormal")
    return {{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}};
  if (cls == "Orthogonal") return {{"gain", 1.0}, {"seed", nullptr}};
  if (cls == "VarianceScaling")
    return {{"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}, {"seed", nullptr}};
  return {{"seed", nullptr}};
}

std::string resolve_class(const std::string& name) {
  if (auto it = aliases().find(name); it != aliases().end()) return it->second;
  for (const auto& c : class_names())
    if (c == name) return c;
  std::vector<std::string> known;
  for (const auto& [k, v] : aliases()) known.push_back(k);
  throw UnknownNameError(unknown_name_message("initializer", name, known));
}

struct Scaling {
  double scale;
  std::string mode, distribution;
};

Scaling scaling_of(const std::string& cls, const Config& cfg) {
  if (cls == "GlorotUniform") return {1.0, "fan_avg", "uniform"};
  if (cls == "GlorotNormal") return {1.0, "fan_avg", "truncated_normal"};
  if (cls == "HeUniform") return {2.0, "fan_in", "uniform"};
  if (cls == "HeNormal") return {2.0, "fan_in", "truncated_normal"};
  if (cls == "LecunUniform") return {1.0, "fan_in", "uniform"};
  if (cls == "LecunNormal") return {1.0, "fan_in", "truncated_normal"};
  return {cfg.value("scale", 1.0), cfg.value("mode", std::string("fan_in")),
          cfg.value("distribution", std::string("truncated_normal"))};
}

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

Initializer::Initializer() : Initializer("GlorotUniform", default_config("GlorotUniform")) {}
Initializer::Initializer(const char* name) : Initializer(std::string(name)) {}
Initializer::Initializer(const std::string& name)
    : class_name_(resolve_class(name)), config_(default_config(class_name_)) {}
Initializer::Initializer(std::string class_name, Config config)
    : class_name_(resolve_class(class_name)), config_(default_config(class_name_)) {
  if (config.is_object())
    for (auto& [k, v] : config.items()) {
      if (!config_.contains(k))
        throw ConfigError("initializer " + class_name_ + " has no argument '" + k + "'");
      config_[k] = v;
    }
  if (class_name_ == "VarianceScaling") {
    // Keras validates these in the constructor (ValueError), not on the first draw.
    const Config& c = config_;
    if (!c["scale"].is_number() || c["scale"].get<double>() <= 0)
      throw ValueError("VarianceScaling: scale must be a positive number, got " + c["scale"].dump());
    const auto mode = c["mode"].is_string() ? c["mode"].get<std::string>() : c["mode"].dump();
    if (mode != "fan_in" && mode != "fan_out" && mode != "fan_avg")
      throw ValueError("VarianceScaling: mode must be one of fan_in, fan_out, fan_avg, got '" + mode + "'");
    const auto dist = c["distribution"].is_string() ? c["distribution"].get<std::string>()
                                                    : c["distribution"].dump();
    if (dist != "truncated_normal" && dist != "untruncated_normal" && dist != "uniform")
      throw ValueError("VarianceScaling: distribution must be one of truncated_normal, "
                       "untruncated_normal, uniform, got '" + dist + "'");
  }
}

Config Initializer::get_config() const {
  return {{"module", "keras.initializers"}, {"class_name", class_name_}, {"config", config_}, {"registered_name", nullptr}};
}

Tensor Initializer::operator()(const Shape& shape, Generator& rng0, DType dtype) const {
  std::optional<Generator> own;
  if (config_.contains("seed") && !config_["seed"].is_null())
    own.emplace(config_["seed"].get<std::uint64_t>());
  Generator& rng = own ? *own : rng0;
  const auto& cls = class_name_;
  if (cls == "Zeros") return Tensor::zeros(shape, dtype);
  if (cls == "Ones") return Tensor::ones(shape, dtype);
  if (cls == "Constant") return Tensor::full(shape, config_.value("value", 0.0), dtype);
  if (cls == "RandomUniform")
    return ops::random_uniform(shape, config_["minval"].get<double>(), config_["maxval"].get<double>(), rng, dtype);
  if (cls == "RandomNormal")
    return ops::random_normal(shape, config_["mean"].get<double>(), config_["stddev"].get<double>(), rng, dtype);
  if (cls == "TruncatedNormal")
    return ops::random_normal(shape, config_["mean"].get<double>(), config_["stddev"].get<double>(), rng, dtype, true);
  if (cls == "Orthogonal") {
    if (shape.size() < 2)
      throw ShapeError("Orthogonal initializer needs a shape of rank >= 2, got " + shape_to_string(shape));
    const std::int64_t cols = shape.back();
    const std::int64_t rows = shape_numel(shape) / std::max<std::int64_t>(cols, 1);
    auto q = orthogonal_matrix(rows, cols, rng);
    for (auto& v : q) v *= config_.value("gain", 1.0);
    return Tensor::from_vector(q, shape).astype(dtype);
  }
  // Variance scaling family.
  const Scaling s = scaling_of(cls, config_);
  auto [fan_in, fan_out] = compute_fans(shape);
  double n;
  if (s.mode == "fan_in") n = fan_in;
  else if (s.mode == "fan_out") n = fan_out;
  else if (s.mode == "fan_avg") n = (fan_in + fan_out) / 2.0;
  else throw ConfigError("VarianceScaling mode must be fan_in, fan_out or fan_avg, got '" + s.mode + "'");
  const double scale = s.scale / std::max(1.0, n);
  if (s.distribution == "truncated_normal")
    return ops::random_normal(shape, 0.0, std::sqrt(scale) / 0.87962566103423978, rng, dtype, true);
  if (s.distribution == "untruncated_normal")
    return ops::random_normal(shape, 0.0, std::sqrt(scale), rng, dtype);
  if (s.distribution == "uniform") {
    const double limit = std::sqrt(3.0 * scale);
    return ops::random_uniform(shape, -limit, limit, rng, dtype);
  }
  throw ConfigError("VarianceScaling distribution must be truncated_normal, untruncated_normal or uniform, got '" +
                    s.distribution + "'");
}

Initializer GlorotUniform(SeedOption o) { return {"GlorotUniform", {{"seed", seed_config(o.seed)}}}; }
Initializer GlorotNormal(SeedOption o) { return {"GlorotNormal", {{"seed", seed_config(o.seed)}}}; }
Initializer HeUniform(SeedOption o) { return {"HeUniform", {{"seed", seed_config(o.seed)}}}; }
Initializer HeNormal(SeedOption o) { return {"HeNormal", {{"seed", seed_config(o.seed)}}}; }
Initializer LecunUniform(SeedOption o) { return {"LecunUniform", {{"seed", seed_config(o.seed)}}}; }
Initializer LecunNormal(SeedOption o) { return {"LecunNormal", {{"seed", seed_config(o.seed)}}}; }
Initializer VarianceScaling(VarianceScalingOptions o) {
  if (o.scale <= 0) throw ValueError("VarianceScaling scale must be > 0, got " + std::to_string(o.scale));
  return {"VarianceScaling", {{"scale", o.scale}, {"mode", o.mode}, {"distribution", o.distribution}, {"seed", seed_config(o.seed)}}};
}
Initializer Zeros() { return Initializer("Zeros"); }
Initializer Ones() { return Initializer("Ones"); }
Initializer Constant(double value) { return {"Constant", {{"value", value}}}; }
Initializer RandomUniform(RandomUniformOptions o) {
  if (o.minval > o.maxval) throw ValueError("RandomUniform minval must be <= maxval");
  return {"RandomUniform", {{"minval", o.minval}, {"maxval", o.maxval}, {"seed", seed_config(o.seed)}}};
}
Initializer RandomNormal(RandomNormalOptions o) {
  if (o.stddev < 0) throw ValueError("RandomNormal stddev must be >= 0, got " + std::to_string(o.stddev));
  return {"RandomNormal", {{"mean", o.mean}, {"stddev", o.stddev}, {"seed", seed_config(o.seed)}}};
}
Initializer TruncatedNormal(RandomNormalOptions o) {
  if (o.stddev < 0) throw ValueError("TruncatedNormal stddev must be >= 0, got " + std::to_string(o.stddev));
  return {"TruncatedNormal", {{"mean", o.mean}, {"stddev", o.stddev}, {"seed", seed_config(o.seed)}}};
}
Initializer Orthogonal(OrthogonalOptions o) {
  return {"Orthogonal", {{"gain", o.gain}, {"seed", seed_config(o.seed)}}};
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : aliases()) out.push_back(k);
  return out;
}

Initializer get(const Config& c) {
  if (c.is_string()) return Initializer(c.get<std::string>());
  if (c.is_object() && c.contains("class_name"))
    return Initializer(c["class_name"].get<std::string>(), c.value("config", Config::object()));
  throw ConfigError("initializer must be a name or {class_name, config}, got " + c.dump());
}

}  // namespace temper::initializers
