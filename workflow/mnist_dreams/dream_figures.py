"""Figures of the dreams: the seed's row per map, the gallery of all maps, and the DeepDream."""

from __future__ import annotations

import numpy as np

from .figures import gray, plt, save


def dream_row(map_index, result, path, layer="conv3"):
    """The seed's row: pattern (viridis), pattern (gray), blurry dream, detail-restored, contrast."""
    before, after = result["losses"][0, 0], result["losses"][-1, 1]
    fig, axes = plt.subplots(1, 6, figsize=(16, 3.2))
    gray(axes[0], result["original"], "input")
    axes[1].imshow(result["patterns"][-1], cmap="viridis")
    axes[1].set_title("28×28 pattern (viridis)", fontsize=8)
    axes[1].set_axis_off()
    axes[2].imshow(result["patterns"][-1], cmap="gray")
    axes[2].set_title("28×28 pattern (gray)", fontsize=8)
    axes[2].set_axis_off()
    gray(axes[3], np.clip(result["blurry"][-1], 0, 255), "blurry dream (upscaled)")
    gray(axes[4], np.clip(result["detailed"][-1], 0, 255), "detail re-added")
    gray(axes[5], result["final"], "contrast widened")
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
        gray(ax, image, f"map {m} (loss {loss:.3g})")
    fig.suptitle(f"Single-map dreams of {layer}", fontsize=11)
    return save(fig, path)


def deepdream(result, title, path):
    """Input, DeepDream, its contrast-widened version (``final``), and the dream after every octave."""
    n = len(result["octave_images"])
    fig = plt.figure(figsize=(3 * max(3, n), 6.4))
    grid = fig.add_gridspec(2, max(3, n))
    views = ((result["original"], "input"), (result["dream"], "DeepDream"), (result["final"], "contrast widened"))
    for i, (img, label) in enumerate(views):
        gray(fig.add_subplot(grid[0, i]), img, label)
    for i, (img, s) in enumerate(zip(result["octave_images"], result["sizes"], strict=True)):
        gray(fig.add_subplot(grid[1, i]), img, f"after octave {i + 1} ({s} px)")
    fig.suptitle(title, fontsize=10)
    return save(fig, path)
