// regularizers.hpp — weight penalties added to the loss (Keras: keras.regularizers).
#pragma once
#include <string>

#include "temper/config.hpp"
#include "temper/tensor.hpp"

namespace temper {
template <class Base> class Registry;
enum class ConfigSource;
}  // namespace temper

namespace temper::regularizers {

/// A weight penalty l1 * sum(|w|) + l2 * sum(w^2) (Keras: keras.regularizers.L1L2; the
/// penalty has no 1/2 factor, as in Keras). Default-constructed it is "no regularizer".
/// Strings "l1", "l2", "l1_l2" convert implicitly with Keras's default factor 0.01.
class Regularizer {
 public:
  Regularizer() = default;
  Regularizer(const char* name);         // NOLINT(google-explicit-constructor)
  Regularizer(const std::string& name);  // NOLINT(google-explicit-constructor)
  Regularizer(double l1, double l2) : l1_(l1), l2_(l2), active_(true) {}

  bool active() const noexcept { return active_; }
  double l1() const noexcept { return l1_; }
  double l2() const noexcept { return l2_; }
  /// The penalty as a differentiable 0-d tensor.
  Tensor operator()(const Tensor& w) const;
  /// {"class_name": "L2", "config": {"l2": 0.01}} or null when inactive.
  Config get_config() const;

 private:
  double l1_ = 0.0, l2_ = 0.0;
  bool active_ = false;
};

/// Keras: keras.regularizers.L1(l1=0.01).
inline Regularizer L1(double l1 = 0.01) { return Regularizer(l1, 0.0); }
/// Keras: keras.regularizers.L2(l2=0.01).
inline Regularizer L2(double l2 = 0.01) { return Regularizer(0.0, l2); }
/// Keras: keras.regularizers.L1L2(l1=0.0, l2=0.0).
inline Regularizer L1L2(double l1 = 0.0, double l2 = 0.0) { return Regularizer(l1, l2); }

/// The regularizer registry: "L1" ("l1"), "L2" ("l2"), "L1L2" ("l1_l2": 0.01 for both, as
/// the string means in tf.keras). Entries make Regularizer values.
Registry<Regularizer>& registry();

/// Keras: keras.regularizers.get — null, a name, or {class_name, config}. A bad argument is an
/// ArgumentError naming it ("L2 argument 'l3': unknown argument ... Did you mean 'l2'?").
Regularizer get(const Config& config);
Regularizer get(const Config& config, ConfigSource source);

}  // namespace temper::regularizers
