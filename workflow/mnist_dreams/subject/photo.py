"""Images in pixels for a model: read by Pillow in its channels, cropped to its input's aspect,
resized, and scaled into its input (``to_input``) — the dreams' photo and ``model.data``'s files.

A photo is a float array in pixel units (0–255): (height, width) for a gray model, (height, width,
3) for an RGB one, so that an RGB model dreams in colour and the seed's gray CNN in gray. Resizing
is Pillow's bicubic on float planes, one per channel, without clipping (dreams overshoot 0–255
between steps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

MNIST = 28


class DreamError(ValueError):
    """The dream's input image is missing, unreadable or unusable."""


def hw(size):
    """(height, width) of ``size``: a side (square) or a (height, width) pair."""
    if np.ndim(size) == 0:
        return int(size), int(size)
    return int(size[0]), int(size[1])


def px(size):
    """The size for messages and titles: "28 px" for a square, "32×48 px" (width × height) otherwise."""
    h, w = hw(size)
    return f"{h} px" if h == w else f"{w}×{h} px"


def resize(image, size):
    """Bicubic resize of a float image, (h, w) or (h, w, c), to ``size`` (side or (height, width))."""
    h, w = hw(size)
    image = np.asarray(image, np.float32)
    if image.ndim == 3:
        return np.stack([resize(image[..., c], (h, w)) for c in range(image.shape[-1])], axis=-1)
    img = Image.fromarray(image, mode="F")
    return np.asarray(img.resize((w, h), Image.Resampling.BICUBIC), np.float32)


def to_input(pixels, mean, std):
    """Pixels, (h, w), (h, w, c) or (N, h, w, c), as the model's float32 input (channels last):
    x = (pixels − mean) / std, per channel (``model.input``; the seed CNN's standardization)."""
    x = pixels[..., None] if pixels.ndim == 2 else pixels
    return ((x - mean) / std).astype(np.float32)


def to_pixels(x, mean, std, gray):
    """The model's (…, h, w, c) input back in pixel units, (…, h, w) for a gray photo."""
    pixels = x * std + mean
    return pixels[..., 0] if gray else pixels


def _on_white(img):
    """Palette and transparent images composited on white, as a viewer shows them."""
    if img.mode == "P" or "A" in img.getbands() or "transparency" in img.info:
        rgba = img.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    return img


def _to_gray(img, where):
    """Gray float pixels in 0–255 from any Pillow mode (RGBA on white, palette, 16-bit)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        return (arr / top * 255.0).astype(np.float32)
    if img.mode == "F":
        return np.asarray(img, np.float32)
    try:
        return np.asarray(_on_white(img).convert("L"), np.float32)
    except (ValueError, OSError) as err:
        raise DreamError(f"{where}: cannot convert mode {img.mode} to gray ({err})") from err


def _pixels(img, where, channels):
    """(h, w) gray for one channel; (h, w, 3) RGB for three (a gray photo on all three)."""
    if channels == 1 or img.getbands() in (("1",), ("L",), ("I",), ("F",), ("L", "A")):  # gray modes, 16-bit too
        gray = _to_gray(img, where)
        return gray if channels == 1 else np.repeat(gray[..., None], channels, axis=-1)
    try:
        return np.asarray(_on_white(img).convert("RGB"), np.float32)
    except (ValueError, OSError) as err:
        raise DreamError(f"{where}: cannot convert mode {img.mode} to RGB ({err})") from err


def _open(source):
    if source == "flower":
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image("flower.jpg")), "sklearn flower.jpg"
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
    return img, where


def size_for(height, input_shape):
    """(height, width) of the dream photo: ``height`` rows, the model input's aspect."""
    h, w = hw(input_shape[:2])
    return int(height), max(1, int(round(height * w / h)))


def load_image(source, height, input_shape=(MNIST, MNIST, 1)):
    """The dream's input for a model of ``input_shape`` (h, w, channels): gray or RGB as its channels,
    the largest centered region of its aspect, resized to ``height`` rows (``size_for``).

    ``source`` is ``"flower"`` (scikit-learn's sample photo, the default stand-in for the seed's
    roses) or a path to a PNG/JPEG/TIFF file.
    """
    img, where = _open(source)
    pixels = _pixels(img, where, int(input_shape[-1]))
    h, w = size_for(height, input_shape)
    rows, cols = pixels.shape[:2]
    if rows * w > cols * h:  # taller than the aspect: full width, crop rows
        ch, cw = max(1, round(cols * h / w)), cols
    else:
        ch, cw = rows, max(1, round(rows * w / h))
    smallest = hw(input_shape[:2])
    if ch < smallest[0] or cw < smallest[1]:
        raise DreamError(f"dream.image {where}: {cols}×{rows} px is smaller than {px(smallest)}, the model's input")
    top, left = (rows - ch) // 2, (cols - cw) // 2
    return resize(pixels[top : top + ch, left : left + cw], (h, w))


def contrast(image, percentile=1.0):
    """Widen the value distribution: stretch the [p, 100-p] percentile range onto 0–255 (all
    channels together, so that colours keep their balance)."""
    lo, hi = np.percentile(image, [percentile, 100 - percentile])
    return np.clip((image - lo) / max(hi - lo, 1e-6) * 255.0, 0, 255).astype(np.float32)
