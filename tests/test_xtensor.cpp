// Conversion between Tensor and xtensor arrays.
#include <doctest/doctest.h>
#include <temper/ops.hpp>
#include <temper/xtensor.hpp>
#include <xtensor/xbuilder.hpp>

using namespace temper;

TEST_CASE("to_xtensor / from_xtensor round trip keeps shape and values") {
  Tensor t = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  xt::xarray<float> a = to_xtensor<float>(t);
  REQUIRE(a.shape().size() == 2);
  CHECK(a.shape()[0] == 2);
  CHECK(a.shape()[1] == 3);
  CHECK(a(1, 2) == 6.0f);
  xt::xarray<float> b = a * 2.0f;
  Tensor u = from_xtensor(b);
  CHECK(u.shape() == Shape{2, 3});
  CHECK(u.to_vector<float>() == std::vector<float>{2, 4, 6, 8, 10, 12});
  // A lazy expression and another dtype.
  Tensor r = from_xtensor(xt::arange<double>(0.0, 4.0));
  CHECK(r.dtype() == DType::Float64);
  CHECK(r.to_vector<double>() == std::vector<double>{0, 1, 2, 3});
  // A view with an offset converts its own elements.
  CHECK(to_xtensor<float>(t.slice_rows(1, 2))(0, 0) == 4.0f);
}

TEST_CASE("to_xtensor rejects a dtype mismatch with a clear message") {
  Tensor t = Tensor::zeros({2}, DType::Int32);
  CHECK_THROWS_WITH_AS(to_xtensor<float>(t), doctest::Contains("int32"), ValueError);
}
