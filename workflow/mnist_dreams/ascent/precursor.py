"""Precursor screening (seed, article X): which smooth large-scale pattern wakes a map up?

All N^(g·g) grids of g×g cells with values from ``values`` (seed: 3×3 cells × {0.2, 0.5, 0.8}
→ 3⁹ = 19683; ``mnist_dreams.ascent.grids``), upscaled bicubically and standardized like MNIST pixels. Each gets
``test_epochs`` ascent epochs on one map; the ``top_k`` highest losses go on to the full OIP.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import Progress

log = logging.getLogger(__name__)


def rung_sizes(n, rungs, top_k, eta):
    """How many patterns each rung ascends: all at the first, then the best 1/eta (at least top_k)."""
    sizes = [n]
    for _ in rungs[1:]:
        sizes.append(min(sizes[-1], max(top_k, int(np.ceil(sizes[-1] / eta)))))
    return sizes


def check_rungs(mode, rungs, test_epochs):
    """The epoch counts after which a field is cut: (test_epochs,) exhaustive; validated for halving."""
    if mode == "exhaustive":
        return (test_epochs,)
    if mode != "halving":
        raise ValueError(f"precursor.mode must be exhaustive or halving, got {mode!r}")
    rungs = tuple(rungs)
    if not rungs or rungs[-1] != test_epochs or list(rungs) != sorted(set(rungs)):
        raise ValueError(f"precursor.halving.rungs {list(rungs)} must increase and end at test_epochs={test_epochs}")
    return rungs


# Halving's survivors go on from their images when all maps' survivors, with room to select them,
# fit in this many bytes (3⁹ grids: 128 maps × 2461 × 3 KB ≈ 1 GB); otherwise from their starts,
# ascended again from epoch 0 (a 5⁹ grid's eighth of one map is 0.75 GB): the same steps, so the
# same losses and images (tested), for ~13 % more work at rungs [1, 3, 10] and eta 8.
KEEP_BYTES = 1 << 30


def screen(model, maps, starts, test_epochs, top_k, step_size, batch_size=1024, mode="exhaustive", rungs=(), eta=4,
           prune=True, layer="conv3", keep_bytes=KEEP_BYTES):  # fmt: skip
    """Screen ``starts`` for every map of ``maps`` at once; {map: dict of every pattern's loss and the top-k}.

    (map, pattern) pairs of all maps stream through one compiled ascent (``mnist_dreams.ascent.engine.driver``).
    ``mode="halving"`` is successive halving per map: after each epoch count in ``rungs``
    (cumulative, ending at ``test_epochs``) only the best 1/``eta`` of the map's field survive.
    ``prune``: one forward pass finds each map's dead patterns (activation exactly 0: they never
    move); they are recorded with loss 0 after every epoch count instead of ascended, and halving's
    first rung counts the live ones only. Pairs do not interact, so a survivor's loss equals its
    exhaustive loss, and a map's result does not depend on the other maps of the call.
    """
    from .engine import driver

    t0 = time.perf_counter()
    rungs, maps, n = check_rungs(mode, rungs, test_epochs), [int(m) for m in maps], len(starts)
    is_dead = driver.dead(driver.start_losses(model, starts, maps, layer, batch_size)) if prune else None
    out, alive, bases, rows, sizes = {}, {}, {}, {}, {}
    for j, m in enumerate(maps):
        dead = np.zeros(n, bool) if is_dead is None else is_dead[j]
        out[m] = {
            "final_loss": np.where(dead, 0.0, np.nan).astype(np.float32),
            "epochs_done": np.where(dead, test_epochs, 0).astype(np.int32),
            "rung_loss": np.where(dead, 0.0, np.full((len(rungs), n), np.nan)).astype(np.float32),
            "image_epochs": 0,
            "dead": int(dead.sum()),
        }
        alive[m] = rows[m] = np.flatnonzero(~dead)
        bases[m] = starts
        sizes[m] = rung_sizes(len(alive[m]), rungs, top_k, eta) if len(alive[m]) else [0] * len(rungs)
    image_bytes = int(np.prod(starts.shape[1:])) * 4
    # all maps' survivors, plus a map's selection buffer while its rung runs (layer.Best: ≤ 3× its survivors)
    kept = [
        (sum(sizes[m][i + 1] for m in maps) + 3 * max(sizes[m][i + 1] for m in maps)) * image_bytes <= keep_bytes
        for i in range(len(rungs) - 1)
    ]
    start_at = [0] + [rungs[i] if kept[i] else 0 for i in range(len(rungs) - 1)]  # epochs a rung's bases have
    steps = [int(e - s) for e, s in zip(rungs, start_at, strict=True)]
    total = sum(int(np.dot(sizes[m], steps)) for m in maps)
    progress = Progress(log, f"screening {len(maps)} map(s) × {n} patterns", total, "image·epochs")
    work = 0
    for i, epochs in enumerate(rungs):
        last = i == len(rungs) - 1
        pairs = driver.Pairs()
        for m in maps:
            pairs.add(m, bases[m], rows[m])

        def on_map(k, losses, images, i=i, epochs=epochs, last=last, pairs=pairs):
            m = pairs.maps[k]
            idx, result = alive[m], out[m]
            result["final_loss"][idx], result["epochs_done"][idx], result["rung_loss"][i, idx] = losses, epochs, losses
            result["image_epochs"] += len(idx) * steps[i]
            if not last:  # the best 1/eta go on: from where they are (``images``: theirs only) or their starts
                alive[m] = idx[np.sort(driver.top(losses, sizes[m][i + 1]))]
                bases[m], rows[m] = (images, None) if kept[i] else (starts, alive[m])

        def report(count, i=i, base=work):
            progress.update(base + count * steps[i], rung=f"{i + 1}/{len(rungs)}")

        ascend = driver.compiled(model, layer, float(step_size), steps[i])
        keep = [sizes[m][i + 1] for m in pairs.maps] if not last and kept[i] else None
        work += driver.ascend(ascend, pairs, batch_size, keep, on_map=on_map, report=report) * steps[i]
    seconds = time.perf_counter() - t0
    for m in maps:
        result = out[m]
        ranked = driver.top(np.where(result["epochs_done"] == test_epochs, result["final_loss"], -np.inf), top_k)
        result.update(
            rungs=np.asarray(rungs, np.int32),
            top_indices=ranked.astype(np.int64),
            top_loss=result["final_loss"][ranked],
            work_fraction=result["image_epochs"] / (n * test_epochs),
            # the call's time, shared by work (a map with every pattern dead still paid the forward pass)
            seconds=seconds * (result["image_epochs"] + 1) / (work + len(maps)),
        )
    log.info("screened %d map(s), %d image·epochs in %.1f s (%.0f/s)", len(maps), work, seconds, work / seconds)
    return out


def screen_job(model, maps, starts, params, batch_size, prune=True, layer="conv3"):
    """A precursor job's work: ``screen`` with the config's ``precursor`` params.

    Returns {map: (datasets, attrs)} of ``results/precursor/map_NNN.h5``; ``starts`` from ``grid_patterns``.
    """
    results = screen(
        model,
        maps,
        starts,
        params["test_epochs"],
        params["top_k"],
        params["step_size"],
        batch_size=batch_size,
        mode=params["mode"],
        prune=prune,
        layer=layer,
        **params.get("halving", {}),
    )
    out = {}
    for m, result in results.items():
        result["start_images"] = starts[result["top_indices"]]
        attrs = {k: result.pop(k) for k in ("image_epochs", "work_fraction", "seconds", "dead")}
        attrs.update(map=m, layer=layer, params=params, batch_size=batch_size, prune=prune, maps_in_job=len(results))
        out[m] = (result, attrs)
    return out


def stage(model, maps, params, oip_params, batch_size, seed, pixel_mean, pixel_std, layer="conv3"):
    """The precursor stage of ``maps``: screen the grid of ``params["values"]`` (at the model's input
    size, gray on every channel), then each map's full OIP from its top k (``oip_params``).

    Returns (screened, oips): {map: (datasets, attrs)} of the precursor files and of the OIP files.
    Used by a two-stage run's missed maps (rule oip_precursor) and the 5-value rescue.
    """
    from . import grids, oip

    h, w, c = model.inputs[0].shape[1:]
    grid = grids.Grid(params["values"], params["grid"], pixel_mean, pixel_std, (h, w), params["standardize"], c)
    log.info("precursor stage: %d map(s) × %d starts (%s per cell)", len(maps), len(grid), params["values"])
    screened = screen_job(model, maps, grid, params, batch_size, layer=layer)
    return screened, oip.run_maps(model, maps, oip_params, seed, pixel_mean, pixel_std, screened, layer)
