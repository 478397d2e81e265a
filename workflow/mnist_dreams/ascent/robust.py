"""Transformation robustness for the OIP: a random shift, zoom and rotation of the image before every
step, so that the pattern must excite the map wherever and however large it appears (lucid's
``transform.jitter``, ``random_scale``, ``random_rotate``; Olah et al. 2017, "Feature Visualization").

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


def smooth_settings(input_shape):
    """The ``smooth`` style for an input of ``input_shape``: the Fourier parameterization with
    decorrelated colour and transforms of 1 px per 28 px of side (at least 1), ±10 % and ±10°.
    Chosen by ``tests/bench/bench_robust.py`` (docs/measurements.md): on the example BatchNorm model
    and an RGB model it cuts the plain ascent's high-frequency share by far more than 2× while the
    OIPs still beat the best test image; transforms alone did not reach 2×."""
    side = int(min(input_shape[:2]))
    return {"parameterization": "fourier", "jitter": max(1, side // 28), "scale": 0.1, "rotate": 10.0}


def resolve_style(params, own_model, input_shape):
    """Fill ``params`` (the ``oip`` section) in place for its ``style`` and return the style used:
    ``auto`` is ``seed`` for the seed's CNN (the reproduction: the keys as they are) and ``smooth``
    for a model of ``model.path``; ``smooth`` sets each of its keys the user left at the seed's
    value (0, pixel), so an explicit setting wins."""
    style = params.get("style", "auto")
    if style == "auto":
        style = "smooth" if own_model else "seed"
    if style == "smooth":
        for key, value in smooth_settings(input_shape).items():
            if params.get(key) in (0, 0.0, "pixel", None):
                params[key] = value
    params["style"] = style
    return style


def enabled(params):
    """Whether ``params`` (the ``oip`` section) asks for the affine transforms (zoom or rotation; a
    shift alone is the seed-era roll of ``oip.jitter``, kept as it was)."""
    return bool(params.get("scale", 0) or params.get("rotate", 0))


def check(params, input_shape):
    """The error text when a transform is too large for the model's input, else None."""
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


def identity(count, epochs):
    """Transforms that leave every image as it is (for checks)."""
    rows = np.zeros((epochs, count, 8), np.float32)
    rows[..., 0] = rows[..., 4] = 1.0
    return rows


def ascend(model, layer, maps, starts, epochs, step_size, settings, seed=0, progress=None, chunk=100, **terms):
    """The robust OIP of ``starts`` (one map per start in ``maps``): (images, loss_history (B, epochs),
    start_loss). ``settings``: jitter, scale, rotate; each map's transforms are seeded by ``seed`` +
    the map, so a map's result does not depend on the maps it shares a job with. ``terms``: l2, tv,
    diversity, fourier, as ``layer.compiled_robust`` takes them.

    History column *e* < epochs - 1: the transformed image's loss at step *e* + 1; the last column:
    the returned images' own loss (their ``final_loss``). Compiled in chunks of ``chunk`` epochs so
    a progress line can follow each.
    """
    from ..plumbing import backend
    from . import layer as engine

    maps = np.asarray(maps, np.int32)
    ts = np.zeros((epochs, len(starts), 8), np.float32)
    for m in sorted(set(maps.tolist())):
        rows = np.flatnonzero(maps == m)
        ts[:, rows] = transforms(len(rows), epochs, starts.shape[1:3], seed=seed + m, **settings)
    run = engine.compiled_robust(model, layer, float(step_size), **terms)
    report = None if progress is None else lambda done, final: progress.update(done, best_loss=float(final.max()))
    x, history = in_chunks(run, starts, maps, ts, chunk, report)
    return x, history, backend.map_losses(model, layer, starts, maps)


def in_chunks(run, starts, groups, ts, chunk=100, report=None):
    """A compiled robust ascent ``run(x, groups, transforms)`` over all of ``ts`` (epochs, B, 8), in
    calls of ``chunk`` epochs (``report(epochs done, last values)`` after each): (images, history
    (B, epochs)), column *e* < epochs - 1 the transformed images' value at step *e* + 1, the last
    column the returned images' own value."""
    x, rows, final = np.asarray(starts, np.float32), [], None
    for done in range(0, len(ts), chunk):
        x, hist = run(x, groups, ts[done : done + chunk])
        rows.append(hist[:-1])
        final = hist[-1]
        if report is not None:
            report(min(done + chunk, len(ts)), final)
    transformed = np.concatenate(rows)  # (epochs, B)
    return x, np.concatenate([transformed[1:], final[None]]).T
