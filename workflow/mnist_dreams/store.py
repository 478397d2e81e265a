"""HDF5 and model files: atomic writes, self-describing attributes, validating reads."""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
import platform
import re
import tempfile
import time
import zipfile
from contextlib import contextmanager, suppress
from pathlib import Path

import h5py
import numpy as np


class StoreError(RuntimeError):
    """A stored file is missing or lacks what its reader needs."""


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    A job that fails half-way leaves the old file (or none), never a truncated one. The temp file's
    name carries the writer's pid (``.map_046.h5.<pid>.<random>.h5``): a writer killed by SIGKILL
    cannot remove its temp file, so the next writer of ``path`` removes those of dead writers.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=suffix or ".tmp", dir=path.parent)
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


def _remove_stale_temps(path):
    """Remove temp files of ``path`` left by writers that died (SIGKILL, OOM killer, node loss).

    Snakemake runs one job per output, so no other live writer of ``path`` can exist; the pid check
    only spares a process of this host that still writes it outside Snakemake (a notebook, a test).
    """
    own = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]{{8}}")  # mkstemp: 8 of [a-z0-9_]
    for sibling in path.parent.glob(f".{glob.escape(path.name)}.*"):
        match = own.match(sibling.name)
        if match and not _alive(int(match[1])):
            with suppress(FileNotFoundError):  # another process may have removed it first
                sibling.unlink()


def _alive(pid):
    try:
        os.kill(pid, 0)  # signal 0: existence check only
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


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


def digest(settings):
    """A short stable name for a dict of ``settings``: of the same JSON they are stored as in attrs."""
    return hashlib.sha256(_attr_value(dict(settings)).encode()).hexdigest()[:16]


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
    """Read every dataset and attribute of ``path``; name the file, what is wrong and how to rebuild it."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: file not found (run the rule that produces it first)")
    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in required if k not in f]
            missing += [f"attribute {k!r}" for k in attrs_required if k not in f.attrs]
            if missing:
                raise StoreError(f"{path}: missing {', '.join(map(str, missing))}; {_rebuild(path)}")
            data = {k: f[k][()] for k in f}
            attrs = {k: _decode(v) for k, v in f.attrs.items()}
    except (OSError, KeyError) as err:  # h5py: truncated, not HDF5, or a damaged object inside
        raise StoreError(f"{path}: not a readable HDF5 file, truncated or foreign ({err}); {_rebuild(path)}") from err
    return data, attrs


def _rebuild(path):
    # Deleting alone would do too, but --force on the file reruns exactly its job and nothing upstream.
    return f"rebuild it with `snakemake {path} --force` and your usual options (--cores, --configfile last)"


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

    from . import runtime

    if keras.backend.backend() == "jax":
        runtime.atomic_jax_cache()  # loading compiles (and caches) a little under JAX
    try:
        return keras.models.load_model(path) if compile else _load_weights_only(keras, path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise StoreError(f"{path}: not a readable Keras model, truncated or foreign ({err}); {_rebuild(path)}") from err


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
    model = keras.saving.deserialize_keras_object(
        _placeholders(config), custom_objects={PLACEHOLDER: SavedWeightsFollow}
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
