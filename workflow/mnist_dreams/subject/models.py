"""Keras model files: atomic saves, and loads that name the file and how to rebuild it.

Apart from ``store`` (HDF5), so that an edit here reruns only the jobs that load or save a model.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..plumbing.store import StoreError, _rebuild, atomic_path, read_h5


def save_model(model, path):
    """Save a Keras model atomically (Keras insists on the ``.keras`` suffix)."""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)
    return Path(path)


def load_model(path, compile=True):
    """Load a saved Keras model, naming the file when it is absent or unreadable.

    ``compile=False``: the saved architecture and weights only, for forward passes and gradient
    ascent: no optimizer, and no weight initializer runs, since the saved weights replace its values
    anyway. Under JAX each initializer of a new shape is an XLA compilation (the threefry RNG: 1-3 s
    each on a slow CPU), which made loading the CNN take ~5 s of every per-map job.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: model file not found (run the cnn rule first)")
    # A .keras file is a zip archive; Keras reports a truncated one as "File not found", so check first.
    if not zipfile.is_zipfile(path):
        raise StoreError(f"{path}: not a readable Keras model, no complete zip archive (truncated?); {_rebuild(path)}")
    import keras  # here: the checks above need no backend

    from ..plumbing import runtime

    if keras.backend.backend() == "jax":
        runtime.atomic_jax_cache()  # loading compiles (and caches) a little under JAX
    try:
        # safe_mode=True (Keras' default, said so that no edit drops it): code saved in a file is
        # refused, never run; keras>=3.11.3 closes its known bypasses (CVE-2025-9906, CVE-2025-9905)
        return keras.models.load_model(path, safe_mode=True) if compile else _load_weights_only(keras, path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        from .model_file import keras_reason

        raise StoreError(
            f"{path}: not a readable Keras model, truncated or foreign ({keras_reason(err)}); {_rebuild(path)}"
        ) from err


def load_subject(inputs, scaling):
    """The model a job visualizes and how 0–255 pixels become its input: (model, mean, std).

    ``scaling`` "seed": the workflow's trained CNN (``inputs.model``, ``inputs.training``) with its
    MNIST standardization; otherwise the ``model`` config of a user's file (``own_model.scaling``).
    """
    if scaling == "seed":
        return load_cnn(inputs.model, inputs.training)
    from . import own_model

    model = own_model.load(inputs.model)
    mean, std = own_model.scaling(scaling, int(model.inputs[0].shape[-1]))
    return model, mean, std


def load_cnn(model_path, training_path):
    """The trained CNN and the standardization (pixel mean, std) it was trained with."""
    _, attrs = read_h5(training_path, attrs_required=("pixel_mean", "pixel_std"))
    return load_model(model_path, compile=False), attrs["pixel_mean"], attrs["pixel_std"]


# Layer configs name their initializers in keys ending in "_initializer" (kernel_, bias_, …).
PLACEHOLDER = "mnist_dreams>SavedWeightsFollow"


def _load_weights_only(keras, path):
    """What keras.models.load_model(path, compile=False) returns, without running any initializer."""

    class SavedWeightsFollow(keras.initializers.Initializer):
        # NumPy zeros: a host array, no backend op to compile (even zeros cost ~70 ms a shape under JAX)
        def __call__(self, shape, dtype=None):
            return np.zeros(shape, dtype=dtype or "float32")

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    config["compile_config"] = None
    model = keras.saving.deserialize_keras_object(  # safe mode as load_model's: no saved code runs
        _placeholders(config), custom_objects={PLACEHOLDER: SavedWeightsFollow}, safe_mode=True
    )
    model.load_weights(path)  # every weight, or an error naming the one that does not fit
    return model


def _placeholders(node):
    """``node`` (a saved config) with every initializer replaced by the placeholder."""
    if isinstance(node, dict):
        return {
            key: {"module": None, "class_name": PLACEHOLDER, "config": {}, "registered_name": PLACEHOLDER}
            if key.endswith("_initializer") and value is not None
            else _placeholders(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_placeholders(value) for value in node]
    return node


def subject_and_test_images(inputs, scaling, precision):
    """What a job that reads the dataset examples starts with: the model (``load_subject``, at
    ``precision``), its input scaling, and the test images (``inputs.test_data``) as its input."""
    from ..plumbing import backend
    from . import activity, photo

    backend.set_precision(precision)
    model, pixel_mean, pixel_std = load_subject(inputs, scaling)
    shape = tuple(model.inputs[0].shape[1:])
    test_x = photo.to_input(activity.load(inputs.test_data, shape), pixel_mean, pixel_std)
    return model, pixel_mean, pixel_std, test_x
