"""Precursor grids (seed, article X): every assignment of ``values`` to a grid×grid of cells.

Start *i* of N^(g·g) is its index written in base N, most significant digit first: digit *j* is the
value index of cell *j* (row-major, top-left first), so start 0 is the uniform ``values[0]`` grid
and start N^(g·g)-1 the uniform ``values[-1]`` one; ``itertools.product(values, repeat=g*g)`` lists
them in the same order. The cells are upscaled bicubically to size×size and standardized for the CNN.

``Grid`` computes starts from their indices when they are asked for (``grid[rows]``): bicubic
resizing is linear in the cells, so a batch of images is ``cells · Bᵀ``. The seed's 3⁹ = 19 683
starts fit in memory (62 MB), the open question's 5⁹ = 1 953 125 do not comfortably (6.1 GB);
streamed, a job holds one batch.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

STANDARDIZATIONS = ("mnist", "per_image")


def upscale_basis(grid, size=28):
    """(h·w, grid²) matrix B with ``resize(cells) == B @ cells`` for Pillow's bicubic; ``size``: h = w, or (h, w).

    Bicubic interpolation is linear in the cell values, so resizing the grid² unit images once
    replaces resizing all N^(grid²) patterns one by one (checked against Pillow in the tests).
    """
    h, w = (size, size) if np.isscalar(size) else size
    basis = np.empty((h * w, grid * grid), np.float64)
    for j in range(grid * grid):
        unit = np.zeros(grid * grid, np.float32)
        unit[j] = 1.0
        img = Image.fromarray(unit.reshape(grid, grid), mode="F").resize((w, h), Image.Resampling.BICUBIC)
        basis[:, j] = np.asarray(img, np.float64).ravel()
    return basis


class Grid:
    """All precursor start images, standardized for the CNN, computed from their indices on demand.

    Indexes like a float32 array of shape (N^(g²), h, w, channels): ``grid[lo:hi]``, ``grid[rows]``;
    ``size`` h = w or (h, w), the model's input. A colour model sees the gray grid on every channel
    (a luminance pattern: the screening count stays N^(g²)); ``pixel_mean``/``pixel_std`` are
    scalars or one value per channel.
    Cell values are fractions of full white (0.2 → 51 of 255). The seed standardizes "the resulting
    distribution of pixel values", which reads two ways: ``"mnist"`` applies the CNN's own training
    constants (a bright grid stays bright), ``"per_image"`` gives every image mean 0 and std 1 (only
    its shape counts; a constant grid has no shape and becomes all zeros).
    """

    def __init__(self, values, grid, pixel_mean, pixel_std, size=28, standardize="mnist", channels=1):
        if standardize not in STANDARDIZATIONS:
            raise ValueError(f"precursor.standardize must be one of {STANDARDIZATIONS}, got {standardize!r}")
        self.values = np.asarray(values, np.float64)
        self.cell_count = grid * grid
        h, w = (size, size) if np.isscalar(size) else tuple(size)
        self.shape = (len(self.values) ** self.cell_count, h, w, channels)
        self.dtype = np.dtype(np.float32)
        self._basis_t = upscale_basis(grid, size).T
        self._mean, self._std, self._standardize = pixel_mean, pixel_std, standardize

    def __len__(self):
        return self.shape[0]

    def cells(self, indices):
        """(len(indices), g²) cell values of the starts ``indices`` (the base-N digits, see the module doc)."""
        indices = np.asarray(indices, np.int64)
        n = len(self.values)
        powers = n ** np.arange(self.cell_count - 1, -1, -1, dtype=np.int64)
        return self.values[(indices[:, None] // powers) % n]

    def __getitem__(self, key):
        indices = np.arange(len(self))[key] if isinstance(key, slice) else np.asarray(key, np.int64)
        if indices.ndim != 1:
            raise IndexError("a Grid takes a slice or a 1-D array of start indices")
        if len(indices) and (indices.min() < 0 or indices.max() >= len(self)):
            raise IndexError(f"start indices must be in 0..{len(self) - 1}")
        cells = self.cells(indices)
        images = cells @ self._basis_t * 255.0
        if self._standardize == "mnist":
            images = images.reshape(-1, *self.shape[1:3], 1)
            images = (images - self._mean) / self._std
        else:
            centered = images - images.mean(axis=1, keepdims=True)
            shaped = np.ptp(cells, axis=1) > 0  # judged on the cells: resizing leaves float noise on a constant
            std = np.where(shaped, centered.std(axis=1), 1.0)[:, None]
            images = np.where(shaped[:, None], centered / std, 0.0).reshape(-1, *self.shape[1:3], 1)
        images = images.astype(np.float32)
        if images.shape[-1] != self.shape[-1]:
            images = np.repeat(images, self.shape[-1], axis=-1)
        return images

    def __array__(self, dtype=None, copy=None):  # np.asarray(grid): every start, materialized
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def grid_patterns(values, grid, pixel_mean, pixel_std, size=28, standardize="mnist", channels=1):
    """Every start of ``Grid`` materialized: float32 (N^(g²), h, w, channels); for grids that fit in memory."""
    return Grid(values, grid, pixel_mean, pixel_std, size, standardize, channels)[:]
