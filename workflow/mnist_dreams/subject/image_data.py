"""``model.data`` checked before any job: what it holds, read without decoding what it need not.

A ``.npz`` is a zip of ``.npy`` arrays, each starting with a header (dtype and shape); reading the
headers settles the keys, the dtype and the shape against the model's input cheaply, and an object
array is refused there, before anything could unpickle it (``np.load`` here never allows pickles).
Only pixels that are not ``uint8`` are read, to check their range. A folder's image files are each
decoded once by Pillow, so that a damaged one is named now rather than in the layer summary's job.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .selection import SubjectError

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")
KEYS = ("images", "x_test")  # the array of a .npz, when it holds several
SAVE = "save plain numeric 0–255 pixels, e.g. np.savez('data.npz', images=np.asarray(images, np.uint8))"
PIXEL_KINDS = "uif"  # unsigned and signed integers, floats: not bool, complex, strings or objects


def files(path):
    """The files ``model.data`` reads: a folder's images, sorted (so that edits rerun), or the file."""
    path = Path(path)
    if path.is_dir():
        return sorted(str(f) for f in path.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file())
    return [str(path)]


def check(path, input_shape):
    """A SubjectError naming the file and the fix for a ``model.data`` that cannot give test images
    of ``input_shape`` (height, width, channels)."""
    where = Path(path)
    _no_wildcard(path)
    if not where.exists():
        raise SubjectError(f"model.data: {path}: no such file or folder")
    if where.is_dir():
        _check_folder(where)
    elif where.suffix != ".npz":
        raise SubjectError(
            f"model.data: {path}: give a .npz of 0–255 pixels (N, height, width[, channels]) or a folder of images"
        )
    else:
        _check_npz(where, input_shape)


def key(names, path):
    """The name of the images array among a .npz's ``names``: 'images' (or 'x_test'), else the only one."""
    chosen = next((k for k in KEYS if k in names), names[0] if len(names) == 1 else None)
    if chosen is None:
        raise SubjectError(f"model.data: {path} holds {names}; name the images array 'images' (or keep one array)")
    return chosen


def fit_shape(shape, input_shape, path):
    """A SubjectError unless an array of ``shape`` holds images for a model of ``input_shape``."""
    h, w, c = (int(v) for v in input_shape)
    image = tuple(shape[1:]) + ((1,) if len(shape) == 3 else ())
    if len(shape) not in (3, 4) or image[:2] != (h, w) or image[-1] not in (1, c):
        raise SubjectError(
            f"model.data: {path}: images of shape {image}, the model takes {(h, w, c)}: resize them, "
            f"or give a folder of image files (each cropped and resized to the input)"
        )
    if shape[0] == 0:
        raise SubjectError(f"model.data: {path}: holds no images (0 of shape {image}); {SAVE}")


def pixel_range(images, path):
    """A SubjectError unless ``images`` are finite 0–255 pixels, not [0, 1] floats."""
    if images.dtype == np.uint8 or not images.size:
        return
    low, high = float(np.min(images)), float(np.max(images))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise SubjectError(f"model.data: {path}: holds NaN or infinite values; {SAVE}")
    if images.dtype.kind == "f" and high <= 1.0:
        raise SubjectError(
            f"model.data: {path}: float pixels of at most 1.0 look scaled already; give 0–255 pixels "
            f"(model.input scales them as it does every image the model sees)"
        )
    if low < 0 or high > 255:
        raise SubjectError(f"model.data: {path}: values from {low:g} to {high:g}, not 0–255 pixels; {SAVE}")


def _no_wildcard(path):
    if "{" in str(path) or "}" in str(path):  # a job input: Snakemake would read it as a wildcard
        raise SubjectError(f"model.data: {path}: '{{' and '}}' are Snakemake's wildcard brackets; rename it")


def _check_folder(folder):
    from PIL import Image

    names = files(folder)
    if not names:
        raise SubjectError(f"model.data: {folder}: a folder without image files ({', '.join(SUFFIXES)})")
    for name in names:
        _no_wildcard(name)
        try:
            with Image.open(name) as img:
                img.load()  # decodes it: a truncated file fails here, as it would in the job
        # Pillow raises many types for a bad file (UnidentifiedImageError, SyntaxError, OSError…)
        except Exception as err:
            raise SubjectError(
                f"model.data: {name}: not an image Pillow can read ({err}); replace it, or move it out of {folder}"
            ) from err


def _check_npz(path, input_shape):
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            npy = f.read(6) == b"\x93NUMPY"
        what = "one array saved by np.save" if npy else "truncated, or not saved by np.savez"
        raise SubjectError(f"model.data: {path}: not a complete .npz (a zip archive): {what}; {SAVE}")
    with zipfile.ZipFile(path) as archive:
        members = {n.removesuffix(".npy"): n for n in archive.namelist()}  # np.load's keys
        name = key(list(members), path)
        try:
            with archive.open(members[name]) as member:
                shape, dtype = _header(member)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise SubjectError(f"model.data: {path}: {name!r} is not a NumPy array ({err}); {SAVE}") from err
    if dtype.hasobject:
        raise SubjectError(
            f"model.data: {path}: {name!r} is an object array (pickled Python objects), which is refused: "
            f"unpickling can run code; {SAVE}"
        )
    if dtype.kind not in PIXEL_KINDS:
        raise SubjectError(f"model.data: {path}: {name!r} holds {dtype} values, not pixels; {SAVE}")
    fit_shape(shape, input_shape, path)
    if dtype != np.uint8:  # any other dtype may hold values outside 0–255
        with np.load(path, allow_pickle=False) as archive:
            pixel_range(archive[name], path)


def _header(member):
    """(shape, dtype) from a .npy header, without reading the data or unpickling anything."""
    version = np.lib.format.read_magic(member)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(member)
    return shape, dtype
