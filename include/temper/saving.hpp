// saving.hpp — saving and loading models and weights in Keras's file formats
// (Keras: keras.saving / Model.save / Model.save_weights / Model.load_weights).
//
// Three formats, chosen by the file name:
//   * `*.keras`       — the Keras 3 zip (metadata.json, config.json, model.weights.h5; stored,
//                       not compressed): architecture + weights + compile config + optimizer.
//   * `*.h5`/`*.hdf5` — the legacy tf.keras HDF5 full-model file (root attributes keras_version,
//                       backend, model_config, training_config; /model_weights;
//                       /optimizer_weights) or, from save_weights, the legacy weights-only file.
//   * `*.weights.h5`  — the Keras 3 weights file (/layers/<key>/vars/<i>, /optimizer/vars/<i>).
// Every write is atomic (temporary file in the same directory, fsync, rename): a failed or
// interrupted save leaves the previous file as it was. Every read failure (missing,
// truncated, corrupt or non-HDF5 file, unknown layer class, layer count or shape mismatch)
// is a temper::Error subclass whose message names the file, the layer and the expected and
// found values; HDF5 never prints its error stack.
#pragma once
#include <memory>
#include <string>

#include "temper/config.hpp"

namespace temper {

class Model;

/// Saves the whole model (Keras: `model.save(filepath)` / `keras.saving.save_model`). The
/// format follows the extension: `.keras` writes the Keras 3 zip; `.h5` / `.hdf5` write the
/// legacy tf.keras full-model HDF5 file, including the optimizer state when the model is
/// compiled (Keras `include_optimizer=True`). Temper also stores the state of the model's
/// random streams (attribute `temper_rng_state`, ignored by Keras) so that load_model()
/// continues training bit-identically. The model must be built. Other extensions throw
/// ValueError; write failures throw IOError and leave any existing file untouched.
void save_model(const Model& model, const std::string& path);

/// Rebuilds a model saved by save_model() or by Keras (Keras: `keras.models.load_model`).
/// Reads `.keras` zips and legacy `.h5`/`.hdf5` full-model files: the architecture from the
/// stored config (model_from_config), the weights, and — when the file has a compile /
/// training config — compiles the model and restores the optimizer state (iterations,
/// learning rate, slots), so that `fit` continues exactly where the saved model stopped.
/// Unknown layer classes throw UnknownNameError; a `.weights.h5` file (no architecture)
/// throws ValueError; unreadable files throw IOError.
std::shared_ptr<Model> load_model(const std::string& path);

/// Saves the weights (Keras: `model.save_weights(filepath)`). A name ending `.weights.h5`
/// writes the Keras 3 layout (`/layers/<key>/vars/<i>` with the key the snake_case class
/// name made unique — dense, dense_1 — and, when compiled, `/optimizer/vars/<i>`: iteration,
/// learning rate, slots). Any other `.h5`/`.hdf5` name writes the legacy tf.keras weights-only
/// file (layer_names, one group per layer with weight_names `dense/kernel:0`), which Keras 3
/// can read but no longer writes. Other extensions throw ValueError.
void save_weights(const Model& model, const std::string& path);

/// Loads weights into an existing model (Keras: `model.load_weights(filepath)`). Reads Keras 3
/// `.weights.h5` files (weights, then the optimizer state when the model is compiled), legacy
/// `.h5`/`.hdf5` files (weights-only, or full-model files through their /model_weights group,
/// matched topologically like Keras), and `.keras` zips. Nothing is changed unless every
/// weight fits: a layer count mismatch throws ValueError, a weight count or shape mismatch
/// ShapeError naming the layer, the weight and the expected and found shapes. An optimizer
/// whose state does not match the file's (count or shapes) is skipped with a warning, as in
/// Keras.
void load_weights(Model& model, const std::string& path);

/// Temper extension (no Keras equivalent; Keras seeds globally): the position of the model's
/// random streams — the model's own generator (shuffling) and each layer's (initializers,
/// dropout masks) — as {"model": [seed, counter], "layers": {"<name>": [seed, counter]}}.
/// Saved in every Temper file and by BackupAndRestore so that a resumed run draws the same
/// random numbers as an uninterrupted one.
Config get_rng_state(const Model& model);

/// Restores what get_rng_state() returned. Layers absent from the state keep their streams.
void set_rng_state(Model& model, const Config& state);

}  // namespace temper
