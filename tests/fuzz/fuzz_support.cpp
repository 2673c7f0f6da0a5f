// fuzz_support.cpp — see fuzz_support.hpp.
#include "fuzz_support.hpp"

#include <spdlog/spdlog.h>

namespace temper::fuzz {

void quiet_logs() { spdlog::set_level(spdlog::level::off); }

}  // namespace temper::fuzz
