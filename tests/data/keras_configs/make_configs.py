#!/usr/bin/python3
"""Writes the model-config fixtures in this directory: one small model per layer family, in the
JSON each Keras version writes (model.to_json() / the h5 `model_config` attribute / the .keras
zip's config.json). No Keras is needed or used: every key, its order and its envelope follow
the Keras source (the tags and paths below; section numbers refer to the issue 12 research
notes, keras_args.md), so a reviewer can check each key against that source.

Layouts (file prefix, what wrote it, the source followed):
  tf2_15   tf.keras 2.15 h5 / to_json: legacy {"class_name", "config"} layers, the 2.13+ new
           envelope for nested initializers/regularizers (keras/saving/legacy/hdf5_format.py,
           keras/saving/serialization_lib.py @ v2.15.0; keras_args.md 1.2, 3)
  k3_0_0   Keras 3.0.0 / 3.0.1: every object's module is its Python module and registered_name
           its class name (keras/api_export.py get_name_from_symbol without return @ v3.0.0,
           fixed by 001fce58fc in 3.0.2; keras_args.md 1.1)
  k3_3     Keras 3.3: dtype a plain string (keras/src/layers/layer.py @ v3.3.0; keras_args.md 2, 3)
  k3_4     Keras 3.4: FloatDTypePolicy objects, LayerNormalization rms_scaling
           (keras/src/dtype_policies/dtype_policy.py @ v3.4.0; keras_args.md 3, 4)
  k3_15    Keras 3.15: DTypePolicy, Dense quantization_config, initializer input/output_axes,
           BatchNormalization renorm keys, Conv2DTranspose output_padding, InputLayer optional
           (keras/src/layers/core/dense.py, keras/src/initializers/random_initializers.py,
           keras/src/layers/normalization/batch_normalization.py,
           keras/src/layers/convolutional/base_conv_transpose.py @ v3.15.1; keras_args.md 4, 5)

Run: python3 tests/data/keras_configs/make_configs.py (outputs are committed).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
LAYOUTS = ["tf2_15", "k3_0_0", "k3_3", "k3_4", "k3_15"]

# Python modules of the classes, for the 3.0.0/3.0.1 envelope (keras/src/... in the wheel).
PY_MODULE = {
    "InputLayer": "keras.src.layers.core.input_layer",
    "Dense": "keras.src.layers.core.dense",
    "Activation": "keras.src.layers.activations.activation",
    "Flatten": "keras.src.layers.reshaping.flatten",
    "Reshape": "keras.src.layers.reshaping.reshape",
    "Dropout": "keras.src.layers.regularization.dropout",
    "Conv1D": "keras.src.layers.convolutional.conv1d",
    "Conv2D": "keras.src.layers.convolutional.conv2d",
    "DepthwiseConv2D": "keras.src.layers.convolutional.depthwise_conv2d",
    "SeparableConv2D": "keras.src.layers.convolutional.separable_conv2d",
    "Conv2DTranspose": "keras.src.layers.convolutional.conv2d_transpose",
    "MaxPooling1D": "keras.src.layers.pooling.max_pooling1d",
    "AveragePooling1D": "keras.src.layers.pooling.average_pooling1d",
    "MaxPooling2D": "keras.src.layers.pooling.max_pooling2d",
    "AveragePooling2D": "keras.src.layers.pooling.average_pooling2d",
    "GlobalMaxPooling1D": "keras.src.layers.pooling.global_max_pooling1d",
    "GlobalAveragePooling2D": "keras.src.layers.pooling.global_average_pooling2d",
    "ZeroPadding2D": "keras.src.layers.reshaping.zero_padding2d",
    "Cropping2D": "keras.src.layers.reshaping.cropping2d",
    "UpSampling2D": "keras.src.layers.reshaping.up_sampling2d",
    "BatchNormalization": "keras.src.layers.normalization.batch_normalization",
    "LayerNormalization": "keras.src.layers.normalization.layer_normalization",
    "GroupNormalization": "keras.src.layers.normalization.group_normalization",
    "Add": "keras.src.layers.merging.add",
    "Subtract": "keras.src.layers.merging.subtract",
    "Multiply": "keras.src.layers.merging.multiply",
    "Average": "keras.src.layers.merging.average",
    "Maximum": "keras.src.layers.merging.maximum",
    "Minimum": "keras.src.layers.merging.minimum",
    "Concatenate": "keras.src.layers.merging.concatenate",
    "Dot": "keras.src.layers.merging.dot",
    "SpatialDropout1D": "keras.src.layers.regularization.spatial_dropout",
    "SpatialDropout2D": "keras.src.layers.regularization.spatial_dropout",
    "GaussianNoise": "keras.src.layers.regularization.gaussian_noise",
    "GaussianDropout": "keras.src.layers.regularization.gaussian_dropout",
    "ReLU": "keras.src.layers.activations.relu",
    "LeakyReLU": "keras.src.layers.activations.leaky_relu",
    "PReLU": "keras.src.layers.activations.prelu",
    "ELU": "keras.src.layers.activations.elu",
    "Softmax": "keras.src.layers.activations.softmax",
    "Sequential": "keras.src.models.sequential",
    "Functional": "keras.src.models.functional",
    "GlorotUniform": "keras.src.initializers.random_initializers",
    "Zeros": "keras.src.initializers.constant_initializers",
    "Ones": "keras.src.initializers.constant_initializers",
    "L2": "keras.src.regularizers.regularizers",
    "Adam": "keras.src.optimizers.adam",
}

# Public export modules (3.0.2+, and tf.keras 2.13+ for nested objects; keras_args.md 1.1/1.2).
EXPORT_MODULE = {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
                 "optimizer": "keras.optimizers"}


def envelope(layout, cls, config, kind):
    """A nested object (initializer, regularizer, optimizer) as `layout` writes it."""
    if layout == "k3_0_0":
        return {"module": PY_MODULE[cls], "class_name": cls, "config": config, "registered_name": cls}
    return {"module": EXPORT_MODULE[kind], "class_name": cls, "config": config, "registered_name": None}


def init(layout, cls):
    if cls in ("Zeros", "Ones"):
        cfg = {}
    elif layout == "k3_15":
        cfg = {"seed": None, "input_axes": None, "output_axes": None}  # 3.15: keras_args.md 5
    else:
        cfg = {"seed": None}
    return envelope(layout, cls, cfg, "initializer")


def l2(layout, value):
    return envelope(layout, "L2", {"l2": value}, "regularizer")


def dtype(layout):
    if layout == "k3_4":
        return {"module": "keras", "class_name": "FloatDTypePolicy", "config": {"name": "float32"},
                "registered_name": None}
    if layout == "k3_15":
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                "registered_name": None}
    return "float32"


def base(layout, name):
    return {"name": name, "trainable": True, "dtype": dtype(layout)}


def layer(layout, cls, config, build_shape=None):
    """A layer entry: legacy {class_name, config} for tf.keras, the full envelope for Keras 3."""
    if layout == "tf2_15":
        return {"class_name": cls, "config": config}
    if layout == "k3_0_0":
        e = {"module": PY_MODULE[cls], "class_name": cls, "config": config, "registered_name": cls}
    else:
        e = {"module": "keras.layers", "class_name": cls, "config": config, "registered_name": None}
    if build_shape is not None:
        e["build_config"] = {"input_shape": build_shape}
    return e


def input_layer(layout, name, batch_shape):
    if layout == "tf2_15":
        cfg = {"batch_input_shape": batch_shape, "dtype": "float32", "sparse": False, "ragged": False,
               "name": name}
    else:
        cfg = {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": name}
        if layout == "k3_15":  # ragged from 3.9, optional from 3.13 (keras_args.md 4)
            cfg = {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "ragged": False,
                   "name": name, "optional": False}
    return layer(layout, "InputLayer", cfg)


def sequential(layout, name, entries, input_shape):
    """entries: (cls, config, input_shape) after the InputLayer."""
    layers = [input_layer(layout, name + "_input", input_shape)]
    for cls, cfg, shape in entries:
        layers.append(layer(layout, cls, cfg, shape))
    if layout == "tf2_15":
        return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}
    cfg = {"name": name, "trainable": True, "dtype": dtype(layout), "layers": layers}
    if layout == "k3_0_0":
        out = {"module": PY_MODULE["Sequential"], "class_name": "Sequential", "config": cfg,
               "registered_name": "Sequential"}
    else:
        out = {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None}
    out["build_config"] = {"input_shape": input_shape}
    return out


# ---- layer configs per family ----------------------------------------------------------------

def dense(layout, name, units, activation="linear", use_bias=True, reg=None):
    c = base(layout, name)
    c.update({"units": units, "activation": activation, "use_bias": use_bias,
              "kernel_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
              "kernel_regularizer": reg, "bias_regularizer": None})
    if layout == "tf2_15":
        c["activity_regularizer"] = None
    c.update({"kernel_constraint": None, "bias_constraint": None})
    if layout == "k3_15":
        c["quantization_config"] = None  # 3.13+: always written
    return c


def conv_keys(layout, c, filters, kernel, strides, padding, dilation, activation, groups=True):
    if filters is not None:
        c["filters"] = filters
    c.update({"kernel_size": kernel, "strides": strides, "padding": padding, "data_format": "channels_last",
              "dilation_rate": dilation})
    if groups:
        c["groups"] = 1
    c.update({"activation": activation, "use_bias": True})
    return c


def core(layout):
    d1 = dense(layout, "dense", 8, "relu", reg=l2(layout, 0.01))
    d2 = dense(layout, "dense_1", 3, "softmax")
    drop = base(layout, "dropout")
    if layout == "tf2_15":
        drop.update({"rate": 0.25, "noise_shape": None, "seed": None})
    else:
        drop.update({"rate": 0.25, "seed": None, "noise_shape": None})
    flat = base(layout, "flatten")
    flat["data_format"] = "channels_last"
    act = base(layout, "activation")
    act["activation"] = "tanh"
    rs = base(layout, "reshape")
    rs["target_shape"] = [2, 4]
    return sequential(layout, "core", [
        ("Flatten", flat, [None, 4, 6]),
        ("Dense", d1, [None, 24]),
        ("Dropout", drop, [None, 8]),
        ("Activation", act, [None, 8]),
        ("Reshape", rs, [None, 8]),
        ("Dense", d2, [None, 2, 4]),
    ], [None, 4, 6])


def conv(layout):
    tf = layout == "tf2_15"
    regs = lambda c, prefixes: c.update({p + "_regularizer": None for p in prefixes})  # noqa: E731

    c2 = conv_keys(layout, base(layout, "conv2d"), 4, [3, 3], [1, 1], "same", [1, 1], "relu")
    c2.update({"kernel_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
               "kernel_constraint": None, "bias_constraint": None})

    # DepthwiseConv2D: tf.keras = Conv keys (groups kept) minus filters/kernel_*; Keras 3 its own list.
    if tf:
        dw = conv_keys(layout, base(layout, "depthwise_conv2d"), None, [3, 3], [1, 1], "valid", [1, 1], "linear")
        dw.update({"bias_initializer": init(layout, "Zeros"), "bias_regularizer": None,
                   "activity_regularizer": None, "bias_constraint": None, "depth_multiplier": 2,
                   "depthwise_initializer": init(layout, "GlorotUniform"), "depthwise_regularizer": None,
                   "depthwise_constraint": None})
    else:
        dw = base(layout, "depthwise_conv2d")
        dw.update({"depth_multiplier": 2, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                   "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
                   "use_bias": True, "depthwise_initializer": init(layout, "GlorotUniform"),
                   "bias_initializer": init(layout, "Zeros"), "depthwise_regularizer": None,
                   "bias_regularizer": None, "activity_regularizer": None, "depthwise_constraint": None,
                   "bias_constraint": None})

    # SeparableConv2D: tf.keras also writes Conv's stray groups/kernel_* keys (keras_args.md 4).
    if tf:
        sep = conv_keys(layout, base(layout, "separable_conv2d"), 6, [3, 3], [1, 1], "same", [1, 1], "linear")
        sep.update({"kernel_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
                    "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                    "kernel_constraint": None, "bias_constraint": None, "depth_multiplier": 1,
                    "depthwise_initializer": init(layout, "GlorotUniform"),
                    "pointwise_initializer": init(layout, "GlorotUniform"), "depthwise_regularizer": None,
                    "pointwise_regularizer": None, "depthwise_constraint": None, "pointwise_constraint": None})
    else:
        sep = base(layout, "separable_conv2d")
        sep.update({"depth_multiplier": 1, "filters": 6, "kernel_size": [3, 3], "strides": [1, 1],
                    "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
                    "activation": "linear", "use_bias": True,
                    "depthwise_initializer": init(layout, "GlorotUniform"),
                    "pointwise_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
                    "depthwise_regularizer": None, "pointwise_regularizer": None, "bias_regularizer": None,
                    "activity_regularizer": None, "depthwise_constraint": None, "pointwise_constraint": None,
                    "bias_constraint": None})

    # Conv2DTranspose: tf.keras Conv keys + groups + output_padding; Keras 3.0-3.14 neither;
    # 3.15 output_padding (here [1, 1]: with strides 2, padding same the output is still 2x).
    ct = conv_keys(layout, base(layout, "conv2d_transpose"), 4, [3, 3], [2, 2], "same", [1, 1], "linear",
                   groups=tf)
    ct.update({"kernel_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
               "kernel_constraint": None, "bias_constraint": None})
    if tf:
        ct["output_padding"] = None
    elif layout == "k3_15":
        ct["output_padding"] = [1, 1]

    def pool(name, size):
        c = base(layout, name)
        c.update({"pool_size": size, "padding": "valid", "strides": size, "data_format": "channels_last"})
        return c

    zp = base(layout, "zero_padding2d")
    zp.update({"padding": [[1, 1], [1, 1]], "data_format": "channels_last"})
    cr = base(layout, "cropping2d")
    cr.update({"cropping": [[1, 0], [0, 1]], "data_format": "channels_last"})
    up = base(layout, "up_sampling2d")
    up.update({"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"})
    rs1 = base(layout, "reshape")
    rs1["target_shape"] = [64, 16]
    c1 = conv_keys(layout, base(layout, "conv1d"), 5, [3], [1], "causal", [1], "relu")
    c1.update({"kernel_initializer": init(layout, "GlorotUniform"), "bias_initializer": init(layout, "Zeros"),
               "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
               "kernel_constraint": None, "bias_constraint": None})
    gmp = base(layout, "global_max_pooling1d")
    gmp.update({"data_format": "channels_last", "keepdims": True})
    rs2 = base(layout, "reshape_1")
    rs2["target_shape"] = [1, 1, 5]
    gap = base(layout, "global_average_pooling2d")
    gap.update({"data_format": "channels_last", "keepdims": False})
    return sequential(layout, "conv", [
        ("Conv2D", c2, [None, 16, 16, 3]),
        ("DepthwiseConv2D", dw, [None, 16, 16, 4]),
        ("SeparableConv2D", sep, [None, 14, 14, 8]),
        ("Conv2DTranspose", ct, [None, 14, 14, 6]),
        ("MaxPooling2D", pool("max_pooling2d", [2, 2]), [None, 28, 28, 4]),
        ("AveragePooling2D", pool("average_pooling2d", [2, 2]), [None, 14, 14, 4]),
        ("ZeroPadding2D", zp, [None, 7, 7, 4]),
        ("Cropping2D", cr, [None, 9, 9, 4]),
        ("UpSampling2D", up, [None, 8, 8, 4]),
        ("Reshape", rs1, [None, 16, 16, 4]),
        ("Conv1D", c1, [None, 64, 16]),
        ("MaxPooling1D", pool("max_pooling1d", [2]), [None, 64, 5]),
        ("AveragePooling1D", pool("average_pooling1d", [2]), [None, 32, 5]),
        ("GlobalMaxPooling1D", gmp, [None, 16, 5]),
        ("Reshape", rs2, [None, 1, 5]),
        ("GlobalAveragePooling2D", gap, [None, 1, 1, 5]),
    ], [None, 16, 16, 3])


def norm_initializers(layout, c, moving=False):
    c.update({"beta_initializer": init(layout, "Zeros"), "gamma_initializer": init(layout, "Ones")})
    if moving:
        c.update({"moving_mean_initializer": init(layout, "Zeros"),
                  "moving_variance_initializer": init(layout, "Ones")})
    c.update({"beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
              "gamma_constraint": None})
    return c


def normalization(layout):
    tf = layout == "tf2_15"
    bn = base(layout, "batch_normalization")
    bn.update({"axis": [3] if tf else -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True})
    norm_initializers(layout, bn, moving=True)
    if not tf:
        bn["synchronized"] = False
    if layout == "k3_15":  # 3.14+: always written
        bn.update({"renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99})
    ln = base(layout, "layer_normalization")
    ln.update({"axis": [3] if tf else -1, "epsilon": 0.001, "center": True, "scale": True})
    if layout in ("k3_4", "k3_15"):  # serialized from 3.4 (keras_args.md 4)
        ln["rms_scaling"] = False
    norm_initializers(layout, ln)
    gn = base(layout, "group_normalization")
    gn.update({"groups": 2, "axis": -1, "epsilon": 0.001, "center": True, "scale": True})
    norm_initializers(layout, gn)
    fl = base(layout, "flatten")
    fl["data_format"] = "channels_last"
    return sequential(layout, "normalization", [
        ("BatchNormalization", bn, [None, 6, 6, 4]),
        ("LayerNormalization", ln, [None, 6, 6, 4]),
        ("GroupNormalization", gn, [None, 6, 6, 4]),
        ("Flatten", fl, [None, 6, 6, 4]),
        ("Dense", dense(layout, "dense", 2), [None, 144]),
    ], [None, 6, 6, 4])


def noise(layout):
    tf = layout == "tf2_15"

    def spatial(name, rate, two_d):
        if tf:  # Dropout's keys, no data_format (keras_args.md 4)
            c = base(layout, name)
            c.update({"rate": rate, "noise_shape": None, "seed": None})
            return c
        # Keras 3 SpatialDropout does not call the base get_config: no trainable, dtype a string.
        c = {"rate": rate, "seed": None, "name": name, "dtype": "float32"}
        if two_d:
            c["data_format"] = "channels_last"
        return c

    gn = base(layout, "gaussian_noise")
    gn.update({"stddev": 0.1, "seed": None})
    gd = base(layout, "gaussian_dropout")
    gd.update({"rate": 0.3, "seed": None})
    rs = base(layout, "reshape")
    rs["target_shape"] = [64, 3]
    fl = base(layout, "flatten")
    fl["data_format"] = "channels_last"
    return sequential(layout, "noise", [
        ("SpatialDropout2D", spatial("spatial_dropout2d", 0.2, True), [None, 8, 8, 3]),
        ("GaussianNoise", gn, [None, 8, 8, 3]),
        ("GaussianDropout", gd, [None, 8, 8, 3]),
        ("Reshape", rs, [None, 8, 8, 3]),
        ("SpatialDropout1D", spatial("spatial_dropout1d", 0.1, False), [None, 64, 3]),
        ("Flatten", fl, [None, 64, 3]),
    ], [None, 8, 8, 3])


def activations(layout):
    tf = layout == "tf2_15"
    relu = base(layout, "re_lu")
    relu.update({"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0})
    lr = base(layout, "leaky_re_lu")
    if tf:
        lr["alpha"] = 0.2
    else:
        lr["negative_slope"] = 0.2
    pr = base(layout, "p_re_lu")
    pr.update({"alpha_initializer": init(layout, "Zeros"), "alpha_regularizer": None, "alpha_constraint": None,
               "shared_axes": None})
    # ELU has no get_config in Keras 3: before 3.12 only explicitly passed arguments are written
    # (3.3 and 3.4 fixtures: ELU() -> no alpha); 3.12+ always writes alpha (keras_args.md 2, 4).
    if tf:
        elu = base(layout, "elu")
        elu["alpha"] = 0.5
    elif layout in ("k3_3", "k3_4"):
        elu = {"name": "elu", "trainable": True, "dtype": dtype(layout)}
    else:
        elu = {"name": "elu", "alpha": 0.5, "trainable": True, "dtype": dtype(layout)}
    sm = base(layout, "softmax")
    sm["axis"] = -1
    return sequential(layout, "activations", [
        ("Dense", dense(layout, "dense", 6), [None, 5]),
        ("ReLU", relu, [None, 6]),
        ("LeakyReLU", lr, [None, 6]),
        ("PReLU", pr, [None, 6]),
        ("ELU", elu, [None, 6]),
        ("Softmax", sm, [None, 6]),
    ], [None, 5])


# ---- a functional model with every merge layer -------------------------------------------------

def keras_tensor(shape, history):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": history}}


def merging(layout):
    tf = layout == "tf2_15"
    entries = []

    def add(cls, cfg, inputs, in_shapes, out_name=None):
        name = cfg["name"]
        if cls == "InputLayer":
            e = input_layer(layout, name, in_shapes)
            e["name"] = name
            e["inbound_nodes"] = []
            entries.append(e)
            return
        e = layer(layout, cls, cfg, None if tf else (in_shapes if len(inputs) > 1 else in_shapes[0]))
        e["name"] = name
        if tf:
            e["inbound_nodes"] = [[[i, 0, 0, {}] for i in inputs]]
        else:
            ts = [keras_tensor(s, [i, 0, 0]) for i, s in zip(inputs, in_shapes)]
            e["inbound_nodes"] = [{"args": [ts] if len(ts) > 1 else ts, "kwargs": {}}]
        entries.append(e)

    add("InputLayer", {"name": "in_a"}, [], [None, 4])
    add("InputLayer", {"name": "in_b"}, [], [None, 4])
    add("Dense", dense(layout, "dense", 4, "relu"), ["in_a"], [[None, 4]])
    add("Dense", dense(layout, "dense_1", 4, "relu"), ["in_b"], [[None, 4]])
    two = [[None, 4], [None, 4]]
    for cls, name in [("Add", "add"), ("Subtract", "subtract"), ("Multiply", "multiply"), ("Average", "average"),
                      ("Maximum", "maximum"), ("Minimum", "minimum")]:
        add(cls, base(layout, name), ["dense", "dense_1"], two)
    dot = base(layout, "dot")
    dot.update({"axes": 1, "normalize": False})
    add("Dot", dot, ["dense", "dense_1"], two)
    cat = base(layout, "concatenate")
    cat["axis"] = -1
    merged = ["add", "subtract", "multiply", "average", "maximum", "minimum", "dot"]
    add("Concatenate", cat, merged, [[None, 4]] * 6 + [[None, 1]])
    add("Dense", dense(layout, "out", 1, "sigmoid"), ["concatenate"], [[None, 25]])
    cfg = {"name": "merging", "trainable": True, "layers": entries}
    if tf:
        cfg.update({"input_layers": [["in_a", 0, 0], ["in_b", 0, 0]], "output_layers": [["out", 0, 0]]})
        return {"class_name": "Functional", "config": cfg}
    cfg.update({"input_layers": [["in_a", 0, 0], ["in_b", 0, 0]], "output_layers": ["out", 0, 0]})
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": cfg,
            "registered_name": "Functional"}


# ---- compile / training configs (keras_args.md 6, 10) ------------------------------------------

def adam_config(layout):
    c = {"name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
         "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
         "ema_overwrite_frequency": None}
    if layout == "tf2_15":
        c.update({"jit_compile": True, "is_legacy_optimizer": False})
    else:
        c["loss_scale_factor"] = None
        if layout != "k3_0_0":
            c["gradient_accumulation_steps"] = None  # 3.1+
    c.update({"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False})
    return c


def compile_config(layout):
    """Keras 3 .keras top-level compile_config (trainers/trainer.py get_compile_config)."""
    return {"optimizer": envelope(layout, "Adam", adam_config(layout), "optimizer"), "loss": "mse",
            "loss_weights": None, "metrics": ["mae"], "weighted_metrics": None, "run_eagerly": False,
            "steps_per_execution": 1, "jit_compile": False}


def training_config_tf2_15():
    """tf.keras 2.15 h5 training_config: Custom>Adam, metrics as MeanMetricWrapper objects."""
    return {"loss": "mse",
            "metrics": [[{"class_name": "MeanMetricWrapper",
                          "config": {"name": "mae", "dtype": "float32", "fn": "mean_absolute_error"}}]],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Custom>Adam", "config": adam_config("tf2_15")}}


def main():
    families = {"core": core, "conv": conv, "normalization": normalization, "merging": merging,
                "noise": noise, "activations": activations}
    for layout in LAYOUTS:
        for fam, fn in families.items():
            cfg = fn(layout)
            if fam == "core" and layout != "tf2_15":
                cfg["compile_config"] = compile_config(layout)
            with open(os.path.join(HERE, "%s_%s.json" % (layout, fam)), "w") as f:
                json.dump(cfg, f, indent=1)
                f.write("\n")
    with open(os.path.join(HERE, "tf2_15_training_config.json"), "w") as f:
        json.dump(training_config_tf2_15(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
