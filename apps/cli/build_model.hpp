// build_model.hpp — the `model:`, `compile:` and `callbacks:` sections of a CLI config,
// turned into objects through the registries (layers, losses, metrics, optimizers, schedules,
// callbacks), with errors that name the config path of the culprit.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "temper/callbacks.hpp"
#include "temper/model.hpp"

namespace temper::cli {

/// Builds the model the `model:` section describes: a Sequential `layers:` list
/// (`- Dense: {units: 128, activation: relu}`), a functional graph (`inputs:`, `layers:`
/// with per-layer `inputs:`, `outputs:`), a Keras JSON architecture file (`json:`) or a saved
/// model (`load:`), optionally followed by `weights:`. `input_shape` (per-sample shape, from
/// the data) is used when the section declares none. Errors are ConfigIssues at the culprit.
std::shared_ptr<Model> build_model(const Field& model, const std::optional<Shape>& input_shape,
                                   const std::filesystem::path& base_dir, std::uint64_t seed);

/// True when the model section declares its input shape (so no data is needed to build it).
bool declares_input_shape(const Field& model);

/// Compiles `model` as the `compile:` section says (optimizer with arguments and learning-rate
/// schedule, loss, metrics). A missing section keeps a loaded model's compile state, or uses
/// Keras's compile() defaults.
void compile_model(Model& model, const Field& compile);

/// Creates the callbacks of the `callbacks:` list through callbacks::create. Relative
/// `filepath` / `filename` / `backup_dir` arguments are taken inside `run_dir`.
std::vector<CallbackPtr> build_callbacks(const Field& callbacks, const std::filesystem::path& run_dir);

/// `{ClassName: {args}}`, `ClassName` or `{class_name: ..., config: ...}` -> (class, args
/// field). Used for layers, optimizers, losses, metrics, schedules and callbacks.
struct NamedSpec {
  std::string class_name{};
  Field args;
  Field where;  ///< the item itself (for unknown-name errors)
};
NamedSpec named_spec(const Field& item, const std::string& what);

}  // namespace temper::cli
