"""The images on which the layer summary measures which maps fire (``fires_on_test``): MNIST's test
set for a 28×28 gray model, or the images ``model.data`` names, for any model.

``model.data`` is a ``.npz`` file of 0–255 pixels, (N, height, width) or (N, height, width,
channels) at the model's input size, or a folder of image files, each read like the dreams' photo
(the model's channels, centered crop to the input's aspect, bicubic resize to the input). Pixels
stay in 0–255 units here: the model's own scaling (``model.input``) is applied by the caller, as
for every other image the workflow shows the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .subject import SubjectError

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")
KEYS = ("images", "x_test")  # the array of a .npz, when it holds several


def files(path):
    """The files ``model.data`` reads: a folder's images, sorted (so that edits rerun), or the file."""
    path = Path(path)
    if path.is_dir():
        return sorted(str(f) for f in path.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file())
    return [str(path)]


def check(path):
    """A SubjectError, naming the fix, for a ``model.data`` that cannot hold test images."""
    where = Path(path)
    if not where.exists():
        raise SubjectError(f"model.data: {path}: no such file or folder")
    if where.is_dir():
        if not files(where):
            raise SubjectError(f"model.data: {path}: a folder without image files ({', '.join(SUFFIXES)})")
    elif where.suffix != ".npz":
        raise SubjectError(
            f"model.data: {path}: give a .npz of 0–255 pixels (N, height, width[, channels]) or a folder of images"
        )


def load(paths, input_shape):
    """(N, h, w, c) float32 pixels in 0–255 at the model's ``input_shape`` (h, w, c).

    ``paths``: what ``files`` gives (a folder's image files, or one ``.npz``), or a path;
    ``resources/mnist.h5`` stands for the MNIST test set.
    """
    paths = [str(paths)] if isinstance(paths, (str, Path)) else [str(f) for f in paths]
    if len(paths) == 1 and Path(paths[0]).is_dir():
        paths = files(paths[0])
    where = paths[0] if len(paths) == 1 else f"{Path(paths[0]).parent}/ ({len(paths)} files)"
    if len(paths) == 1 and Path(paths[0]).suffix == ".h5":  # the MNIST test set
        from .data import read_mnist

        images = read_mnist(paths[0])[0]["x_test"]
    elif len(paths) == 1 and Path(paths[0]).suffix == ".npz":
        images = _npz(paths[0])
    else:
        from .photo import load_image

        images = np.stack([load_image(f, input_shape[0], input_shape) for f in paths])
    return _fit(np.asarray(images), input_shape, where)


def _npz(path):
    with np.load(path) as archive:
        names = list(archive.files)
        key = next((k for k in KEYS if k in names), names[0] if len(names) == 1 else None)
        if key is None:
            raise SubjectError(f"model.data: {path} holds {names}; name the images array 'images' (or keep one array)")
        return archive[key]


def _fit(images, input_shape, path):
    """``images`` as (N, h, w, c) float32 for a model of ``input_shape``, or a SubjectError."""
    h, w, c = (int(v) for v in input_shape)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[1:3] != (h, w) or images.shape[-1] not in (1, c):
        raise SubjectError(
            f"model.data: {path}: images of shape {images.shape[1:]}, the model takes {(h, w, c)}: resize them, "
            f"or give a folder of image files (each cropped and resized to the input)"
        )
    if images.dtype.kind == "f" and len(images) and float(np.max(images)) <= 1.0:
        raise SubjectError(
            f"model.data: {path}: float pixels of at most 1.0 look scaled already; give 0–255 pixels "
            f"(model.input scales them as it does every image the model sees)"
        )
    if images.shape[-1] != c:  # gray images for an RGB model: gray on all channels, as the grids
        images = np.repeat(images, c, axis=-1)
    return images.astype(np.float32)
