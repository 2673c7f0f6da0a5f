// fuzz_yaml_config.cpp — the `temper` CLI's YAML config reader (apps/cli/config.cpp): loading,
// a `--set` override, the YAML core-schema conversion of every value, the typed accessors,
// the data section's checks, and — when the model declares its input shape and names no other
// file — building and compiling the model as `temper validate --no-data` does.
//
// Input layout: a YAML file. When its first line is a comment `#set key.path=value`, that
// override is applied after loading (the comment does not change the document).
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/build_model.hpp"
#include "cli/config.hpp"
#include "cli/data.hpp"
#include "fuzz_support.hpp"
#include "src/saving/load_limits.hpp"
#include "temper/model.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  temper::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace temper;
  const std::string_view text = fuzz::as_text(data, size);
  const std::string path = fuzz::write_input("config.yaml", text);
  cli::Document doc;
  bool loaded = false;
  fuzz::expect_temper_errors([&] {
    doc = cli::load_document(path);
    if (text.starts_with("#set ")) {
      const auto nl = text.find('\n');
      cli::apply_override(doc, std::string(text.substr(5, nl == std::string_view::npos ? text.npos : nl - 5)));
    }
    loaded = true;
  });
  if (!loaded) return 0;
  const cli::Field root = cli::root_field(doc);
  fuzz::expect_temper_errors([&] {
    (void)cli::to_json(doc.root);
    (void)cli::to_yaml(doc.root);
    for (const auto& key : root.keys()) {
      const cli::Field f = root[key];
      (void)cli::describe_value(f.node());
      (void)f.location().to_string();
    }
  });
  // The typed accessors on whatever the sections hold.
  fuzz::expect_temper_errors([&] { (void)root["seed"].as_int(); });
  fuzz::expect_temper_errors([&] { (void)root["fit"].get_number("validation_split", 0.0); });
  fuzz::expect_temper_errors([&] { (void)root["fit"]["class_weight"].keys(); });
  fuzz::expect_temper_errors([&] { (void)root["compile"]["metrics"].as_string_list(); });
  fuzz::expect_temper_errors([&] { (void)root["model"]["input_shape"].as_int_list(); });
  fuzz::expect_temper_errors([&] { cli::check_data_section(root["data"]); });
  // The model, as `temper validate --no-data` builds it. Files named in the config (json:,
  // load:, weights:) are fuzzed by their own harnesses, not read from wherever a mutated path
  // points. A config may legitimately ask for a large model; the cap turns that into a
  // ResourceError instead of an allocation libFuzzer would report.
  const cli::Field model = root["model"];
  bool names_files = false;
  fuzz::expect_temper_errors([&] {
    names_files = model.is_map() && (model["json"].present() || model["load"].present() || model["weights"].present());
  });
  if (names_files) return 0;
  fuzz::expect_temper_errors([&] {
    if (!cli::declares_input_shape(model)) return;
    saving_detail::AllocationCap cap(std::uint64_t{64} << 20, "the fuzzed config");
    auto m = cli::build_model(model, std::nullopt, fuzz::scratch_dir(), 0);
    cli::compile_model(*m, root["compile"]);
  });
  return 0;
}
