// kernel_probe — prints the CPU kernel set this process picked and checks it is the expected
// one: `temper_kernel_probe avx2` exits 1 unless the cpu backend chose the avx2 kernels.
// Run under qemu-user with an older CPU model by the cpu_kernels_emulated_* tests.
#include <cstdio>
#include <string>

#include <temper/temper.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: temper_kernel_probe EXPECTED_KERNEL_SET\n");
    return 2;
  }
  const std::string expected = argv[1];
  std::string kernels;
  for (const auto& [key, value] : temper::get_backend("cpu").info())
    if (key == "kernels") kernels = value;
  std::printf("kernel probe: cpu backend kernels: %s\n", kernels.c_str());
  // A little real work on the chosen kernels: y = relu(x @ w) checked against its known sum.
  auto x = temper::Tensor::ones({64, 32});
  auto w = temper::Tensor::full({32, 16}, 0.5);
  const double total = temper::ops::sum(temper::ops::relu(temper::ops::matmul(x, w))).item();
  if (total != 64.0 * 16.0 * 32.0 * 0.5) {
    std::printf("kernel probe: wrong result %g\n", total);
    return 1;
  }
  if (kernels.rfind(expected + " ", 0) != 0) {
    std::printf("kernel probe: expected the %s kernels\n", expected.c_str());
    return 1;
  }
  std::printf("kernel probe: ok\n");
  return 0;
}
