"""Dreams (seed, "Deep Dreams of a CNN trained on MNIST data – I"): carving a map's pattern into
a photo at the model's input resolution (28×28 for the seed's CNN), and the multi-scale DeepDream
the seed only sketches.

Photos are float arrays in pixel units (0–255), gray (h, w) or RGB (h, w, 3) as the model's input
channels (``photo``); the model sees them scaled by its (mean, std): the seed CNN's training
standardization, or ``model.input`` for a user's model.
"""

from __future__ import annotations

import logging

import numpy as np

from ..subject.photo import contrast, hw, px, resize, to_input, to_pixels
from .dream_file import KEPT, lost_detail

log = logging.getLogger(__name__)

PAD = 8  # single-map dreams ascend in batches of a multiple of PAD (see carve)


def view(model):
    """(height, width) of the model's input: the resolution at which it looks at the photo."""
    return hw(tuple(model.inputs[0].shape[1:3]))


def carve(model, maps, image, iterations, epochs, step_size, pixel_mean, pixel_std, percentile=1.0, layer="conv3"):
    """The seed's single-map dream, for every map of ``maps`` at once: ascend at the model's input
    size, upscale, re-add lost detail, repeat. Each iteration ascends all maps' images in one batch
    (one compiled ascent, a map index per image), padded to a multiple of ``PAD`` so that a map's
    dream does not depend on how many maps share its job (batch size 1 takes other float32 kernels).

    Returns {map: dict of arrays}: per-iteration ``patterns`` (model input after ascent, e.g. the
    seed CNN's standardized 28×28), ``starts`` (model input before), ``blurry`` (upscaled dream),
    ``detailed`` (with the detail re-added), ``losses`` (iterations × 2: map loss before/after), and
    ``final`` (contrast-adjusted last detailed image). A gray photo's arrays drop the channel axis.
    """
    from .engine import driver

    maps = [int(m) for m in maps]
    gray, small_size, size = image.ndim == 2, view(model), image.shape[:2]
    view_of_image = resize(image, small_size)
    detail = lost_detail(image, small_size)
    small = dict.fromkeys(maps, view_of_image)  # shared: each map's entry is replaced, never changed in place
    ascend = driver.compiled(model, layer, float(step_size), int(epochs))
    batch = -(-len(maps) // PAD) * PAD
    index = np.resize(np.asarray(maps, np.int32), batch)  # padding repeats maps: rows are independent
    out = {m: {k: [] for k in ("starts", "patterns", "blurry", "detailed", "losses")} for m in maps}
    for _ in range(iterations):
        x = np.stack([to_input(small[m], pixel_mean, pixel_std) for m in maps])
        patterns, hist = ascend(np.resize(x, (batch, *x.shape[1:])), index)
        for row, m in enumerate(maps):
            pattern = np.asarray(patterns[row])
            blurry = resize(to_pixels(pattern, pixel_mean, pixel_std, gray), size)
            detailed = blurry + detail
            small[m] = resize(detailed, small_size)
            start = x[row, ..., 0] if gray else x[row]
            values = (start, pattern[..., 0] if gray else pattern, blurry, detailed, hist[[0, -1], row])
            for key, value in zip(out[m], values, strict=True):
                out[m][key].append(value)
    results = {}
    for m in maps:
        result = {k: np.stack(v).astype(np.float32) for k, v in out[m].items()}
        result["final"] = contrast(result["detailed"][-1], percentile)
        log.info("map %d: loss %.3f → %.3f over %d iterations", m, result["losses"][0, 0], result["losses"][-1, 1],
                 iterations)  # fmt: skip
        results[m] = result
    return results


def carve_maps(model, maps, image, params, pixel_mean, pixel_std, layer="conv3"):
    """A dream job's work: ``carve`` with the config's ``dream`` params for every map of ``maps``.

    Returns {map: (datasets, attrs)} of ``results/dreams/map_NNN.h5``: ``KEPT`` per iteration and
    ``blurry``, the last iteration's upscaled dream; ``dream_file.finished`` gives the rest.
    """
    p = params
    results = carve(model, maps, image, p["iterations"], p["epochs"], p["step_size"], pixel_mean, pixel_std,
                    p["contrast_percentile"], layer)  # fmt: skip
    out = {}
    for m, result in results.items():
        kept = {k: result[k] for k in KEPT} | {"blurry": result["blurry"][-1]}
        attrs = {"map": m, "layer": layer, "params": p, "pixel_mean": pixel_mean, "pixel_std": pixel_std}
        attrs["pearson_detailed_vs_original"] = pearson(result["detailed"][-1], image)
        out[m] = (kept, attrs)
    return out


def pearson(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def octave_sizes(size, octaves, ratio, smallest=(28, 28)):
    """(height, width) of the octaves, smallest first, never below the model's input ``smallest``."""
    (h, w), (low_h, low_w) = hw(size), hw(smallest)
    return sorted({(max(low_h, round(h / ratio**k)), max(low_w, round(w / ratio**k))) for k in range(octaves)})


def tiled_gradient(grad, x, rng, tile=(28, 28)):
    """Gradient of a whole (h, w, c) model input, assembled from tiles of the model's input size.

    The tile grid is shifted by a random offset each call (roll, then roll back) so that tile
    seams land somewhere else every step and do not imprint on the dream.
    """
    (th, tw), (h, w, c) = hw(tile), x.shape
    shift = tuple(int(v) for v in rng.integers(0, (th, tw), 2))
    ny, nx = -(-h // th), -(-w // tw)
    rolled = np.pad(np.roll(x, shift, axis=(0, 1)), ((0, ny * th - h), (0, nx * tw - w), (0, 0)), mode="reflect")
    tiles = rolled.reshape(ny, th, nx, tw, c).transpose(0, 2, 1, 3, 4).reshape(-1, th, tw, c)
    g, loss = grad(tiles)
    g = np.asarray(g).reshape(ny, nx, th, tw, c).transpose(0, 2, 1, 3, 4).reshape(ny * th, nx * tw, c)[:h, :w]
    return np.roll(g, (-shift[0], -shift[1]), axis=(0, 1)), float(np.mean(loss))


def _unit(g):
    return g / (np.sqrt(np.mean(np.square(g))) + 1e-8)


def octaves(
    model,
    image,
    layer_weights,
    n_octaves,
    ratio,
    steps,
    step_size,
    pixel_mean,
    pixel_std,
    tiles=True,
    whole=True,
    seed=0,
):
    """Multi-scale DeepDream with detail re-added between octaves (the seed's bullet list).

    At every scale each step combines the gradient of tiles of the model's input size (close look)
    and of the whole image downscaled to that size (myopic look), each RMS-normalized;
    ``step_size`` is the RMS change in pixel levels per step. Returns the dream, per-octave
    snapshots at full size, the (height, width) sizes and the tile/whole losses per step.
    """
    if not (tiles or whole):
        raise ValueError("deepdream: at least one of tiles / whole must be on")
    from .engine import driver

    grad = driver.layer_gradient(model, layer_weights)
    rng = np.random.default_rng(seed)
    gray, small_size, size = image.ndim == 2, view(model), image.shape[:2]
    pixels = image[..., None] if gray else image  # (h, w, c) throughout, squeezed again at the end
    sizes = octave_sizes(size, n_octaves, ratio, small_size)
    dream, snapshots, losses = resize(pixels, sizes[0]), [], []
    for i, s in enumerate(sizes):
        if i:
            lost = resize(pixels, s) - resize(resize(pixels, sizes[i - 1]), s)
            dream = resize(dream, s) + lost
        for _ in range(steps):
            x = to_input(dream, pixel_mean, pixel_std)
            g, row = np.zeros_like(x), [np.nan, np.nan]
            if tiles:
                gt, row[0] = tiled_gradient(grad, x, rng, small_size)
                g += _unit(gt)
            if whole:
                gw, lw = grad(resize(x, small_size)[None])
                g += _unit(resize(np.asarray(gw)[0], s))
                row[1] = float(lw[0])
            dream = np.clip(dream + step_size * _unit(g), 0.0, 255.0)
            losses.append(row)
        snapshots.append(resize(dream, size))
        log.info("octave %d/%d at %s: tile loss %.4f, whole loss %.4f", i + 1, len(sizes), px(s), *losses[-1])
    squeeze = (lambda a: a[..., 0]) if gray else (lambda a: a)
    return {
        "dream": squeeze(dream).astype(np.float32),
        "octave_images": squeeze(np.stack(snapshots)).astype(np.float32),
        "sizes": np.asarray(sizes),
        "losses": np.asarray(losses, np.float32).reshape(len(sizes), steps, 2),
    }
