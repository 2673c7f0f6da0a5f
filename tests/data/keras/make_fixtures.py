#!/usr/bin/python3
"""Writes the Keras-layout interop fixtures in this directory, by hand, with h5py.

Every attribute and dataset is written with the exact h5py calls Keras makes
(tf_keras/saving/legacy/hdf5_format.py for the legacy .h5 files, keras/src/saving/saving_lib.py
for .weights.h5 and .keras), following ../shared/reference/keras.md section 4. No Keras or
TensorFlow is needed: the weights are deterministic rationals that the C++ test recomputes
(tests/test_saving.cpp, fixture_value), so the test's forward pass is independent of the files.

Run from anywhere with Debian's python3-h5py (/usr/bin/python3 tests/data/keras/make_fixtures.py);
the outputs are committed, so the test suite does not need Python.
"""
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HDF5_OBJECT_HEADER_LIMIT = 64512


def value(seed, i):
    # ((i*37 + seed*11) % 101 - 50) / 100, exactly representable as a decimal and cast to float32.
    return ((i * 37 + seed * 11) % 101 - 50) / 100.0


def tensor(seed, shape):
    n = int(np.prod(shape)) if shape else 1
    return np.array([value(seed, i) for i in range(n)], dtype=np.float32).reshape(shape)


# ---- Keras's attribute writer (tf_keras hdf5_format.save_attributes_to_hdf5_group) -----------
def save_attributes_to_hdf5_group(group, name, data):
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError("attribute too large")
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked_data = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked_data):
        num_chunks += 1
        chunked_data = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for chunk_id, chunk_data in enumerate(chunked_data):
            group.attrs["%s%d" % (name, chunk_id)] = chunk_data
    else:
        group.attrs[name] = data


def save_subset_weights_to_hdf5_group(f, names, values):
    weight_names = [n.encode("utf8") for n in names]
    save_attributes_to_hdf5_group(f, "weight_names", weight_names)
    for name, val in zip(weight_names, values):
        param_dset = f.create_dataset(name, val.shape, dtype=val.dtype)
        if not val.shape:
            param_dset[()] = val
        else:
            param_dset[:] = val


def save_weights_to_hdf5_group(f, layers):
    """layers: list of (layer_name, [(weight_name, value)]) in model.layers order."""
    save_attributes_to_hdf5_group(f, "layer_names", [n.encode("utf8") for n, _ in layers])
    f.attrs["backend"] = "tensorflow".encode("utf8")
    f.attrs["keras_version"] = "2.15.0".encode("utf8")
    for name, weights in sorted(layers, key=lambda x: x[0]):
        g = f.create_group(name)
        save_subset_weights_to_hdf5_group(g, [w for w, _ in weights], [v for _, v in weights])
    g = f.create_group("top_level_model_weights")
    save_subset_weights_to_hdf5_group(g, [], [])


# ---- the two models -----------------------------------------------------------------------------
def glorot():
    return {"class_name": "GlorotUniform", "config": {"seed": None}}


def zeros():
    return {"class_name": "Zeros", "config": {}}


def dense_cfg(name, units, activation, batch_input_shape=None):
    c = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
         "use_bias": True, "kernel_initializer": glorot(), "bias_initializer": zeros(),
         "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
         "kernel_constraint": None, "bias_constraint": None}
    if batch_input_shape is not None:
        c["batch_input_shape"] = batch_input_shape
    return {"class_name": "Dense", "config": c}


# MLP: Input(4) -> Dense(5, relu) -> Dropout(0.5) -> Dense(3, softmax)
MLP_WEIGHTS = [
    ("dense", [("dense/kernel:0", tensor(1, (4, 5))), ("dense/bias:0", tensor(2, (5,)))]),
    ("dropout", []),
    ("dense_1", [("dense_1/kernel:0", tensor(3, (5, 3))), ("dense_1/bias:0", tensor(4, (3,)))]),
]
MLP_CONFIG = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                                            "ragged": False, "name": "dense_input"}},
    dense_cfg("dense", 5, "relu", [None, 4]),
    {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5,
                                         "noise_shape": None, "seed": None}},
    dense_cfg("dense_1", 3, "softmax"),
]}}
TRAINING_CONFIG = {
    "loss": "categorical_crossentropy",
    "metrics": [[{"class_name": "MeanMetricWrapper",
                  "config": {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
        "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False,
        "is_legacy_optimizer": False, "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}},
}

# Convnet: Input(6, 6, 2) -> Conv2D(3, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(2)
CONV_WEIGHTS = [
    ("conv2d", [("conv2d/kernel:0", tensor(5, (3, 3, 2, 3))), ("conv2d/bias:0", tensor(6, (3,)))]),
    ("max_pooling2d", []),
    ("flatten", []),
    ("dense", [("dense/kernel:0", tensor(7, (12, 2))), ("dense/bias:0", tensor(8, (2,)))]),
]
CONV_CONFIG = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6, 6, 2], "dtype": "float32",
                                            "sparse": False, "ragged": False, "name": "conv2d_input"}},
    {"class_name": "Conv2D", "config": {"name": "conv2d", "trainable": True, "dtype": "float32",
                                        "batch_input_shape": [None, 6, 6, 2], "filters": 3, "kernel_size": [3, 3],
                                        "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
                                        "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": True,
                                        "kernel_initializer": glorot(), "bias_initializer": zeros(),
                                        "kernel_regularizer": None, "bias_regularizer": None,
                                        "activity_regularizer": None, "kernel_constraint": None,
                                        "bias_constraint": None}},
    {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d", "trainable": True, "dtype": "float32",
                                              "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                              "data_format": "channels_last"}},
    {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "dtype": "float32",
                                         "data_format": "channels_last"}},
    dense_cfg("dense", 2, "linear"),
]}}


def write_legacy_full(path, config, layers, training_config=None, optimizer=None):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"           # str -> vlen UTF-8
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")  # bytes -> vlen ASCII
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        save_weights_to_hdf5_group(f.create_group("model_weights"), layers)
        if optimizer:
            g = f.create_group("optimizer_weights")
            save_subset_weights_to_hdf5_group(g, [n for n, _ in optimizer], [v for _, v in optimizer])


def write_legacy_weights(path, layers):
    with h5py.File(path, "w") as f:
        save_weights_to_hdf5_group(f, layers)


def write_weights_h5(f, layers, keys, optimizer=None, model_name="sequential"):
    """Keras 3 H5IOStore layout: /layers/<key>/vars/<i>, /optimizer/vars/<i>, /vars."""
    for (lname, weights), key in zip(layers, keys):
        g = f.require_group("layers").create_group(key)
        v = g.create_group("vars")
        v.attrs["name"] = lname
        for i, (_, val) in enumerate(weights):
            v.create_dataset(str(i), data=val)
    if optimizer is not None:
        v = f.create_group("optimizer").create_group("vars")
        v.attrs["name"] = "adam"
        for i, val in enumerate(optimizer):
            v.create_dataset(str(i), data=val)
    f.create_group("vars").attrs["name"] = model_name


def adam_state(layers, iteration):
    # Keras 3 order: iteration (int64 on TF), learning_rate, then momentum/velocity per variable.
    out = [np.array(iteration, dtype=np.int64), np.array(0.001, dtype=np.float32)]
    seed = 20
    for _, weights in layers:
        for _, val in weights:
            out.append(tensor(seed, val.shape)); seed += 1
            out.append(np.abs(tensor(seed, val.shape))); seed += 1
    return out


def tfkeras_adam_state(layers, iteration):
    # tf.keras 2.11+: iteration first, then m and v per variable (no learning-rate variable).
    out = [("Adam/iteration:0", np.array(iteration, dtype=np.int64))]
    seed = 20
    for _, weights in layers:
        for wname, val in weights:
            base = wname[:-2]
            out.append(("Adam/m/" + base + ":0", tensor(seed, val.shape))); seed += 1
            out.append(("Adam/v/" + base + ":0", np.abs(tensor(seed, val.shape)))); seed += 1
    return out


def keras3_config_json():
    dtype = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    init = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
            "registered_name": None}
    zero = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}

    def dense(name, units, act, in_dim):
        return {"module": "keras.layers", "class_name": "Dense", "config": {
            "name": name, "trainable": True, "dtype": dtype, "units": units, "activation": act, "use_bias": True,
            "kernel_initializer": init, "bias_initializer": zero, "kernel_regularizer": None,
            "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
            "registered_name": None, "build_config": {"input_shape": [None, in_dim]}}

    return {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": dtype, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {
                "batch_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                "name": "input_layer", "optional": False}, "registered_name": None},
            dense("dense", 5, "relu", 4),
            {"module": "keras.layers", "class_name": "Dropout", "config": {
                "name": "dropout", "trainable": True, "dtype": dtype, "rate": 0.5, "seed": None,
                "noise_shape": None}, "registered_name": None},
            dense("dense_1", 3, "softmax", 5)],
        "build_input_shape": [None, 4]},
        "registered_name": None, "build_config": {"input_shape": [None, 4]},
        "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {
            "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
            "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
            "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}, "registered_name": None},
            "loss": "categorical_crossentropy", "loss_weights": None, "metrics": ["accuracy"],
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}}


def main():
    p = lambda n: os.path.join(HERE, n)
    write_legacy_full(p("mlp_legacy.h5"), MLP_CONFIG, MLP_WEIGHTS, TRAINING_CONFIG,
                      tfkeras_adam_state(MLP_WEIGHTS, 7))
    write_legacy_weights(p("mlp_legacy_weights.h5"), MLP_WEIGHTS)
    with h5py.File(p("mlp.weights.h5"), "w") as f:
        write_weights_h5(f, MLP_WEIGHTS, ["dense", "dropout", "dense_1"], adam_state(MLP_WEIGHTS, 9))
    write_legacy_full(p("convnet_legacy.h5"), CONV_CONFIG, CONV_WEIGHTS)
    with h5py.File(p("convnet.weights.h5"), "w") as f:
        write_weights_h5(f, CONV_WEIGHTS, ["conv2d", "max_pooling2d", "flatten", "dense"])
    # An architecture naming a layer class nobody registered.
    unknown = json.loads(json.dumps(MLP_CONFIG))
    unknown["config"]["layers"][2] = {"class_name": "FancyDropout", "config": {"name": "dropout", "rate": 0.5}}
    write_legacy_full(p("unknown_layer.h5"), unknown, MLP_WEIGHTS)
    # A Keras 3 .keras zip (stored entries, Keras 3.15's entry order).
    buf = p("mlp_weights_for_zip.tmp.h5")
    with h5py.File(buf, "w") as f:
        write_weights_h5(f, MLP_WEIGHTS, ["dense", "dropout", "dense_1"], adam_state(MLP_WEIGHTS, 9))
    with zipfile.ZipFile(p("mlp.keras"), "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.0", "date_saved": "2026-05-13@21:23:40"}))
        z.writestr("config.json", json.dumps(keras3_config_json()))
        z.write(buf, "model.weights.h5")
    os.remove(buf)


if __name__ == "__main__":
    main()
