"""HDF5 and model files: atomic writes, self-describing attributes, validating reads."""

from __future__ import annotations

import functools
import json
import os
import platform
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import h5py
import numpy as np


class StoreError(RuntimeError):
    """A stored file is missing or lacks what its reader needs."""


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    A job that fails half-way leaves the old file (or none), never a truncated one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or ".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except OSError as err:  # disk full, file size limit (EFBIG), quota: name the output, say nothing changed
        raise StoreError(f"{path}: writing failed ({err}); nothing written, an old file stays untouched") from err
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _attr_value(value):
    # h5py attributes hold scalars, strings and arrays; anything nested travels as JSON.
    if value is None or isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, Path):
        return str(value)
    return value


def versions():
    """Library versions and backend that produced a result."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for dist in ("numpy", "h5py", "keras", "tensorflow", "jax", "scikit-learn", "scipy"):
        with suppress(md.PackageNotFoundError):
            out[dist] = md.version(dist)
    out["keras_backend"] = os.environ.get("KERAS_BACKEND", "tensorflow")
    return out


@functools.cache
def cpu():
    """The CPU as speed depends on it: model, widest vector extension, cores (e.g. "Xeon …, avx512, 2 cores")."""
    model, flags = platform.processor() or platform.machine(), set()
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    isa = "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "no avx2" if flags else "isa unknown"
    return f"{model}, {isa}, {os.cpu_count()} cores"


def write_h5(path, datasets, attrs=None):
    """Write ``datasets`` (name -> array) and ``attrs`` to ``path`` atomically.

    Provenance (library versions, backend, host, CPU, time) is added to every file.
    """
    meta = {"versions": versions(), "host": platform.node(), "cpu": cpu(), "created": time.strftime("%FT%T%z")}
    meta.update(attrs or {})
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=np.asarray(value), compression=_compression(value))
        for key, value in meta.items():
            f.attrs[key] = _attr_value(value)
    return Path(path)


def _compression(value):
    return "gzip" if np.asarray(value).nbytes > 1 << 16 else None


def read_h5(path, required=(), attrs_required=()):
    """Read every dataset and attribute of ``path``; name the file and key when one is missing."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: file not found (run the rule that produces it first)")
    with h5py.File(path, "r") as f:
        missing = [k for k in required if k not in f]
        missing += [f"attribute {k!r}" for k in attrs_required if k not in f.attrs]
        if missing:
            raise StoreError(f"{path}: missing {', '.join(map(str, missing))}")
        data = {k: f[k][()] for k in f}
        attrs = {k: _decode(v) for k, v in f.attrs.items()}
    return data, attrs


def _decode(value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str) and value[:1] in '[{"n' and value not in ("nan",):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def write_tsv(frame, path):
    """Write a pandas DataFrame as TSV atomically."""
    with atomic_path(path, suffix=".tsv") as tmp:
        frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    return Path(path)


def save_model(model, path):
    """Save a Keras model atomically (Keras insists on the ``.keras`` suffix)."""
    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)
    return Path(path)


def load_model(path):
    """Load a saved Keras model, naming the file when it is absent."""
    import keras

    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: model file not found (run the cnn rule first)")
    return keras.models.load_model(path)


def load_cnn(model_path, training_path):
    """The trained CNN and the standardization (pixel mean, std) it was trained with."""
    _, attrs = read_h5(training_path, attrs_required=("pixel_mean", "pixel_std"))
    return load_model(model_path), attrs["pixel_mean"], attrs["pixel_std"]
