"""A user's own Keras model (``model.path``): loaded, checked before any job, its input scaling.

Keras 3 reads ``.keras`` and legacy ``.h5`` files (``model_file`` checks them first); a TensorFlow
SavedModel folder loads only as an opaque ``TFSMLayer`` without layers inside, so it is refused with
the way to re-save it. A layer must output maps (4-D, channels last) and sit in the outer model:
Keras cannot cut a sub-model at a layer inside a nested model (keras #14245), so such a layer is
refused naming its nested model, which itself works. The model is always called with
``training=False`` in float32: Dropout is off and BatchNorm uses, and never updates, its moving
statistics.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from . import model_file
from .selection import RESERVED, SubjectError, channels, safe_name, tidy

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
    """The model in ``path`` (compile=False), or a SubjectError naming the file, the problem and the fix.

    ``model_file.check`` reads the file's saved config first and refuses what Keras could not, or
    must not, load (a damaged file, a Lambda layer's code, a custom class) in its own words.
    """
    model_file.check(path)
    import keras

    try:
        # safe_mode=True is Keras' default, said here so that no edit drops it: code saved in a
        # file (a lambda's bytecode) is refused, never run; keras>=3.11.3 (pyproject.toml) closes
        # the known ways around it (CVE-2025-9906, CVE-2025-9905).
        model = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as err:  # Keras raises many types for a foreign or damaged file
        reason = f"{type(err).__name__}: {model_file.keras_reason(err)}"
        raise SubjectError(f"model.path: {path}: Keras cannot load it ({reason}); {model_file.RESAVE}") from err
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
    """{"input": (h, w, c), "layers": {name: output shape}, "kinds": {name: its Keras class}, "nested":
    {inner layer: its nested model}}."""
    import keras

    if len(model.inputs) != 1:
        raise SubjectError(f"model.path: the model has {len(model.inputs)} inputs; give a model with one image input")
    layers, kinds, nested = {}, {}, {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue  # the image itself, not a layer that computes maps
        layers[layer.name] = tuple(layer.output.shape[1:])
        kinds[layer.name] = type(layer).__name__
        if isinstance(layer, keras.Model):
            nested.update({inner.name: layer.name for inner in layer.layers})
    return {"input": tuple(model.inputs[0].shape[1:]), "layers": layers, "kinds": kinds, "nested": nested}


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


def folder(path, layer, workdir=None):
    """The results folder part of a user's model and layer: ``<file stem>-<digest>/<layer>``.

    The digest is 8 hex digits of the SHA-1 of the model's path relative to the working directory
    (``workdir``, default: the current one), normalized lexically so that "m.keras", "./m.keras"
    and its absolute path agree (a path outside the working directory stays absolute), and so that
    a copied or moved working directory keeps its folders. Two files of the same stem in different
    folders get different folders (they could share one only if 32 bits of SHA-1 collided, about 1
    in 4 billion per pair); a model's layers are subfolders of its folder; and no model folder can
    be one of the workflow's own (results/oip, results/conv1, …), none of which ends in -<8 hex>.
    Both names pass ``subject.safe_name``, so neither can climb out of results/.
    """
    workdir = Path(os.path.abspath(workdir or os.getcwd()))
    where = Path(os.path.abspath(Path(workdir, path)))
    key = where.relative_to(workdir).as_posix() if where.is_relative_to(workdir) else where.as_posix()
    name = f"{Path(path).stem}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    if name in RESERVED:  # unreachable by the digest; kept so that a change of scheme cannot collide
        raise SubjectError(f"model.path: {path}: its results folder {name} is one of the workflow's own")
    safe_name(name, f"model.path: {path}: its folder", "rename the file")
    fix = f"rename the layer and save the model again, e.g. model.get_layer({layer!r}).name = {tidy(layer)!r}"
    return f"{name}/{safe_name(layer, 'model.layer:', fix)}"
