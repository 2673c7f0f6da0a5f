// The C++ blocks of docs/cpu-kernels.md exactly as the page prints them (docs_cpu-kernels
// checks the copies and runs this program): denormal floats are flushed inside predict and
// inside a FlushDenormalScope, and kept outside them.
#include <stdexcept>

#include <temper/temper.hpp>
using namespace temper;

int main() {
  // [docs:denormals]
  Tensor tiny = Tensor::full({4}, 1e-20);   // float32; 1e-20 * 1e-20 is a denormal
  Tensor kept = ops::multiply(tiny, tiny);  // 1e-40 outside fit / predict
  Tensor flushed;
  {
    FlushDenormalScope flush;               // what fit / evaluate / predict open
    flushed = ops::multiply(tiny, tiny);    // 0
  }
  set_flush_denormal(false);                // fit / predict keep denormals from now on
  // [docs-end]
  set_flush_denormal(true);
  const bool x86 = detail::flushing_denormal_mode() != 0;
  if (kept.to_vector<float>()[0] == 0.0f) throw std::runtime_error("docs/cpu-kernels.md: 1e-40 must be kept");
  if (x86 && flushed.to_vector<float>()[0] != 0.0f)
    throw std::runtime_error("docs/cpu-kernels.md: 1e-40 must be flushed inside the scope");
}
