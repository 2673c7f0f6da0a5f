// tensor.hpp — the n-dimensional array every layer, loss and optimizer works on.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "temper/backend.hpp"
#include "temper/dtype.hpp"
#include "temper/shape.hpp"

namespace temper {

class Tensor;
struct Node;

/// Autograd bookkeeping attached to a tensor that takes part in differentiation.
struct AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;          ///< the op that produced this tensor (null for leaves)
  std::shared_ptr<Tensor> grad;           ///< accumulated gradient (leaves only)
};

/// An n-d array (Keras: a backend tensor / numpy array).
///
/// A Tensor is a shape, a dtype and a shared handle to a backend Buffer, plus an element
/// offset so that reshapes and leading-axis slices are cheap views of the same memory. Storage
/// is always contiguous row-major (no strides). Copying a Tensor copies the handle, not the
/// data; use `clone()` for a deep copy. Arithmetic goes through `temper::ops` and is
/// differentiable when any input `requires_grad()` and grad mode is on.
class Tensor {
 public:
  /// An undefined tensor (`defined()` is false).
  Tensor() = default;

  // ---- construction ----------------------------------------------------------------------
  /// Uninitialised tensor on `backend` (default backend when null).
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32,
                      Backend* backend = nullptr);
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32,
                      Backend* backend = nullptr);
  static Tensor ones(const Shape& shape, DType dtype = DType::Float32,
                     Backend* backend = nullptr);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::Float32,
                     Backend* backend = nullptr);
  /// A 0-d tensor.
  static Tensor scalar(double value, DType dtype = DType::Float32, Backend* backend = nullptr);
  /// Copies host data; `values.size()` must equal the shape's element count.
  template <class T>
  static Tensor from_data(std::span<const T> values, const Shape& shape,
                          Backend* backend = nullptr) {
    return from_host(values.data(), values.size(), dtype_of_v<T>, shape, backend);
  }
  /// Copies a std::vector (float -> float32, double -> float64, int32 -> int32, uint8).
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                            Backend* backend = nullptr) {
    return from_host(values.data(), values.size(), dtype_of_v<T>, shape, backend);
  }
  /// Same, shape (values.size(),).
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, Backend* backend = nullptr) {
    return from_host(values.data(), values.size(), dtype_of_v<T>,
                     Shape{static_cast<std::int64_t>(values.size())}, backend);
  }
  /// Copies `count` elements of `dtype` from host memory.
  static Tensor from_host(const void* data, std::size_t count, DType dtype, const Shape& shape,
                          Backend* backend = nullptr);
  /// Wraps an existing buffer (backend use).
  Tensor(std::shared_ptr<Buffer> buffer, std::int64_t offset, Shape shape, DType dtype);

  // ---- inspection ------------------------------------------------------------------------
  bool defined() const noexcept { return static_cast<bool>(buffer_); }
  const Shape& shape() const noexcept { return shape_; }
  /// Extent of axis `axis` (negative counts from the end).
  std::int64_t dim(int axis) const;
  int rank() const noexcept { return static_cast<int>(shape_.size()); }
  std::int64_t numel() const noexcept { return numel_; }
  DType dtype() const noexcept { return dtype_; }
  Backend& backend() const;
  DeviceType device() const { return backend().device_type(); }

  /// Copies the contents to a host vector of T (T must match the dtype).
  template <class T>
  std::vector<T> to_vector() const {
    std::vector<T> out(static_cast<std::size_t>(numel_));
    copy_to_host(out.data(), dtype_of_v<T>);
    return out;
  }
  /// Copies the contents to host memory; `dtype` must equal dtype() (checked).
  void copy_to_host(void* dst, DType dtype) const;
  /// Value of a one-element tensor as double.
  double item() const;

  // ---- views and copies (views share memory) -----------------------------------------
  /// View with a new shape; one extent may be -1. Differentiable.
  Tensor reshape(const Shape& shape) const;
  /// View of rows [start, stop) along axis 0. Not differentiable (data access).
  Tensor slice_rows(std::int64_t start, std::int64_t stop) const;
  /// Deep copy (detached from autograd).
  Tensor clone() const;
  /// Same data, no autograd history.
  Tensor detach() const;
  /// Converts dtype (copy). uint8 -> float32 is how image bytes become inputs.
  Tensor astype(DType dtype) const;
  /// Copies the tensor to another backend (explicit host<->device transfer).
  Tensor to(Backend& backend) const;
  /// Copies `src`'s contents into this tensor's memory (same numel and dtype).
  void assign(const Tensor& src);

  // ---- autograd ------------------------------------------------------------------------
  bool requires_grad() const noexcept { return meta_ && meta_->requires_grad; }
  /// Marks a leaf as a variable whose gradient is accumulated by backward().
  Tensor& set_requires_grad(bool on);
  /// The accumulated gradient of a leaf (undefined if none yet).
  Tensor grad() const;
  /// Clears the accumulated gradient (releases its memory).
  void zero_grad();
  /// Reverse-mode differentiation from this scalar (or with an explicit seed gradient).
  void backward() const;
  /// Same, seeding the pass with `grad_output` (same shape as this tensor).
  void backward(const Tensor& grad_output) const;
  const std::shared_ptr<AutogradMeta>& autograd_meta() const noexcept { return meta_; }
  std::shared_ptr<AutogradMeta>& mutable_autograd_meta();

  // ---- backend access ------------------------------------------------------------------
  const std::shared_ptr<Buffer>& buffer() const noexcept { return buffer_; }
  std::int64_t offset() const noexcept { return offset_; }
  /// Device pointer to the first element, viewed as T (any T: the offset is applied in
  /// bytes of the tensor's own dtype, so `data<std::byte>()` is also correct).
  /// For backend implementations only.
  template <class T>
  T* data() const noexcept {
    return reinterpret_cast<T*>(static_cast<unsigned char*>(buffer_->data()) +
                                offset_ * static_cast<std::int64_t>(dtype_size(dtype_)));
  }

  /// Text with shape, dtype and up to `max_values` leading values.
  std::string to_string(std::size_t max_values = 6) const;

 private:
  std::shared_ptr<Buffer> buffer_;
  std::int64_t offset_ = 0;
  Shape shape_;
  std::int64_t numel_ = 0;
  DType dtype_ = DType::Float32;
  std::shared_ptr<AutogradMeta> meta_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Arithmetic operators (differentiable; NumPy broadcasting and promotion of uint8/int32 to
// float32 when combined with a floating scalar).
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double s);
Tensor operator-(const Tensor& a, double s);
Tensor operator*(const Tensor& a, double s);
Tensor operator/(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(double s, const Tensor& a);
Tensor operator-(const Tensor& a);

}  // namespace temper
