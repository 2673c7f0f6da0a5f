#include "temper/tensor.hpp"

#include <cstring>
#include <iomanip>
#include <limits>
#include <new>
#include <optional>
#include <ostream>
#include <sstream>

#include "src/saving/load_limits.hpp"
#include "temper/autograd.hpp"
#include "temper/error.hpp"
#include "temper/io/untrusted.hpp"
#include "temper/ops.hpp"

namespace temper {

namespace {

Backend& pick(Backend* b) { return b ? *b : default_backend(); }

void check_shape(const Shape& shape) {
  for (auto d : shape)
    if (d < 0)
      throw ShapeError("cannot create a tensor of shape " + shape_to_string(shape) +
                       ": every extent must be known and >= 0");
}

std::string describe(const Shape& shape, DType dtype) {
  return "a " + shape_to_string(shape) + " " + dtype_name(dtype) + " tensor";
}

// The byte size of a tensor, or a ResourceError when it does not even fit in 64 bits (a shape
// read from a damaged file must not wrap around to a small allocation).
std::uint64_t tensor_bytes(const Shape& shape, DType dtype) {
  std::optional<std::uint64_t> n = dtype_size(dtype);
  for (auto d : shape) {
    if (n) n = io::checked_mul(*n, static_cast<std::uint64_t>(d));
  }
  if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw ResourceError("cannot allocate " + describe(shape, dtype) + ": its size overflows 64 bits");
  return *n;
}

}  // namespace

Tensor::Tensor(std::shared_ptr<Buffer> buffer, std::int64_t offset, Shape shape, DType dtype)
    : buffer_(std::move(buffer)),
      offset_(offset),
      shape_(std::move(shape)),
      numel_(shape_numel(shape_)),
      dtype_(dtype) {}

Tensor Tensor::empty(const Shape& shape, DType dtype, Backend* backend) {
  check_shape(shape);
  Backend& b = pick(backend);
  const std::uint64_t bytes = tensor_bytes(shape, dtype);
  if (saving_detail::exceeds_allocation_cap(bytes))
    saving_detail::throw_allocation_cap(bytes, describe(shape, dtype));
  std::shared_ptr<Buffer> buffer;
  try {
    buffer = b.allocate(static_cast<std::size_t>(bytes));
  } catch (const std::bad_alloc&) {
    throw ResourceError("cannot allocate " + describe(shape, dtype) + ": " + io::format_bytes(bytes) +
                        " needed, out of memory");
  }
  return Tensor(std::move(buffer), 0, shape, dtype);
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Backend* backend) {
  Tensor t = empty(shape, dtype, backend);
  t.backend().fill(t, value);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Backend* backend) {
  return full(shape, 0.0, dtype, backend);
}

Tensor Tensor::ones(const Shape& shape, DType dtype, Backend* backend) {
  return full(shape, 1.0, dtype, backend);
}

Tensor Tensor::scalar(double value, DType dtype, Backend* backend) {
  return full(Shape{}, value, dtype, backend);
}

Tensor Tensor::from_host(const void* data, std::size_t count, DType dtype, const Shape& shape,
                         Backend* backend) {
  check_shape(shape);
  if (static_cast<std::int64_t>(count) != shape_numel(shape))
    throw ShapeError("cannot build a tensor of shape " + shape_to_string(shape) + " (" +
                     std::to_string(shape_numel(shape)) + " elements) from " +
                     std::to_string(count) + " values");
  Tensor t = empty(shape, dtype, backend);
  if (count) t.backend().from_host(data, t);
  return t;
}

std::int64_t Tensor::dim(int axis) const { return shape_[normalize_axis(axis, rank())]; }

Backend& Tensor::backend() const {
  if (!buffer_) throw StateError("operation on an undefined tensor");
  return buffer_->backend();
}

void Tensor::copy_to_host(void* dst, DType dtype) const {
  if (dtype != dtype_)
    throw ValueError("cannot read a " + dtype_name(dtype_) + " tensor as " + dtype_name(dtype) +
                     ": use astype() first");
  if (numel_) backend().to_host(*this, dst);
}

double Tensor::item() const {
  if (numel_ != 1)
    throw ShapeError("item() needs a tensor with exactly one element, got shape " +
                     shape_to_string(shape_));
  switch (dtype_) {
    case DType::Float32: return to_vector<float>()[0];
    case DType::Float64: return to_vector<double>()[0];
    case DType::Int32: return to_vector<std::int32_t>()[0];
    case DType::UInt8: return to_vector<std::uint8_t>()[0];
  }
  return 0.0;
}

Tensor Tensor::reshape(const Shape& shape) const { return ops::reshape(*this, shape); }

Tensor Tensor::slice_rows(std::int64_t start, std::int64_t stop) const {
  if (rank() == 0) throw ShapeError("slice_rows needs a tensor of rank >= 1, got a scalar");
  if (start < 0 || stop < start || stop > shape_[0])
    throw ValueError("slice_rows(" + std::to_string(start) + ", " + std::to_string(stop) +
                     ") is out of range for a tensor of shape " + shape_to_string(shape_));
  Shape s = shape_;
  s[0] = stop - start;
  const std::int64_t row = shape_[0] ? numel_ / shape_[0] : 0;
  return Tensor(buffer_, offset_ + start * row, s, dtype_);
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_, &backend());
  if (numel_) backend().copy(*this, t);
  return t;
}

Tensor Tensor::detach() const { return Tensor(buffer_, offset_, shape_, dtype_); }

Tensor Tensor::astype(DType dtype) const {
  Tensor t = empty(shape_, dtype, &backend());
  if (numel_) backend().cast(*this, t);
  return t;
}

Tensor Tensor::to(Backend& target) const {
  if (&target == &backend()) return clone();
  std::vector<unsigned char> host(static_cast<std::size_t>(numel_) * dtype_size(dtype_));
  copy_to_host(host.data(), dtype_);
  return from_host(host.data(), static_cast<std::size_t>(numel_), dtype_, shape_, &target);
}

void Tensor::assign(const Tensor& src) {
  if (src.numel() != numel_ || src.dtype() != dtype_)
    throw ShapeError("assign: cannot copy a " + dtype_name(src.dtype()) + " tensor of shape " +
                     shape_to_string(src.shape()) + " into a " + dtype_name(dtype_) +
                     " tensor of shape " + shape_to_string(shape_));
  if (numel_) backend().copy(src, *this);
}

Tensor& Tensor::set_requires_grad(bool on) {
  if (on && !is_floating(dtype_))
    throw ValueError("only floating tensors can require gradients, got " + dtype_name(dtype_));
  mutable_autograd_meta()->requires_grad = on;
  return *this;
}

std::shared_ptr<AutogradMeta>& Tensor::mutable_autograd_meta() {
  if (!meta_) meta_ = std::make_shared<AutogradMeta>();
  return meta_;
}

Tensor Tensor::grad() const {
  if (!meta_ || !meta_->grad) return Tensor();
  return *meta_->grad;
}

void Tensor::zero_grad() {
  if (meta_) meta_->grad.reset();
}

void Tensor::backward() const { temper::backward(*this, Tensor()); }
void Tensor::backward(const Tensor& grad_output) const { temper::backward(*this, grad_output); }

std::string Tensor::to_string(std::size_t max_values) const {
  std::ostringstream os;
  if (!defined()) return "Tensor(undefined)";
  os << "Tensor(shape=" << shape_to_string(shape_) << ", dtype=" << dtype_name(dtype_) << ", ";
  const std::size_t n = std::min<std::size_t>(max_values, static_cast<std::size_t>(numel_));
  Tensor head = rank() == 0 ? *this : reshape({numel_}).detach().slice_rows(0, static_cast<std::int64_t>(n));
  os << "values=[";
  std::vector<double> vals;
  switch (dtype_) {
    case DType::Float32: for (float v : head.to_vector<float>()) vals.push_back(v); break;
    case DType::Float64: vals = head.to_vector<double>(); break;
    case DType::Int32: for (auto v : head.to_vector<std::int32_t>()) vals.push_back(v); break;
    case DType::UInt8: for (auto v : head.to_vector<std::uint8_t>()) vals.push_back(v); break;
  }
  os << std::setprecision(6);
  for (std::size_t i = 0; i < vals.size(); ++i) os << (i ? ", " : "") << vals[i];
  if (static_cast<std::int64_t>(n) < numel_) os << ", ...";
  os << "])";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

Tensor operator+(const Tensor& a, const Tensor& b) { return ops::add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return ops::subtract(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return ops::multiply(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return ops::divide(a, b); }
Tensor operator+(const Tensor& a, double s) { return ops::add(a, s); }
Tensor operator-(const Tensor& a, double s) { return ops::add(a, -s); }
Tensor operator*(const Tensor& a, double s) { return ops::multiply(a, s); }
Tensor operator/(const Tensor& a, double s) { return ops::divide(a, s); }
Tensor operator+(double s, const Tensor& a) { return ops::add(a, s); }
Tensor operator-(double s, const Tensor& a) { return ops::rsub(s, a); }
Tensor operator*(double s, const Tensor& a) { return ops::multiply(a, s); }
Tensor operator/(double s, const Tensor& a) { return ops::rdiv(s, a); }
Tensor operator-(const Tensor& a) { return ops::negative(a); }

}  // namespace temper
