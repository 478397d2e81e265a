"""Dataset examples: the test images that excite each map of a layer most, and least.

Read beside a map's OIP, natural examples tell what the map responds to at least as well as the
synthetic pattern (Borowski et al. 2021; OpenAI Microscope shows both). An image's activation of a
map is the OIP's own objective: the mean over positions of the map's post-ReLU output, so the best
test image's activation and an OIP's loss are the same quantity (``ratio`` in the layer summary).

One batched forward pass over the test images gives, per map, what the layer summary needs too:
the largest activation anywhere (``fires_on_test``), the mean, and the k images with the highest
and the lowest activation (ties by image order; with ReLU many images sit at exactly 0).
"""

from __future__ import annotations

import numpy as np

TOP = 9  # the examples per map and side: a 3×3 sheet, as Microscope and Olah et al. show
THUMB = 64  # examples larger than this are stored shrunk to fit it (the file stays small for 224² models)


def activations(model, x, layer="conv3", batch_size=1000):
    """Per map: (largest activation over images and positions, mean over both, (N, maps) per-image mean).

    ``x``: the model's input (already scaled). Batched, so a large test set never holds the whole
    layer output in memory.
    """
    from ..plumbing import backend

    feature = backend.feature_model(model, layer)
    peak, total, per_image = None, 0.0, []
    for start in range(0, len(x), batch_size):
        act = np.asarray(feature.predict(x[start : start + batch_size], batch_size=batch_size, verbose=0))
        batch_peak = act.max(axis=(0, 1, 2))
        peak = batch_peak if peak is None else np.maximum(peak, batch_peak)
        total = total + act.sum(axis=(0, 1, 2), dtype=np.float64)
        per_image.append(act.mean(axis=(1, 2)))
    per_image = np.concatenate(per_image)
    positions = len(x) * int(np.prod(act.shape[1:3]))
    return peak, (total / positions).astype(np.float32), per_image


def extremes(per_image, k=TOP):
    """Per map, the indices of the ``k`` images with the highest and with the lowest activation:
    two (maps, k) arrays, highest first / lowest first, ties broken by image order."""
    per_image = np.asarray(per_image)
    k = min(k, len(per_image))
    top = np.argsort(-per_image, axis=0, kind="stable")[:k].T
    bottom = np.argsort(per_image, axis=0, kind="stable")[:k].T
    return top, bottom


def thumbnails(images, size=THUMB):
    """``images`` (n, h, w, c) in 0–255 as uint8, shrunk (Pillow, bicubic) to fit ``size`` when larger."""
    images = np.clip(np.rint(np.asarray(images, np.float32)), 0, 255).astype(np.uint8)
    h, w = images.shape[1:3]
    if max(h, w) <= size:
        return images
    from PIL import Image

    scale = size / max(h, w)
    shape = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = [np.asarray(Image.fromarray(im.squeeze(-1) if im.shape[-1] == 1 else im).resize(shape, Image.BICUBIC))
             for im in images]  # fmt: skip
    return np.stack(small).reshape(len(images), shape[1], shape[0], images.shape[-1])


def sheet(pixels, per_image, labels=None, k=TOP):
    """The datasets of ``examples.h5``: per map its ``k`` most and least exciting test images
    (``{side}_index``, ``{side}_activation``, ``{side}_label`` (-1: unknown), ``{side}_images``)."""
    per_image = np.asarray(per_image, np.float32)
    labels = np.full(len(per_image), -1) if labels is None else np.asarray(labels)
    out = {}
    for side, index in zip(("top", "bottom"), extremes(per_image, k), strict=True):
        out[f"{side}_index"] = index.astype(np.int32)
        out[f"{side}_activation"] = np.take_along_axis(per_image.T, index, axis=1)
        out[f"{side}_label"] = labels[index].astype(np.int16)
        thumbs = thumbnails(pixels[index.ravel()])
        out[f"{side}_images"] = thumbs.reshape(*index.shape, *thumbs.shape[1:])
    return out
