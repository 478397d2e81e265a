"""A user's model file (``model.path``) read as data, before Keras deserializes anything in it.

A ``.keras`` file is a zip archive whose ``config.json`` describes every layer; a legacy ``.h5``
keeps the same description in its ``model_config`` attribute. Reading that JSON ourselves lets a
damaged or foreign file, and a layer that would need code the workflow never runs, be refused with
the file's name, what is wrong and the fix, at parse time, instead of with Keras' own messages (a
truncated ``.keras`` is "File not found"; a Lambda layer's message suggests ``safe_mode=False``).
Keras itself loads the file afterwards in safe mode (``own_model.load``), the second line of defence.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from .selection import SubjectError, safe_name, tidy

SUFFIXES = (".keras", ".h5")
# Layers whose saved form is code: a Lambda's Python function (bytecode), a TensorFlow SavedModel
# or a PyTorch module wrapped as a layer. Keras' safe mode refuses them; so do we, by name.
CODE_LAYERS = ("Lambda", "TFSMLayer", "TorchModuleWrapper")
RESAVE = "save the model again where it was built: model.save('name.keras')"


def check(path):
    """The saved model config (a dict) of the ``.keras`` or ``.h5`` file ``path``; a SubjectError
    naming the file, what is wrong and the fix for anything Keras could not, or would not, load."""
    path = Path(path)
    if "{" in str(path) or "}" in str(path):  # a job input: Snakemake would read it as a wildcard
        raise SubjectError(f"model.path: {path}: '{{' and '}}' are Snakemake's wildcard brackets; rename the file")
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
    if path.suffix not in SUFFIXES:
        raise SubjectError(f"model.path: {path}: Keras 3 reads .keras and .h5 files, not {path.suffix or 'no suffix'}")
    fix = f"rename the file, e.g. to {tidy(path.stem, 'model')}{path.suffix}"
    safe_name(path.stem, f"model.path: {path}: its stem", fix)
    config = _keras_config(path) if path.suffix == ".keras" else _h5_config(path)
    if not isinstance(config, dict) or "class_name" not in config:
        raise SubjectError(f"model.path: {path}: its saved config describes no Keras model; {RESAVE}")
    _refuse_code(path, config)
    return config


def keras_reason(err, limit=400):
    """Keras' message for a load that failed, without its advice to load unsafely (no config key
    allows that) and without the full layer config it often appends."""
    text = str(err).split("If you trust the source", 1)[0].split("Full object config", 1)[0].strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _keras_config(path):
    if not zipfile.is_zipfile(path):
        raise SubjectError(
            f"model.path: {path}: not a complete zip archive, which every .keras file is: truncated (an "
            f"interrupted copy or download?) or not a Keras 3 file; copy it again, or {RESAVE}"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("config.json")
    except KeyError:
        raise SubjectError(
            f"model.path: {path}: a zip archive without config.json, so not a model saved by Keras 3; {RESAVE}"
        ) from None
    except (zipfile.BadZipFile, OSError) as err:
        raise SubjectError(f"model.path: {path}: a damaged zip archive ({err}); copy it again, or {RESAVE}") from err
    return _json(path, text, "config.json")


def _h5_config(path):
    import h5py

    if not h5py.is_hdf5(path):
        raise SubjectError(
            f"model.path: {path}: not an HDF5 file, which every Keras .h5 model is: truncated or another "
            f"format; copy it again, or {RESAVE}"
        )
    try:
        with h5py.File(path, "r") as f:
            text = f.attrs.get("model_config")
    except OSError as err:  # the signature is there, the rest is not: truncated or damaged
        raise SubjectError(f"model.path: {path}: a damaged HDF5 file ({err}); copy it again, or {RESAVE}") from err
    if text is None:
        raise SubjectError(
            f"model.path: {path}: an HDF5 file without model_config: weights only (save_weights) or not a "
            f"Keras model, so there are no layers to load them into; {RESAVE}"
        )
    return _json(path, text, "model_config")


def _json(path, text, where):
    try:
        return json.loads(text)
    except (ValueError, TypeError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SubjectError(f"model.path: {path}: its {where} is not valid JSON ({err}); {RESAVE}") from err


def _refuse_code(path, config):
    """A SubjectError naming every layer whose saved form is code, or whose class Keras lacks."""
    code, custom = [], []
    for entry in _entries(config):
        name, cls = _name(entry), str(entry.get("class_name"))
        if cls in CODE_LAYERS or _holds_lambda(entry.get("config")):
            code.append(f"{cls} {name!r}")
        elif _is_custom(entry):
            custom.append(f"{name!r} ({entry.get('registered_name') or cls})")
    if code:
        one = len(code) == 1
        raise SubjectError(
            f"model.path: {path}: {'layer' if one else 'layers'} {', '.join(code)} "
            f"{'runs a Python function' if one else 'run Python functions'} saved with the model, which this "
            f"workflow never does (it loads models in Keras' safe mode only). Rebuild the model with Keras' "
            f"built-in layers in {'its' if one else 'their'} place (e.g. Rescaling(1 / 255) for x / 255, "
            f"Activation, Reshape, Normalization), copy the weights over with set_weights, and {RESAVE} "
            f"(a custom Layer subclass, even one registered with keras.saving.register_keras_serializable, "
            f"would not load either: the workflow imports no code of yours)"
        )
    if custom:
        raise SubjectError(
            f"model.path: {path}: layer {', '.join(custom)} is of a custom class, whose code is not in the "
            f"file and which this workflow does not import (it loads Keras' built-in layers only); rebuild "
            f"the model from built-in layers, copy the weights over with set_weights, and {RESAVE}"
        )


def _entries(config):
    """Every layer's saved entry, the model's own first, nested models' layers included."""
    yield config
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    for entry in layers if isinstance(layers, list) else []:
        if isinstance(entry, dict):
            yield from _entries(entry)


def _name(entry):
    inner = entry.get("config")
    return (inner.get("name") if isinstance(inner, dict) else None) or entry.get("name") or "?"


def _holds_lambda(node):
    """Whether a layer's own config (not its nested layers') holds a serialized Python lambda."""
    if isinstance(node, dict):
        if node.get("class_name") == "__lambda__":
            return True
        return any(_holds_lambda(v) for k, v in node.items() if k != "layers")
    if isinstance(node, list):
        return any(_holds_lambda(v) for v in node)
    return False


def _is_custom(entry):
    """A class Keras does not ship: a module outside keras (.keras) or a registered "package>Name"."""
    module, registered = entry.get("module"), entry.get("registered_name")
    if module is not None:
        return not (module == "keras" or module.startswith("keras."))
    return bool(registered) or ">" in str(entry.get("class_name"))
