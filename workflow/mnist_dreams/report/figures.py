"""Figures: shared drawing helpers and the CNN's training curve.

Each figure function takes plain arrays, writes one PNG atomically and returns its path. Figures
of a step live in that step's module (``oip_figures``, ``dream_figures``, ``cluster_figures``), so a
change to one step's drawing reruns only that step's figure job.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..plumbing.store import atomic_path  # noqa: E402


def save(fig, path, dpi=110):
    """``fig`` as a PNG at ``path`` (atomically), or into ``path`` if it is a file object (a sheet's panel)."""
    if hasattr(path, "write"):
        fig.savefig(path, dpi=dpi, bbox_inches="tight", format="png")
    else:
        with atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def training_curve(history, path):
    """Loss and accuracy per epoch, train vs test, with the final test accuracy in the title."""
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.8))
    for split, style in (("train", "-o"), ("test", "--s")):
        ax_loss.plot(epochs, history[f"{split}_loss"], style, label=split)
        ax_acc.plot(epochs, 100 * np.asarray(history[f"{split}_accuracy"]), style, label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    final = 100 * history["test_accuracy"][-1]
    wall = history["wall_time"][-1]
    ax_acc.set(xlabel="epoch", ylabel="accuracy [%]", title=f"test accuracy {final:.2f} % ({wall:.0f} s)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle("The seed's CNN on standardized MNIST")
    return save(fig, path)


def pattern(ax, image, title, cmap="viridis"):
    """One input image: a single channel in ``cmap``, three as RGB stretched to [0, 1] (own scale each)."""
    image = np.asarray(image, np.float32)
    if image.ndim == 3 and image.shape[-1] == 3:
        lo, hi = image.min(), image.max()
        ax.imshow((image - lo) / max(hi - lo, 1e-12))
    else:
        # (h, w, 1) or (h, w) as they are; a flat 784-vector (MNIST features) as 28×28
        ax.imshow(image.reshape(28, 28) if image.ndim == 1 else image.reshape(image.shape[:2]), cmap=cmap)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def picture(ax, image, title):
    """A photo in pixel units (0–255): gray (h, w) or RGB (h, w, 3), on the same fixed scale."""
    image = np.asarray(image, np.float32)
    if image.ndim == 3:
        ax.imshow(np.clip(image / 255.0, 0.0, 1.0))
    else:
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
