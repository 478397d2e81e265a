"""A user's own Keras model (``model.path``): loaded, checked before any job, its input scaling.

Keras 3 reads ``.keras`` and legacy ``.h5`` files; a TensorFlow SavedModel folder loads only as an
opaque ``TFSMLayer`` without layers inside, so it is refused with the way to re-save it. A layer
must output maps (4-D, channels last) and sit in the outer model: Keras cannot cut a sub-model at a
layer inside a nested model (keras #14245), so such a layer is refused naming its nested model,
which itself works. The model is always called with ``training=False`` in float32: Dropout is off
and BatchNorm uses, and never updates, its moving statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .subject import SubjectError, channels

# How 8-bit pixels (0–255) become the model's input: x = (pixels - mean) / std, per channel.
SCALINGS = {
    "unit": (0.0, 255.0),  # [0, 1]
    "symmetric": (127.5, 127.5),  # [-1, 1]
    "raw": (0.0, 1.0),  # 0–255 as they are: a model with its own Rescaling / Normalization layer
}
INPUTS = ("auto", "seed", *SCALINGS, "mean_std")
CHOICES = (
    "unit ([0, 1]), symmetric ([-1, 1]), raw (0–255, the model rescales itself) or mean_std (with model.mean "
    "and model.std per channel)"
)


def auto_input(model):
    """``model.input: auto`` for a file: "raw" when a Rescaling or Normalization layer comes before the
    model's first weights (the model scales pixels itself); otherwise a SubjectError asking which
    scaling the model was trained on, since a wrong guess fails silently (noise, not patterns).
    """
    import keras

    for layer in model.layers:
        if isinstance(layer, (keras.layers.Rescaling, keras.layers.Normalization)):
            return "raw"
        if layer.weights:
            break
    raise SubjectError(
        "model.input: auto finds no Rescaling or Normalization layer before the model's first weights, so it "
        f"expects pixels scaled as in its training; say how with model.input: {CHOICES}"
    )


def scaling(settings, n_channels):
    """(mean, std) float32 arrays of shape (channels,) for ``model.input`` (and model.mean / model.std)."""
    kind = settings["input"]
    if kind == "mean_std":
        mean, std = (np.asarray(settings[k], np.float32) for k in ("mean", "std"))
        if mean.size not in (1, n_channels) or std.size not in (1, n_channels) or (std <= 0).any():
            raise SubjectError(
                f"model.mean {settings['mean']} / model.std {settings['std']}: give 1 or {n_channels} values "
                f"(one per input channel, in 0–255 pixel units), every std > 0"
            )
    elif kind in SCALINGS:
        mean, std = (np.float32(v) for v in SCALINGS[kind])
    else:
        raise SubjectError(
            f"model.input: {kind!r} is the seed CNN's own standardization; for model.path choose how 0–255 "
            f"pixels become your model's input: {CHOICES}, or auto (raw for a model that starts by rescaling)"
        )
    return np.broadcast_to(mean, (n_channels,)).copy(), np.broadcast_to(std, (n_channels,)).copy()


def load(path):
    """The model in ``path`` (compile=False), or a SubjectError naming the problem and the fix."""
    path = Path(path)
    if path.is_dir():
        if (path / "saved_model.pb").exists():
            raise SubjectError(
                f"model.path: {path} is a TensorFlow SavedModel folder; Keras 3 loads it only as an opaque "
                f"TFSMLayer, with no layers to visualize. Re-save it as .keras where it was built (or with "
                f"tf_keras: model = tf_keras.models.load_model('{path}'); model.save('model.keras'))"
            )
        raise SubjectError(f"model.path: {path} is a folder; give a .keras or .h5 file")
    if not path.exists():
        raise SubjectError(f"model.path: {path}: no such file")
    if path.suffix not in (".keras", ".h5"):
        raise SubjectError(f"model.path: {path}: Keras 3 reads .keras and .h5 files, not {path.suffix or 'no suffix'}")
    import keras

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as err:  # Keras raises many types for a foreign or damaged file
        raise SubjectError(f"model.path: {path}: Keras cannot load it ({type(err).__name__}: {err})") from err
    return float32(model)


LOW = ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16")  # the policies of mixed-precision training


def float32(model):
    """``model`` computing in float32: one saved under a mixed-precision policy (its layers compute
    in float16/bfloat16, e.g. after GPU training) is rebuilt from its config with float32 layers and
    given its weights; an ascent in half precision would stall on rounding.
    """
    if all(layer.compute_dtype not in LOW for layer in model.layers):
        return model
    clone = model.__class__.from_config(_float32_config(model.get_config()))
    clone.set_weights([np.asarray(w, np.float32) for w in model.get_weights()])
    return clone


def _float32_config(node):
    """A saved config with every half-precision dtype or dtype policy set to float32."""
    if isinstance(node, dict):
        if node.get("class_name") == "DTypePolicy" and node.get("config", {}).get("name") in LOW:
            return {**node, "config": {**node["config"], "name": "float32"}}
        return {k: "float32" if k == "dtype" and v in LOW else _float32_config(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_float32_config(v) for v in node]
    return node


def describe(model):
    """{"input": (h, w, c), "layers": {name: output shape}, "nested": {inner layer: its nested model}}."""
    import keras

    if len(model.inputs) != 1:
        raise SubjectError(f"model.path: the model has {len(model.inputs)} inputs; give a model with one image input")
    layers, nested = {}, {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue  # the image itself, not a layer that computes maps
        layers[layer.name] = tuple(layer.output.shape[1:])
        if isinstance(layer, keras.Model):
            nested.update({inner.name: layer.name for inner in layer.layers})
    return {"input": tuple(model.inputs[0].shape[1:]), "layers": layers, "nested": nested}


def check(model, layer):
    """(map count, input shape) of ``layer`` in ``model``; a SubjectError for anything not visualizable."""
    info = describe(model)
    shape = info["input"]
    if len(shape) != 3 or shape[-1] not in (1, 3) or None in shape:
        raise SubjectError(
            f"model.path: input shape {shape} is not an image of fixed size (height, width, channels 1 or 3, "
            f"channels last)"
        )
    if layer not in info["layers"] and layer in info["nested"]:
        raise SubjectError(
            f"model.layer: {layer!r} is inside the nested model {info['nested'][layer]!r}; Keras cannot cut a "
            f"sub-model inside a nested model. Give {info['nested'][layer]!r} itself, or rebuild the model flat"
        )
    return channels(info["layers"], layer, where="your model"), shape


def folder(path, layer):
    """The results folder part of a user's model and layer: results/<file stem>/<layer>/…."""
    return f"{Path(path).stem}/{layer}"
