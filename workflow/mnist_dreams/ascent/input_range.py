"""In range: the values a model's input can take, and how far an OIP stays inside them.

An input image is pixels 0–255 mapped through the model's scaling (``photo.to_input``: the seed
CNN's standardization, a user model's raw/unit/symmetric), so its range per channel is
[to_input(0), to_input(255)]. The seed's ascent is unbounded: its normalized steps carry pixels far
outside that range, and "the OIP beats the best test image" then says little (issue 39). Two
numbers per candidate say how much of the pattern a real image could carry:

- ``in_range_loss``: the map loss of the candidate clipped to the range (what an image could show);
- ``in_range_share``: the share of its values inside the range.

``oip.bound: clip`` keeps the ascent itself inside the range (``engine.step``: every update
clipped), so both numbers are the plain ones.
"""

from __future__ import annotations

import numpy as np

PIXELS = (0.0, 255.0)


def bounds(pixel_mean, pixel_std, channels):
    """(low, high), each (channels,) float32: 0 and 255 through the model's scaling."""
    mean = np.broadcast_to(np.asarray(pixel_mean, np.float64), (channels,))
    std = np.broadcast_to(np.asarray(pixel_std, np.float64), (channels,))
    ends = [(np.full(channels, p) - mean) / std for p in PIXELS]
    return np.minimum(*ends).astype(np.float32), np.maximum(*ends).astype(np.float32)


def clip(images, low, high):
    """``images`` (B, h, w, c) clipped into [low, high] per channel."""
    return np.clip(np.asarray(images, np.float32), low, high)


def share(images, low, high):
    """Per image, the share of its values inside [low, high]."""
    x = np.asarray(images, np.float32)
    inside = (x >= low) & (x <= high)
    return inside.reshape(len(x), -1).mean(axis=1).astype(np.float32)


def numbers(model, layer, images, maps, low, high):
    """``in_range_loss`` and ``in_range_share`` of every image (``maps``: its map), one forward pass."""
    from ..plumbing import backend

    return {
        "in_range_loss": np.asarray(backend.map_losses(model, layer, clip(images, low, high), maps), np.float32),
        "in_range_share": share(images, low, high),
    }
