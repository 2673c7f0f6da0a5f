// pooling.hpp — pooling layers (Keras: keras.layers.MaxPooling1D/2D, AveragePooling1D/2D,
// GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D).
//
// Inputs are channels_last: (batch, steps, channels) for the 1-D layers and (batch, height,
// width, channels) for the 2-D ones. Output sizes follow Keras: "valid" gives
// floor((n - pool) / stride) + 1, "same" ceil(n / stride); average pooling with "same"
// padding divides each border window by the number of positions inside the input.
#pragma once
#include <optional>

#include "temper/layer.hpp"
#include "temper/ops/convolution.hpp"

namespace temper::layers {

using ops::Size2;

/// Constructor arguments of MaxPooling2D / AveragePooling2D (Keras names and defaults).
struct Pooling2DOptions {
  Size2 pool_size = 2;
  std::optional<Size2> strides{};  ///< null (Keras None) = pool_size
  std::string padding = "valid";   ///< "valid" or "same"
  std::string data_format = "channels_last";
  std::string name{};
};

/// Shared implementation of the 2-D max and average pooling layers (Keras: the private
/// BasePooling class); use MaxPooling2D or AveragePooling2D.
class Pooling2D : public Layer {
 public:
  using Options = Pooling2DOptions;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  const Options& options() const noexcept { return options_; }
  /// The effective strides (pool_size when none were given).
  Size2 strides() const noexcept { return options_.strides.value_or(options_.pool_size); }

 protected:
  Pooling2D(Options options, bool is_max);
  static Options read_config(const Config& config, const std::string& who);

 private:
  Options options_;
  bool is_max_;
};

/// Max over each pool_size window, moved by strides (Keras: keras.layers.MaxPooling2D).
class MaxPooling2D final : public Pooling2D {
 public:
  explicit MaxPooling2D(Options options = {}) : Pooling2D(std::move(options), true) {}
  /// `layers::MaxPooling2D(2)`: (2, 2) windows with strides (2, 2).
  MaxPooling2D(Size2 pool_size, std::optional<Size2> strides, std::string padding = "valid")
      : MaxPooling2D(Options{pool_size, strides, std::move(padding), "channels_last", ""}) {}
  MaxPooling2D(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : MaxPooling2D(Options{.pool_size = pool_size}) {}
  std::string class_name() const override { return "MaxPooling2D"; }
  static LayerPtr from_config(const Config& config);
};

/// Mean over each pool_size window (Keras: keras.layers.AveragePooling2D).
class AveragePooling2D final : public Pooling2D {
 public:
  explicit AveragePooling2D(Options options = {}) : Pooling2D(std::move(options), false) {}
  AveragePooling2D(Size2 pool_size, std::optional<Size2> strides, std::string padding = "valid")
      : AveragePooling2D(Options{pool_size, strides, std::move(padding), "channels_last", ""}) {}
  AveragePooling2D(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : AveragePooling2D(Options{.pool_size = pool_size}) {}
  std::string class_name() const override { return "AveragePooling2D"; }
  static LayerPtr from_config(const Config& config);
};

/// Constructor arguments of MaxPooling1D / AveragePooling1D (Keras names and defaults).
struct Pooling1DOptions {
  std::int64_t pool_size = 2;
  std::optional<std::int64_t> strides{};  ///< null (Keras None) = pool_size
  std::string padding = "valid";
  std::string data_format = "channels_last";
  std::string name{};
};

/// Shared implementation of the 1-D pooling layers; use MaxPooling1D or AveragePooling1D.
class Pooling1D : public Layer {
 public:
  using Options = Pooling1DOptions;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  const Options& options() const noexcept { return options_; }
  std::int64_t strides() const noexcept { return options_.strides.value_or(options_.pool_size); }

 protected:
  Pooling1D(Options options, bool is_max);
  static Options read_config(const Config& config, const std::string& who);

 private:
  Options options_;
  bool is_max_;
};

/// Max over windows of steps (Keras: keras.layers.MaxPooling1D).
class MaxPooling1D final : public Pooling1D {
 public:
  explicit MaxPooling1D(Options options = {}) : Pooling1D(std::move(options), true) {}
  MaxPooling1D(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : MaxPooling1D(Options{.pool_size = pool_size}) {}
  std::string class_name() const override { return "MaxPooling1D"; }
  static LayerPtr from_config(const Config& config);
};

/// Mean over windows of steps (Keras: keras.layers.AveragePooling1D).
class AveragePooling1D final : public Pooling1D {
 public:
  explicit AveragePooling1D(Options options = {}) : Pooling1D(std::move(options), false) {}
  AveragePooling1D(std::int64_t pool_size)  // NOLINT(google-explicit-constructor)
      : AveragePooling1D(Options{.pool_size = pool_size}) {}
  std::string class_name() const override { return "AveragePooling1D"; }
  static LayerPtr from_config(const Config& config);
};

/// Constructor arguments of the global pooling layers (Keras names and defaults).
struct GlobalPoolingOptions {
  std::string data_format = "channels_last";
  bool keepdims = false;  ///< keep the pooled axes with extent 1
  std::string name{};
};

/// Shared implementation of the global pooling layers (Keras: BaseGlobalPooling).
class GlobalPooling : public Layer {
 public:
  using Options = GlobalPoolingOptions;
  Tensor call(const Tensor& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Config get_config() const override;
  const Options& options() const noexcept { return options_; }

 protected:
  GlobalPooling(Options options, bool is_max, int rank);
  static Options read_config(const Config& config, const std::string& who);

 private:
  Options options_;
  bool is_max_;
  int rank_;
};

/// Mean over the steps: (batch, steps, channels) -> (batch, channels)
/// (Keras: keras.layers.GlobalAveragePooling1D).
class GlobalAveragePooling1D final : public GlobalPooling {
 public:
  explicit GlobalAveragePooling1D(Options options = {}) : GlobalPooling(std::move(options), false, 3) {}
  std::string class_name() const override { return "GlobalAveragePooling1D"; }
  static LayerPtr from_config(const Config& config);
};

/// Mean over height and width: (batch, h, w, channels) -> (batch, channels)
/// (Keras: keras.layers.GlobalAveragePooling2D).
class GlobalAveragePooling2D final : public GlobalPooling {
 public:
  explicit GlobalAveragePooling2D(Options options = {}) : GlobalPooling(std::move(options), false, 4) {}
  std::string class_name() const override { return "GlobalAveragePooling2D"; }
  static LayerPtr from_config(const Config& config);
};

/// Max over the steps (Keras: keras.layers.GlobalMaxPooling1D).
class GlobalMaxPooling1D final : public GlobalPooling {
 public:
  explicit GlobalMaxPooling1D(Options options = {}) : GlobalPooling(std::move(options), true, 3) {}
  std::string class_name() const override { return "GlobalMaxPooling1D"; }
  static LayerPtr from_config(const Config& config);
};

/// Max over height and width (Keras: keras.layers.GlobalMaxPooling2D).
class GlobalMaxPooling2D final : public GlobalPooling {
 public:
  explicit GlobalMaxPooling2D(Options options = {}) : GlobalPooling(std::move(options), true, 4) {}
  std::string class_name() const override { return "GlobalMaxPooling2D"; }
  static LayerPtr from_config(const Config& config);
};

}  // namespace temper::layers
