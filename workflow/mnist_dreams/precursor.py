"""Precursor screening (seed, article X): which smooth large-scale pattern wakes a map up?

All N^(g·g) grids of g×g cells with values from ``values`` (seed: 3×3 cells × {0.2, 0.5, 0.8}
→ 3⁹ = 19683) are upscaled bicubically to 28×28 and standardized like MNIST pixels. Each gets
``test_epochs`` ascent epochs on one map; the ``top_k`` highest losses go on to the full OIP.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time

import numpy as np
from PIL import Image

from .progress import Progress

log = logging.getLogger(__name__)


def upscale_basis(grid, size=28):
    """(size², grid²) matrix B with ``resize(cells) == B @ cells`` for Pillow's bicubic.

    Bicubic interpolation is linear in the cell values, so resizing the grid² unit images once
    replaces resizing all N^(grid²) patterns one by one (checked against Pillow in the tests).
    """
    basis = np.empty((size * size, grid * grid), np.float64)
    for j in range(grid * grid):
        unit = np.zeros(grid * grid, np.float32)
        unit[j] = 1.0
        img = Image.fromarray(unit.reshape(grid, grid), mode="F").resize((size, size), Image.Resampling.BICUBIC)
        basis[:, j] = np.asarray(img, np.float64).ravel()
    return basis


def grid_cells(values, grid):
    """Every assignment of ``values`` to the grid×grid cells: (N^(grid²), grid²), row-major order."""
    return np.array(list(itertools.product(values, repeat=grid * grid)), np.float64)


STANDARDIZATIONS = ("mnist", "per_image")


def grid_patterns(values, grid, pixel_mean, pixel_std, size=28, standardize="mnist"):
    """All precursor start images, standardized for the CNN: float32 (N, size, size, 1).

    Cell values are fractions of full white (0.2 → 51 of 255). The seed standardizes "the resulting
    distribution of pixel values", which reads two ways: ``"mnist"`` applies the CNN's own training
    constants (a bright grid stays bright), ``"per_image"`` gives every image mean 0 and std 1 (only
    its shape counts; a constant grid has no shape and becomes all zeros).
    """
    cells = grid_cells(values, grid)
    images = cells @ upscale_basis(grid, size).T * 255.0
    if standardize == "mnist":
        images = (images - pixel_mean) / pixel_std
    elif standardize == "per_image":
        centered = images - images.mean(axis=1, keepdims=True)
        shaped = np.ptp(cells, axis=1) > 0  # judged on the cells: resizing leaves float noise on a constant
        std = np.where(shaped, centered.std(axis=1), 1.0)[:, None]
        images = np.where(shaped[:, None], centered / std, 0.0)
    else:
        raise ValueError(f"precursor.standardize must be one of {STANDARDIZATIONS}, got {standardize!r}")
    return images.astype(np.float32).reshape(-1, size, size, 1)


@functools.lru_cache(maxsize=16)
def _compiled(model, layer, step_size, epochs):
    from . import backend

    return backend.make_ascent(model, layer, step_size, epochs)


def ascent_factory(model, map_index, step_size, layer="conv3"):
    """``factory(epochs)`` → ``ascend(images) -> (images, losses after those epochs)`` on one map.

    The compiled ascent does not depend on the map (it is an argument), so all maps and repeated
    rungs of one process share one compilation per epoch count.
    """

    def factory(epochs):
        ascend = _compiled(model, layer, float(step_size), int(epochs))

        def run(images):
            out, hist = ascend(images, map_index)
            return out, hist[-1]

        return run

    return factory


def _ascend_in_batches(ascend, starts, batch_size, report=None):
    """Run ``ascend`` over ``starts`` in batches; returns (final images, final losses).

    ``report(images_done, losses_so_far)`` is called after every batch (progress lines).
    """
    images, losses = np.empty_like(starts), np.empty(len(starts), np.float32)
    batch_size = min(batch_size, len(starts))
    for lo in range(0, len(starts), batch_size):
        hi = min(lo + batch_size, len(starts))
        batch = starts[lo:hi]
        if len(batch) < batch_size:  # pad the last batch: one shape, one compiled function
            batch = np.concatenate([batch, np.repeat(batch[-1:], batch_size - len(batch), axis=0)])
        out, loss = ascend(batch)
        images[lo:hi], losses[lo:hi] = out[: hi - lo], loss[: hi - lo]
        if report is not None:
            report(hi, losses[:hi])
    return images, losses


def rung_sizes(n, rungs, top_k, eta):
    """How many patterns each rung ascends: all at the first, then the best 1/eta (at least top_k)."""
    sizes = [n]
    for _ in rungs[1:]:
        sizes.append(min(sizes[-1], max(top_k, int(np.ceil(sizes[-1] / eta)))))
    return sizes


def top(losses, k):
    """Indices of the ``k`` largest losses, ties broken by pattern index (stable, deterministic)."""
    return np.argsort(-np.asarray(losses), kind="stable")[:k]


def screen(ascend_factory, starts, test_epochs, top_k, batch_size=1024, mode="exhaustive", rungs=(), eta=4):
    """Screen ``starts`` and return a dict with every pattern's loss and the top-k selection.

    ``ascend_factory(epochs)`` returns ``ascend(images) -> (images, losses after those epochs)``
    for the job's map. ``mode="halving"`` is successive halving: after each epoch count in
    ``rungs`` (cumulative, ending at ``test_epochs``) only the best 1/``eta`` survive. Samples do
    not interact, so a survivor's loss equals its exhaustive loss; pruning is the only error.
    """
    t0 = time.perf_counter()
    n = len(starts)
    final_loss = np.full(n, np.nan, np.float32)
    epochs_done = np.zeros(n, np.int32)
    if mode == "exhaustive":
        rungs = (test_epochs,)
    elif mode == "halving":
        rungs = tuple(rungs)
        if not rungs or rungs[-1] != test_epochs or list(rungs) != sorted(set(rungs)):
            raise ValueError(
                f"precursor.halving.rungs {list(rungs)} must increase and end at test_epochs={test_epochs}"
            )
    else:
        raise ValueError(f"precursor.mode must be exhaustive or halving, got {mode!r}")
    rung_loss = np.full((len(rungs), n), np.nan, np.float32)  # NaN: pruned before that rung
    sizes = rung_sizes(n, rungs, top_k, eta)
    steps = np.diff([0, *rungs])
    progress = Progress(log, f"screening {n} patterns", int(np.dot(sizes, steps)), "image·epochs")
    alive, images, done, work = np.arange(n), starts, 0, 0
    for i, epochs in enumerate(rungs):

        def report(count, losses, i=i, base=work):
            progress.update(base + count * int(steps[i]), rung=f"{i + 1}/{len(rungs)}", best_loss=float(losses.max()))

        images, losses = _ascend_in_batches(ascend_factory(epochs - done), images, batch_size, report)
        final_loss[alive], epochs_done[alive], done = losses, epochs, epochs
        work += len(alive) * int(steps[i])
        rung_loss[i, alive] = losses
        if i < len(rungs) - 1:
            keep = top(losses, sizes[i + 1])
            keep.sort()
            alive, images = alive[keep], images[keep]
    ranked = top(np.where(epochs_done == test_epochs, final_loss, -np.inf), top_k)
    seconds = time.perf_counter() - t0
    work = int(epochs_done.sum())
    log.info("screened %d patterns, %d image·epochs in %.1f s (%.0f/s)", n, work, seconds, work / seconds)
    return {
        "final_loss": final_loss,
        "epochs_done": epochs_done,
        "rung_loss": rung_loss,
        "rungs": np.asarray(rungs, np.int32),
        "top_indices": ranked.astype(np.int64),
        "top_loss": final_loss[ranked],
        "image_epochs": work,
        "work_fraction": work / (n * test_epochs),
        "seconds": seconds,
    }


def screen_map(model, map_index, starts, params, batch_size):
    """The precursor job's work for one map: ``screen`` with the config's ``precursor`` params.

    Returns (datasets, attrs) of ``results/precursor/map_NNN.h5``; ``starts`` from ``grid_patterns``.
    """
    result = screen(
        ascent_factory(model, map_index, params["step_size"]),
        starts,
        test_epochs=params["test_epochs"],
        top_k=params["top_k"],
        batch_size=batch_size,
        mode=params["mode"],
        **params.get("halving", {}),
    )
    result["start_images"] = starts[result["top_indices"]]
    attrs = {k: result.pop(k) for k in ("image_epochs", "work_fraction", "seconds")}
    attrs.update(map=map_index, params=params, batch_size=batch_size)
    return result, attrs


def screen_maps(model, maps, starts, test_epochs, top_k, step_size, batch_size=4096, layer="conv3"):
    """Exhaustive screening of several maps in one stream of batches; {map: screen-like dict}.

    Each sample carries its own map index, so one compiled call serves (map, pattern) pairs of
    many maps: on a GPU that fills big batches, where per-map jobs would pay start-up per map.
    """
    ascend = _compiled(model, layer, float(step_size), int(test_epochs))
    maps, n = np.asarray(list(maps), np.int32), len(starts)
    losses = np.empty((len(maps), n), np.float32)
    t0 = time.perf_counter()
    pairs = np.arange(len(maps) * n)
    for lo in range(0, len(pairs), batch_size):
        idx = pairs[lo : lo + batch_size]
        idx = np.concatenate([idx, np.repeat(idx[-1:], batch_size - len(idx))])  # one shape
        _, hist = ascend(starts[idx % n], maps[idx // n])
        losses[idx // n, idx % n] = hist[-1]
    seconds = time.perf_counter() - t0
    log.info("screened %d maps × %d patterns in %.1f s", len(maps), n, seconds)
    out = {}
    for i, m in enumerate(maps.tolist()):
        ranked = top(losses[i], top_k)
        out[m] = {"final_loss": losses[i], "top_indices": ranked.astype(np.int64), "top_loss": losses[i][ranked]}
        out[m].update(image_epochs=n * test_epochs, work_fraction=1.0, seconds=seconds / len(maps))
    return out
