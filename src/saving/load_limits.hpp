// load_limits.hpp — a cap on single tensor allocations while a model is rebuilt from an
// untrusted file (private to the library).
#pragma once
#include <cstdint>
#include <string>

namespace temper::saving_detail {

/// True when a cap is active on this thread (only while load_model runs) and refuses `bytes`.
/// Tensor::empty calls it for every tensor, so it builds no string: the description for the
/// error is made only once it is known to be needed.
bool exceeds_allocation_cap(std::uint64_t bytes) noexcept;

/// Throws the ResourceError for a refused allocation; `what` describes the tensor
/// ("a (784, 2000000) float32 tensor").
[[noreturn]] void throw_allocation_cap(std::uint64_t bytes, const std::string& what);

/// While alive, Tensor::empty on this thread refuses (ResourceError) any tensor larger than
/// `max_bytes`. load_model sets it to a bound derived from the weights the file really holds,
/// so that a config declaring `"units": 2000000` fails at once instead of allocating and
/// initializing gigabytes before the shape check. `source` says where the bound comes from.
class AllocationCap {
 public:
  AllocationCap(std::uint64_t max_bytes, std::string source);
  ~AllocationCap();
  AllocationCap(const AllocationCap&) = delete;
  AllocationCap& operator=(const AllocationCap&) = delete;

 private:
  AllocationCap* previous_;
  friend bool exceeds_allocation_cap(std::uint64_t bytes) noexcept;
  friend void throw_allocation_cap(std::uint64_t bytes, const std::string& what);
  std::uint64_t max_bytes_;
  std::string source_;
};

}  // namespace temper::saving_detail
