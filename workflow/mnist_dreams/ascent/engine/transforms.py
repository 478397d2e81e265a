"""Transformation robustness: a random shift, zoom and rotation of the image before every step, so
that the pattern must excite the map wherever and however large it appears (lucid's
``transform.jitter``, ``random_scale``, ``random_rotate``; Olah et al. 2017, "Feature Visualization");
and the seed's roll (``oip.jitter`` without zoom or rotation), the image rolled by whole pixels.

Plain pixel ascent on a model with BatchNorm or on a colour model climbs to high-frequency noise
(the example BatchNorm model's OIPs); a pattern that must survive a few pixels of shift and a few
degrees of rotation cannot be made of single-pixel tricks. The seed's CNN keeps the seed's plain
ascent (the reproduction): these are options (``oip.jitter``, ``oip.scale``, ``oip.rotate``).

Each transform is a (8,) row for ``keras.ops.image.affine_transform``: it maps a point of the
transformed image to the point of the original it is read from (bilinear, reflected at the edges).
"""

from __future__ import annotations

import numpy as np

LIMITS = {  # the largest transform that still fits an input of side n (the smaller side)
    "jitter": lambda n: n // 3,  # pixels: a third of the input (9 on 28×28, 74 on 224×224)
    "scale": lambda n: 0.5,  # ±50 % zoom
    "rotate": lambda n: 45.0,  # degrees
}


def check(params, input_shape):
    """The error text when a transform of ``params`` (the ``oip`` section) is too large for the
    model's input, else None."""
    side = int(min(input_shape[:2]))
    for key, limit in LIMITS.items():
        largest = limit(side)
        if params.get(key, 0) > largest:
            return (
                f"oip.{key} = {params[key]} is too large for the model's {input_shape[0]}×{input_shape[1]} input: "
                f"the largest that fits is {largest}; set oip.{key} to at most that (0 = off)"
            )
    return None


def transforms(count, epochs, shape, jitter=0, scale=0.0, rotate=0.0, seed=0):
    """(epochs, count, 8) float32 transforms: per epoch and image a random shift of up to ``jitter``
    pixels, a zoom by a factor in [1/(1+scale), 1+scale] (log-uniform) and a rotation of up to
    ``rotate`` degrees about the image centre; seeded, so a map's run is reproducible."""
    rng = np.random.default_rng(seed)
    size = (epochs, count)
    theta = np.deg2rad(rng.uniform(-rotate, rotate, size)) if rotate else np.zeros(size)
    zoom = np.exp(rng.uniform(-np.log1p(scale), np.log1p(scale), size)) if scale else np.ones(size)
    dx, dy = rng.integers(-jitter, jitter + 1, (2, *size)) if jitter else np.zeros((2, *size))
    cy, cx = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    # output point p -> input point A (p - c) + c - shift, A = R(-theta) / zoom
    cos, sin = np.cos(theta) / zoom, np.sin(theta) / zoom
    rows = np.stack(
        [cos, sin, cx - cos * cx - sin * cy - dx, -sin, cos, cy + sin * cx - cos * cy - dy, 0 * cos, 0 * cos], axis=-1
    )
    return rows.astype(np.float32)


def per_group(groups, epochs, shape, seed, jitter=0, scale=0.0, rotate=0.0):
    """``transforms`` for samples of several groups (maps), each group's seeded by ``seed`` + the
    group: a map's result does not depend on the maps it shares a batch with."""
    groups = np.asarray(groups, np.int32)
    ts = np.zeros((epochs, len(groups), 8), np.float32)
    for g in sorted(set(groups.tolist())):
        rows = np.flatnonzero(groups == g)
        ts[:, rows] = transforms(len(rows), epochs, shape, jitter, scale, rotate, seed=seed + g)
    return ts


def identity(count, epochs):
    """Transforms that leave every image as it is (for checks)."""
    rows = np.zeros((epochs, count, 8), np.float32)
    rows[..., 0] = rows[..., 4] = 1.0
    return rows


def roll_shifts(epochs, jitter, seed):
    """The seed's roll: per epoch one (rows, columns) shift of up to ``jitter`` pixels for all
    images of a map (np.roll before the step and back after, pixels wrapping around)."""
    rng = np.random.default_rng(seed)
    return [tuple(int(s) for s in rng.integers(-jitter, jitter + 1, 2)) for _ in range(epochs)]
