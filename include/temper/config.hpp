// config.hpp — the configuration type shared by layers, losses, optimizers and models.
#pragma once
#include <nlohmann/json.hpp>

namespace temper {

/// A Keras-layout configuration object (what `get_config()` returns in Keras): JSON, so that
/// model configs round-trip through Keras's `to_json()` / `model_from_json()` format.
using Config = nlohmann::json;

}  // namespace temper
