"""What a single-map dream file keeps, and what its figures get back from it (issue 41).

A dream file (``results/dreams/map_NNN.h5``, written by ``dream.carve_maps``) keeps the small
per-iteration arrays (``KEPT``: the model's view before and after each ascent, the map's losses)
and the last blurry dream; nothing else photo-sized. The photo (loaded again from its source), the
detail re-added and the contrast-widened image follow from them bit for bit (``finished``): 0.92 MB
a map at the paper's 560 px instead of 11. Light: the figure scripts read dreams through this
module without reaching the ascent's compute modules.
"""

from __future__ import annotations

import numpy as np

from ..subject.photo import contrast, load_image, resize

KEPT = ("starts", "patterns", "losses")  # per iteration; besides them, the last blurry dream


def lost_detail(image, small_size):
    """What the model's view (``small_size``) of ``image`` cannot hold: the image minus its view upscaled."""
    return image - resize(resize(image, small_size), image.shape[:2])


def finished(kept, params, image=None):
    """A dream file's map with what its figures show: ``original`` (the photo, loaded again from
    ``params``' image and size unless given), ``detailed`` (the last blurry dream with the lost detail
    re-added) and ``final`` (its contrast widened) — the arrays ``carve`` made, bit for bit."""
    patterns = kept["patterns"]
    small_size = patterns.shape[1:3]
    if image is None:
        channels = patterns.shape[-1] if patterns.ndim == 4 else 1
        image = load_image(params["image"], params["size"], (*small_size, channels))
    detailed = np.asarray(kept["blurry"] + lost_detail(image, small_size), np.float32)  # as carve's
    final = contrast(detailed, params["contrast_percentile"])
    return {**kept, "original": image, "detailed": detailed, "final": final}
