// fuzz_csv.cpp — datasets::read_csv (plain and gzip) with the option sets a config can choose,
// through the CLI's data loader, which also re-reads the text to place a NaN/inf at
// file:line:column.
//
// Input layout: byte 0 picks the options (bit 0 header, bits 1-2 delimiter, bit 3 label
// column by position, bit 4 label_is_class, bit 5 skip one row, bit 6 standardize, bit 7 a
// separate one-column labels file: the same file); the rest is the CSV file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_data.hpp"
#include "fuzz_support.hpp"
#include "temper/datasets.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  if (size == 0) return 0;
  const unsigned opts = data[0];
  const std::string path = fuzz::write_input("input.csv", fuzz::as_text(data + 1, size - 1));
  static const char* const kDelimiters[] = {"','", "';'", "\"\\t\"", "' '"};
  std::string csv = "csv: {path: '" + path + "'";
  csv += std::string(", header: ") + ((opts & 1) ? "true" : "false");
  csv += std::string(", delimiter: ") + kDelimiters[(opts >> 1) & 3];
  csv += std::string(", label_is_class: ") + ((opts & 16) ? "true" : "false");
  if (opts & 8) csv += ", label_column: '0'";
  if (opts & 32) csv += ", skip_rows: 1";
  if (opts & 128) csv += ", labels_path: '" + path + "'";
  csv += "}\n";
  if (opts & 64) csv += "standardize: true\n";
  fuzz::load_through_cli(csv);

  // The library reader alone, without a label column (every column a feature).
  datasets::CsvOptions o;
  o.header = (opts & 1) != 0;
  o.skip_rows = (opts & 32) ? 1 : 0;
  fuzz::expect_temper_errors([&] { (void)datasets::read_csv(path, o); });
  return 0;
}
