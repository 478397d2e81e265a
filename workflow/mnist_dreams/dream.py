"""Dreams (seed, "Deep Dreams of a CNN trained on MNIST data – I"): carving a map's pattern into
a photo at the CNN's 28×28 resolution, and the multi-scale DeepDream the seed only sketches.

Images are gray float arrays in pixel units (0–255); the CNN sees them standardized with its own
training constants, as MNIST was.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from . import backend

log = logging.getLogger(__name__)

MNIST = 28
PAD = 8  # single-map dreams ascend in batches of a multiple of PAD (see carve)


class DreamError(ValueError):
    """The dream's input image is missing, unreadable or unusable."""


def resize(image, size):
    """Bicubic resize of a float image to ``size``×``size`` (Pillow, no clipping)."""
    img = Image.fromarray(np.asarray(image, np.float32), mode="F")
    return np.asarray(img.resize((size, size), Image.Resampling.BICUBIC), np.float32)


def _to_gray(img, where):
    """Gray float pixels in 0–255 from any Pillow mode (RGBA on white, palette, 16-bit)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        return (arr / top * 255.0).astype(np.float32)
    if img.mode == "F":
        return np.asarray(img, np.float32)
    if img.mode == "P" or "A" in img.getbands() or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    try:
        return np.asarray(img.convert("L"), np.float32)
    except (ValueError, OSError) as err:
        raise DreamError(f"{where}: cannot convert mode {img.mode} to gray ({err})") from err


def load_image(source, size):
    """The dream's input: gray, center-cropped to a square, resized to ``size``×``size``.

    ``source`` is ``"flower"`` (scikit-learn's sample photo, the default stand-in for the seed's
    roses) or a path to a PNG/JPEG/TIFF file.
    """
    if source == "flower":
        from sklearn.datasets import load_sample_image

        img, where = Image.fromarray(load_sample_image("flower.jpg")), "sklearn flower.jpg"
    else:
        where = str(source)
        if not Path(source).is_file():
            raise DreamError(f"dream.image {where}: no such file")
        try:
            img = Image.open(source)
            img.load()
        except UnidentifiedImageError as err:
            raise DreamError(f"dream.image {where}: not an image Pillow can read") from err
        except OSError as err:
            raise DreamError(f"dream.image {where}: unreadable ({err})") from err
    gray = _to_gray(img, where)
    side = min(gray.shape)
    if side < MNIST:
        raise DreamError(f"dream.image {where}: {gray.shape[1]}×{gray.shape[0]} px is smaller than {MNIST} px")
    top, left = (gray.shape[0] - side) // 2, (gray.shape[1] - side) // 2
    return resize(gray[top : top + side, left : left + side], size)


def contrast(image, percentile=1.0):
    """Widen the value distribution: stretch the [p, 100-p] percentile range onto 0–255."""
    lo, hi = np.percentile(image, [percentile, 100 - percentile])
    return np.clip((image - lo) / max(hi - lo, 1e-6) * 255.0, 0, 255).astype(np.float32)


def carve(model, maps, image, iterations, epochs, step_size, pixel_mean, pixel_std, percentile=1.0, layer="conv3"):
    """The seed's single-map dream, for every map of ``maps`` at once: ascend at 28×28, upscale,
    re-add lost detail, repeat. Each iteration ascends all maps' images in one batch (one compiled
    ascent, a map index per image), padded to a multiple of ``PAD`` so that a map's dream does not
    depend on how many maps share its job (batch size 1 takes other float32 kernels).

    Returns {map: dict of arrays}: per-iteration ``patterns`` (standardized 28×28 after ascent),
    ``starts`` (standardized 28×28 before), ``blurry`` (upscaled dream), ``detailed`` (with the
    detail re-added), ``losses`` (iterations × 2: map loss before/after), and ``final``
    (contrast-adjusted last detailed image).
    """
    from . import layer as engine

    maps = [int(m) for m in maps]
    size = image.shape[0]
    detail = image - resize(resize(image, MNIST), size)  # what the 28×28 view cannot hold
    small = {m: resize(image, MNIST) for m in maps}
    ascend = engine.compiled(model, layer, float(step_size), int(epochs))
    batch = -(-len(maps) // PAD) * PAD
    index = np.resize(np.asarray(maps, np.int32), batch)  # padding repeats maps: rows are independent
    out = {m: {k: [] for k in ("starts", "patterns", "blurry", "detailed", "losses")} for m in maps}
    for _ in range(iterations):
        x = np.stack([(small[m] - pixel_mean) / pixel_std for m in maps])[..., None].astype(np.float32)
        patterns, hist = ascend(np.resize(x, (batch, *x.shape[1:])), index)
        for row, m in enumerate(maps):
            pattern = patterns[row, :, :, 0]
            blurry = resize(pattern * pixel_std + pixel_mean, size)
            detailed = blurry + detail
            small[m] = resize(detailed, MNIST)
            values = (x[row, :, :, 0], pattern, blurry, detailed, hist[[0, -1], row])
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

    Returns {map: (datasets, attrs)} of ``results/dreams/map_NNN.h5``.
    """
    p = params
    results = carve(model, maps, image, p["iterations"], p["epochs"], p["step_size"], pixel_mean, pixel_std,
                    p["contrast_percentile"], layer)  # fmt: skip
    out = {}
    for m, result in results.items():
        result["original"] = image
        attrs = {"map": m, "layer": layer, "params": p, "pixel_mean": pixel_mean, "pixel_std": pixel_std}
        attrs["pearson_detailed_vs_original"] = pearson(result["detailed"][-1], image)
        out[m] = (result, attrs)
    return out


def pearson(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


def octave_sizes(size, octaves, ratio):
    """Image sizes of the octaves, smallest first, never below the CNN's 28 px."""
    return sorted({max(MNIST, int(round(size / ratio**k))) for k in range(octaves)})


def tiled_gradient(grad, x, rng, tile=MNIST):
    """Gradient of a whole standardized image, assembled from 28×28 tiles.

    The tile grid is shifted by a random offset each call (roll, then roll back) so that tile
    seams land somewhere else every step and do not imprint on the dream.
    """
    h = x.shape[0]
    shift = tuple(int(v) for v in rng.integers(0, tile, 2))
    n = -(-h // tile)
    rolled = np.pad(np.roll(x, shift, axis=(0, 1)), ((0, n * tile - h), (0, n * tile - h)), mode="reflect")
    tiles = rolled.reshape(n, tile, n, tile).transpose(0, 2, 1, 3).reshape(-1, tile, tile, 1)
    g, loss = grad(tiles)
    g = g.reshape(n, n, tile, tile).transpose(0, 2, 1, 3).reshape(n * tile, n * tile)[:h, :h]
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

    At every scale each step combines the gradient of the 28×28 tiles (close look) and of the
    whole image downscaled to 28×28 (myopic look), each RMS-normalized; ``step_size`` is the RMS
    change in gray levels per step. Returns the dream, per-octave snapshots at full size, the
    sizes and the tile/whole losses per step.
    """
    if not (tiles or whole):
        raise ValueError("deepdream: at least one of tiles / whole must be on")
    grad = backend.make_layer_gradient(model, layer_weights)
    rng = np.random.default_rng(seed)
    size = image.shape[0]
    sizes = octave_sizes(size, n_octaves, ratio)
    dream, snapshots, losses = resize(image, sizes[0]), [], []
    for i, s in enumerate(sizes):
        if i:
            lost = resize(image, s) - resize(resize(image, sizes[i - 1]), s)
            dream = resize(dream, s) + lost
        for _ in range(steps):
            x = (dream - pixel_mean) / pixel_std
            g, row = np.zeros_like(x), [np.nan, np.nan]
            if tiles:
                gt, row[0] = tiled_gradient(grad, x, rng)
                g += _unit(gt)
            if whole:
                gw, lw = grad(resize(x, MNIST)[None, :, :, None])
                g += _unit(resize(gw[0, :, :, 0], s))
                row[1] = float(lw[0])
            dream = np.clip(dream + step_size * _unit(g), 0.0, 255.0)
            losses.append(row)
        snapshots.append(resize(dream, size))
        log.info("octave %d/%d at %d px: tile loss %.4f, whole loss %.4f", i + 1, len(sizes), s, *losses[-1])
    return {
        "dream": dream.astype(np.float32),
        "octave_images": np.stack(snapshots).astype(np.float32),
        "sizes": np.asarray(sizes),
        "losses": np.asarray(losses, np.float32).reshape(len(sizes), steps, 2),
    }
