// initializers.hpp — weight initializers (Keras: keras.initializers).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "temper/config.hpp"
#include "temper/random.hpp"
#include "temper/tensor.hpp"

namespace temper {
template <class Base> class Registry;
enum class ConfigSource;
}  // namespace temper

namespace temper::initializers {

/// One initializer class (Keras: keras.initializers.Initializer subclasses). Subclass it and
/// add it to registry() for a custom initializer.
class InitializerFunction {
 public:
  virtual ~InitializerFunction();
  /// Draws a tensor of `shape` (from `rng` unless the initializer has its own seed).
  virtual Tensor operator()(const Shape& shape, Generator& rng, DType dtype) const = 0;
  /// Keras class name, e.g. "GlorotUniform".
  virtual std::string class_name() const = 0;
  /// Keras get_config(): the constructor arguments.
  virtual Config get_config() const = 0;
};

/// The initializer registry: Keras class names with their snake_case and older aliases
/// ("glorot_uniform", "uniform", "OrthogonalInitializer").
Registry<InitializerFunction>& registry();

/// A weight initializer (Keras: keras.initializers.Initializer). A value type holding the
/// Keras class name and config; the named classes below (GlorotUniform, HeNormal, ...) are
/// thin constructors of it, and a string such as "glorot_uniform" converts implicitly. When
/// `seed` is set the draw is reproducible on its own; otherwise it comes from the generator
/// passed in (the model's seeded stream).
class Initializer {
 public:
  Initializer();                          // glorot_uniform
  Initializer(const char* name);          // NOLINT(google-explicit-constructor)
  Initializer(const std::string& name);   // NOLINT(google-explicit-constructor)
  Initializer(std::string class_name, Config config);
  Initializer(std::string class_name, Config config, ConfigSource source);
  explicit Initializer(std::shared_ptr<const InitializerFunction> fn);

  /// Draws a tensor of `shape`.
  Tensor operator()(const Shape& shape, Generator& rng, DType dtype = DType::Float32) const;
  const std::string& class_name() const noexcept { return class_name_; }
  const Config& config() const noexcept { return config_; }
  /// {"class_name": ..., "config": {...}} as Keras 3 serialises it (module/registered_name
  /// omitted).
  Config get_config() const;
  const std::shared_ptr<const InitializerFunction>& function() const noexcept { return fn_; }

 private:
  std::shared_ptr<const InitializerFunction> fn_;
  std::string class_name_;
  Config config_;
};

/// Fan-in and fan-out of a kernel shape as Keras computes them.
std::pair<double, double> compute_fans(const Shape& shape);

struct SeedOption { std::optional<std::uint64_t> seed{}; };
struct VarianceScalingOptions {
  double scale = 1.0;
  std::string mode = "fan_in";                  ///< fan_in, fan_out, fan_avg
  std::string distribution = "truncated_normal";  ///< truncated_normal, untruncated_normal, uniform
  std::optional<std::uint64_t> seed{};
};
struct RandomUniformOptions { double minval = -0.05, maxval = 0.05; std::optional<std::uint64_t> seed{}; };
struct RandomNormalOptions { double mean = 0.0, stddev = 0.05; std::optional<std::uint64_t> seed{}; };
struct OrthogonalOptions { double gain = 1.0; std::optional<std::uint64_t> seed{}; };
struct IdentityOptions { double gain = 1.0; };

/// Keras: keras.initializers.GlorotUniform (limit sqrt(6 / (fan_in + fan_out))).
Initializer GlorotUniform(SeedOption o = {});
/// Keras: keras.initializers.GlorotNormal (truncated, std sqrt(2 / (fan_in + fan_out))).
Initializer GlorotNormal(SeedOption o = {});
/// Keras: keras.initializers.HeUniform.
Initializer HeUniform(SeedOption o = {});
/// Keras: keras.initializers.HeNormal.
Initializer HeNormal(SeedOption o = {});
/// Keras: keras.initializers.LecunUniform.
Initializer LecunUniform(SeedOption o = {});
/// Keras: keras.initializers.LecunNormal.
Initializer LecunNormal(SeedOption o = {});
/// Keras: keras.initializers.VarianceScaling.
Initializer VarianceScaling(VarianceScalingOptions o = {});
/// Keras: keras.initializers.Zeros.
Initializer Zeros();
/// Keras: keras.initializers.Ones.
Initializer Ones();
/// Keras: keras.initializers.Constant.
Initializer Constant(double value = 0.0);
/// Keras: keras.initializers.RandomUniform.
Initializer RandomUniform(RandomUniformOptions o = {});
/// Keras: keras.initializers.RandomNormal.
Initializer RandomNormal(RandomNormalOptions o = {});
/// Keras: keras.initializers.TruncatedNormal (redraws beyond two standard deviations).
Initializer TruncatedNormal(RandomNormalOptions o = {});
/// Keras: keras.initializers.Orthogonal (QR of a normal matrix, sign-corrected).
Initializer Orthogonal(OrthogonalOptions o = {});
/// Keras: keras.initializers.Identity (IdentityInitializer before Keras 3.7): gain · eye for
/// 2-D shapes.
Initializer Identity(IdentityOptions o = {});

/// Names accepted as strings.
std::vector<std::string> names();
/// Keras: keras.initializers.get — from a name or a {class_name, config} object. Unknown
/// arguments are ArgumentErrors with a did-you-mean.
Initializer get(const Config& config);
Initializer get(const Config& config, ConfigSource source);

}  // namespace temper::initializers
