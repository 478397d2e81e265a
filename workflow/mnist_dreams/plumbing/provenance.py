"""Where and with what a result was computed: library versions, backend, host, CPU, time.

Every stored file carries it (``store.write_h5``), and the summary names the machine from it.
"""

from __future__ import annotations

import functools
import os
import platform
import time
from contextlib import suppress

from .runtime import cpu_identity


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
    model, flags = cpu_identity()
    isa = "avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "no avx2" if flags else "isa unknown"
    return f"{model}, {isa}, {os.cpu_count()} cores"


def stamp():
    """The provenance attributes of a file written now."""
    return {"versions": versions(), "host": platform.node(), "cpu": cpu(), "created": time.strftime("%FT%T%z")}
