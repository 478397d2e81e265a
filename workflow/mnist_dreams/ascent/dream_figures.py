"""Figures of the dreams: the seed's row per map, the gallery of all maps, and the DeepDream."""

from __future__ import annotations

import numpy as np

from ..report.figures import pattern, picture, plt, save
from ..subject.photo import px


def dream_row(map_index, result, path, layer="conv3"):
    """The seed's row: pattern (viridis), pattern (gray), blurry dream, detail-restored, contrast;
    ``result`` is a dream file's map as ``dream_file.finished`` completes it (the last iteration's images)."""
    before, after = result["losses"][0, 0], result["losses"][-1, 1]
    fig, axes = plt.subplots(1, 6, figsize=(16, 3.2))
    picture(axes[0], result["original"], "input")
    last = result["patterns"][-1]
    size = "×".join(str(n) for n in last.shape[:2])  # the model's view, e.g. 28×28
    if last.ndim == 3:  # an RGB model's view: its colours (stretched), and their mean in gray
        pattern(axes[1], last, f"{size} pattern (RGB, stretched)")
        last = last.mean(axis=-1)
    else:
        pattern(axes[1], last, f"{size} pattern (viridis)")
    pattern(axes[2], last, f"{size} pattern (gray)", cmap="gray")
    picture(axes[3], np.clip(result["blurry"], 0, 255), "blurry dream (upscaled)")
    picture(axes[4], np.clip(result["detailed"], 0, 255), "detail re-added")
    picture(axes[5], result["final"], "contrast widened")
    state = "silent on this image: nothing to carve" if max(before, after) <= 0 else f"loss {before:.3g} → {after:.3g}"
    fig.suptitle(f"{layer} map {map_index} dreams: {state}", fontsize=10)
    return save(fig, path)


def dream_gallery(finals, path, layer="conv3"):
    """Every computed single-map dream in one sheet."""
    maps = sorted(finals)
    cols = min(5, len(maps))
    rows = -(-len(maps) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, m in zip(axes.ravel(), maps, strict=False):
        image, loss = finals[m]
        picture(ax, image, f"map {m} (loss {loss:.3g})")
    fig.suptitle(f"Single-map dreams of {layer}", fontsize=11)
    return save(fig, path)


def deepdream(result, title, path):
    """Input, DeepDream, its contrast-widened version (``final``), and the dream after every octave."""
    n = len(result["octave_images"])
    fig = plt.figure(figsize=(3 * max(3, n), 6.4))
    grid = fig.add_gridspec(2, max(3, n))
    views = ((result["original"], "input"), (result["dream"], "DeepDream"), (result["final"], "contrast widened"))
    for i, (img, label) in enumerate(views):
        picture(fig.add_subplot(grid[0, i]), img, label)
    for i, (img, s) in enumerate(zip(result["octave_images"], result["sizes"], strict=True)):
        picture(fig.add_subplot(grid[1, i]), img, f"after octave {i + 1} ({px(s)})")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)
