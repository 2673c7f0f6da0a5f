// xtensor.hpp — conversion between temper::Tensor and xtensor arrays (opt-in header).
//
// Kept out of temper.hpp on purpose: xtensor is a heavy template library and most programs
// never need it. Conversions copy through host memory, so they work for any backend.
#pragma once
#include <cstdint>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "temper/error.hpp"
#include "temper/tensor.hpp"

namespace temper {

/// Copies a tensor into an xt::xarray<T> of the same shape (T must match the dtype; use
/// astype() first to convert). Keras analogue: `keras.ops.convert_to_numpy`.
template <class T>
xt::xarray<T> to_xtensor(const Tensor& t) {
  if (t.dtype() != dtype_of_v<T>)
    throw ValueError("to_xtensor: the tensor is " + dtype_name(t.dtype()) + " but the requested element type is " +
                     dtype_name(dtype_of_v<T>) + "; call astype() first");
  std::vector<std::size_t> shape(t.shape().begin(), t.shape().end());
  xt::xarray<T> out(shape);
  t.copy_to_host(out.data(), t.dtype());
  return out;
}

/// Copies any xtensor expression into a new tensor on `backend` (default backend when null).
/// Keras analogue: `keras.ops.convert_to_tensor`.
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expr, Backend* backend = nullptr) {
  using T = typename E::value_type;
  const xt::xarray<T> a = expr.derived_cast();  // evaluates lazy expressions, row-major
  Shape shape(a.shape().begin(), a.shape().end());
  return Tensor::from_host(a.data(), a.size(), dtype_of_v<T>, shape, backend);
}

}  // namespace temper
