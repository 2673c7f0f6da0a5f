// merging.hpp — layers that combine several inputs (Keras: keras.layers.Add, Concatenate, ...).
#pragma once
#include <string>
#include <vector>

#include "temper/layers/layer_class.hpp"

namespace temper::layers {

/// Options shared by the element-wise merge layers.
struct MergeOptions {
  std::string name{};
};

/// The base of the element-wise merge layers (Keras: keras.layers.Merge): two or more inputs
/// of equal (or broadcastable, with 1 or None extents) shapes, merged element by element.
class Merge : public Layer {
 public:
  explicit Merge(MergeOptions options);
  Tensor call(const Tensor& inputs, bool training) override;
  Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  void build_multi(const std::vector<Shape>& input_shapes) override;
  Config get_config() const override;

 protected:
  /// Merges two tensors; applied left to right over the inputs.
  virtual Tensor merge(const Tensor& a, const Tensor& b) const = 0;
  /// Post-processing of the merged tensor given the number of inputs (Average divides).
  virtual Tensor finish(const Tensor& merged, std::size_t count) const;
  /// Smallest number of inputs accepted and largest (0 = any).
  virtual std::size_t min_inputs() const { return 2; }
  virtual std::size_t max_inputs() const { return 0; }
};

#define TEMPER_MERGE_LAYER(NAME)                                                          \
  class NAME final : public Merge {                                                       \
   public:                                                                                \
    using Options = MergeOptions;                                                         \
    explicit NAME(MergeOptions options = {}) : Merge(std::move(options)) {}               \
    std::string class_name() const override { return #NAME; }                             \
    static LayerPtr from_config(const Config& config);                                    \
    static const Arguments<Options>& arguments();                                         \
                                                                                          \
   protected:                                                                             \
    Tensor merge(const Tensor& a, const Tensor& b) const override;                         \
    std::size_t max_inputs() const override;                                              \
  };

/// Sums its inputs (Keras: keras.layers.Add).
TEMPER_MERGE_LAYER(Add)
/// Subtracts the second input from the first; exactly two inputs (Keras: keras.layers.Subtract).
TEMPER_MERGE_LAYER(Subtract)
/// Multiplies its inputs element-wise (Keras: keras.layers.Multiply).
TEMPER_MERGE_LAYER(Multiply)
/// Element-wise maximum of its inputs (Keras: keras.layers.Maximum).
TEMPER_MERGE_LAYER(Maximum)
/// Element-wise minimum of its inputs (Keras: keras.layers.Minimum).
TEMPER_MERGE_LAYER(Minimum)

#undef TEMPER_MERGE_LAYER

/// Averages its inputs element-wise (Keras: keras.layers.Average).
class Average final : public Merge {
 public:
  using Options = MergeOptions;
  explicit Average(MergeOptions options = {}) : Merge(std::move(options)) {}
  std::string class_name() const override { return "Average"; }
  static LayerPtr from_config(const Config& config);
  /// The constructor arguments, declared once (arguments.hpp): none besides the base keys.
  static const Arguments<Options>& arguments();

 protected:
  Tensor merge(const Tensor& a, const Tensor& b) const override;
  /// The sum divided by the number of inputs.
  Tensor finish(const Tensor& merged, std::size_t count) const override;
};

/// Options of Concatenate (Keras: keras.layers.Concatenate(axis=-1)).
struct ConcatenateOptions {
  int axis = -1;
  std::string name{};
};

/// Joins its inputs along `axis`; every other extent must agree (Keras:
/// keras.layers.Concatenate).
class Concatenate final : public LayerClass<Concatenate, ConcatenateOptions> {
 public:
  static constexpr const char* keras_class = "Concatenate";
  using LayerClass::LayerClass;
  Concatenate() : LayerClass(Options{}) {}
  explicit Concatenate(int axis);
  Tensor call(const Tensor& inputs, bool training) override;
  Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  void build_multi(const std::vector<Shape>& input_shapes) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();
};

/// Options of Dot (Keras: keras.layers.Dot(axes, normalize=False)).
struct DotOptions {
  std::vector<int> axes{-1};  ///< one axis for both inputs, or one per input (Keras requires it)
  bool normalize = false;     ///< L2-normalise along the axes first (cosine proximity)
  std::string name{};
};

/// Dot product of two inputs along the given axes, per sample (Keras: keras.layers.Dot):
/// (B, n)·(B, n) -> (B, 1); (B, m, n)·(B, n, p) with axes (2, 1) -> (B, m, p).
class Dot final : public LayerClass<Dot, DotOptions> {
 public:
  static constexpr const char* keras_class = "Dot";
  using LayerClass::LayerClass;
  explicit Dot(int axes, bool normalize = false);
  Tensor call(const Tensor& inputs, bool training) override;
  Tensor call_multi(const std::vector<Tensor>& inputs, bool training) override;
  Shape compute_output_shape(const Shape& input_shape) const override;
  Shape compute_output_shape_multi(const std::vector<Shape>& input_shapes) const override;
  void build_multi(const std::vector<Shape>& input_shapes) override;
  /// The constructor arguments, declared once (arguments.hpp).
  static const Arguments<Options>& arguments();

 private:
  std::pair<int, int> resolved_axes(const Shape& a, const Shape& b) const;
};

}  // namespace temper::layers
