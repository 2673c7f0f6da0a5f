// relu.hpp — the ReLU layer (Keras: keras.layers.ReLU).
#pragma once
#include <optional>
#include <string>

#include "temper/layer.hpp"

namespace temper::layers {

/// Rectified linear unit with Keras's three arguments (Keras: keras.layers.ReLU):
///
///     f(x) = min(x, max_value)                 if x > threshold
///     f(x) = negative_slope * (x - threshold)  otherwise
///
/// With the defaults it is max(x, 0). `max_value` (null: no cap), `negative_slope` and
/// `threshold` must be >= 0, as Keras requires. No weights.
class ReLU final : public Layer {
 public:
  struct Options {
    std::optional<double> max_value{};
    double negative_slope = 0.0;
    double threshold = 0.0;
    std::string name{};
  };
  ReLU();
  explicit ReLU(Options options);

  std::string class_name() const override { return "ReLU"; }
  Tensor call(const Tensor& inputs, bool training) override;
  Config get_config() const override;
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
};

}  // namespace temper::layers
