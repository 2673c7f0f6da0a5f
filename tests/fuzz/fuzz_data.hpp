// fuzz_data.hpp — runs a `data:` config section through the CLI's loader (apps/cli/data.cpp),
// as `temper train` / `temper validate` would, so that its checks on what the readers return
// (NaN/inf with file:line:column, label conversion, standardisation) are fuzzed too.
#pragma once
#include <string>

#include "cli/config.hpp"
#include "cli/data.hpp"
#include "fuzz_support.hpp"

namespace temper::fuzz {

/// `data_yaml`: the body of the data section (indented under `data:` here).
inline void load_through_cli(const std::string& data_yaml) {
  std::string yaml = "data:\n";
  std::size_t start = 0;
  while (start < data_yaml.size()) {
    const auto nl = data_yaml.find('\n', start);
    yaml += "  " + data_yaml.substr(start, nl == std::string::npos ? std::string::npos : nl - start + 1);
    start = nl == std::string::npos ? data_yaml.size() : nl + 1;
  }
  expect_temper_errors([&] {
    const cli::Document doc = cli::parse_document(yaml, "fuzz.yaml");
    (void)cli::load_data(cli::root_field(doc)["data"], scratch_dir(), 0);
  });
}

}  // namespace temper::fuzz
