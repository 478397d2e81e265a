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

# files: also what the rules list as the layer summary's inputs; image_data.check vets them at parse time
from .image_data import files, fit_shape, key, pixel_range


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
        pixel_range(images, where)  # as image_data.check did at parse time, on what the job read
    else:
        from .photo import load_image

        images = np.stack([load_image(f, input_shape[0], input_shape) for f in paths])
    return _fit(np.asarray(images), input_shape, where)


def _npz(path):
    with np.load(path, allow_pickle=False) as archive:  # an object array is refused, never unpickled
        return archive[key(list(archive.files), path)]


def _fit(images, input_shape, path):
    """``images`` as (N, h, w, c) float32 for a model of ``input_shape``, or a SubjectError (the check
    ``image_data.check`` made at parse time, repeated on what the job actually read)."""
    fit_shape(images.shape, input_shape, path)
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] != int(input_shape[-1]):  # gray images for an RGB model: gray on all channels, as the grids
        images = np.repeat(images, int(input_shape[-1]), axis=-1)
    return images.astype(np.float32)
