"""OIP, the seed's "optimal input pattern": gradient ascent on a 28×28 input to maximize the mean
activation of one map of the third conv layer (articles VIII–XI of the seed's CNN series).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .precursor import upscale_basis
from .progress import Progress

CHUNK_EPOCHS = 100  # epochs per compiled call of the full OIP (a progress line can follow each)

log = logging.getLogger(__name__)


def random_starts(count, pixel_mean, pixel_std, seed, cells=(2, 4, 7, 14), weights=(1.0, 0.5, 0.25, 0.125)):
    """The author's plain start images: random fluctuations superposed on several length scales.

    For each scale a grid of ``cells``×``cells`` uniform random values is upscaled bicubically to
    28×28 and weighted; the sum is stretched to [0, 1] per image and standardized like MNIST.
    """
    if len(cells) != len(weights):
        raise ValueError(f"oip.random: {len(cells)} cells but {len(weights)} weights")
    rng = np.random.default_rng(seed)
    img = np.zeros((count, 28 * 28))
    for n, w in zip(cells, weights, strict=True):
        img += w * rng.uniform(0.0, 1.0, (count, n * n)) @ upscale_basis(n).T
    lo, hi = img.min(axis=1, keepdims=True), img.max(axis=1, keepdims=True)
    img = (img - lo) / np.maximum(hi - lo, 1e-12) * 255.0
    return ((img - pixel_mean) / pixel_std).astype(np.float32).reshape(count, 28, 28, 1)


def optimize(model, map_index, starts, epochs, step_size, layer="conv3", jitter=0, l2=0.0, tv=0.0, seed=0):
    """Full OIP run of ``starts`` on one map.

    Returns images, ``loss_history`` (k, epochs) with column *e* = the map loss after *e* + 1
    epochs, ``start_loss`` and ``final_loss`` (= the last column: the stored images' loss).
    ``jitter`` > 0 rolls each image by up to that many pixels before every step (and back after),
    which needs one compiled step per epoch instead of one compiled loop.
    """
    from . import backend  # here, not at the top: readers of stored OIPs need no Keras

    t0 = time.perf_counter()
    starts = np.asarray(starts, np.float32)
    progress = Progress(log, f"map {map_index}: OIP of {len(starts)} candidates", epochs, "epochs")
    if jitter:
        images, rows = starts, []
        step = backend.make_ascent(model, layer, step_size, 1, l2=l2, tv=tv)
        rng = np.random.default_rng(seed)
        for epoch in range(epochs):
            shift = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, 2))
            images, hist = step(np.roll(images, shift, axis=(1, 2)), map_index)
            images = np.roll(images, (-shift[0], -shift[1]), axis=(1, 2))
            rows.append(hist[-1])
            progress.update(epoch + 1, best_loss=float(hist[-1].max()))
        # Rolled and unrolled images differ in which pixels wrap around: recompute the last loss.
        rows[-1] = backend.map_losses(model, layer, images, map_index)
        history = np.stack(rows, axis=1)
        start_loss = backend.map_losses(model, layer, starts, map_index)
    else:
        # Chunks of the compiled epoch loop, so that a long run can report progress between them;
        # chaining chunks computes exactly the steps of one long loop (tested bit for bit).
        images, rows, ascents = starts, [], {}
        for done in range(0, epochs, CHUNK_EPOCHS):
            n = min(CHUNK_EPOCHS, epochs - done)
            if n not in ascents:
                ascents[n] = backend.make_ascent(model, layer, step_size, n, l2=l2, tv=tv)
            images, hist = ascents[n](images, map_index)
            rows.append(hist if not rows else hist[1:])
            progress.update(done + n, best_loss=float(hist[-1].max()))
        hist = np.concatenate(rows)
        history, start_loss = hist[1:].T, hist[0]
    seconds = time.perf_counter() - t0
    log.info(
        "map %d: %d candidates × %d epochs in %.1f s, best loss %.4f",
        map_index,
        len(starts),
        epochs,
        seconds,
        history[:, -1].max(),
    )
    return {
        "images": images,
        "start_images": starts,
        "loss_history": history.astype(np.float32),
        "start_loss": np.asarray(start_loss, np.float32),
        "final_loss": history[:, -1].astype(np.float32),
        "found": bool(history[:, -1].max() > 0),
        "seconds": seconds,
    }


def run_map(model, map_index, params, seed, pixel_mean, pixel_std, screened=None):
    """The OIP job's work for one map: ``optimize`` from the precursor's top-k or from random starts.

    ``params`` is the config's ``oip`` section with ``start`` the job's own ("precursor" or
    "random"); ``screened`` the precursor file's (datasets, attrs) when starting from precursors.
    Returns (datasets, attrs) of ``results/oip/map_NNN[.stage].h5``.
    """
    p, extra = params, {}
    if p["start"] == "precursor":
        data, s_attrs = screened
        starts, origin = data["start_images"], data["top_indices"]
        extra = {"precursor_seconds": s_attrs["seconds"], "precursor_image_epochs": s_attrs["image_epochs"]}
    else:
        r = p["random"]
        starts = random_starts(r["count"], pixel_mean, pixel_std, seed * 1000 + map_index, r["cells"], r["weights"])
        origin = list(range(r["count"]))
    result = optimize(
        model,
        map_index,
        starts,
        p["epochs"],
        p["step_size"],
        jitter=p["jitter"],
        l2=p["l2"],
        tv=p["tv"],
        seed=seed + map_index,
    )
    result["candidate"] = origin
    # procedure: how the file's OIP was obtained; readers check it against the run's oip.start
    attrs = {"map": map_index, "params": p, "seed": seed, "stage": p["start"], "procedure": p["start"], **extra}
    attrs.update(found=result.pop("found"), seconds=result.pop("seconds"))
    return result, attrs


STAGES = ("random", "precursor")


def two_stage_choice(stages):
    """The seed's two-stage answer for one map: ``stages`` maps "random" (and, when the random
    search found nothing, "precursor") to stored (datasets, attrs). Returns the chosen result's
    datasets and attrs, marked with ``found_by`` ("random", "precursor" or "none")."""
    if "random" not in stages or set(stages) - set(STAGES):
        raise ValueError(f"two_stage needs the random result (and maybe the precursor one), got {sorted(stages)}")
    random_found = bool(stages["random"][1]["found"])
    chosen = "random" if random_found or "precursor" not in stages else "precursor"
    datasets, attrs = stages[chosen]
    found = bool(attrs["found"])
    keep = {k: v for k, v in attrs.items() if k not in ("versions", "host", "created")}
    keep.update(stage=chosen, found=found, found_by=chosen if found else "none", random_found=random_found)
    keep["procedure"] = "two_stage"
    return dict(datasets), keep


def check_procedure(paths_attrs, start):
    """Stop when an OIP file was made by another procedure than this run's ``oip.start``.

    A layer summary over such files would state a result no run computed (e.g. a two-stage split
    of precursor-started OIPs): the workflow never takes one procedure's file for another's.
    """
    stale = [f"{p} ({a.get('procedure', 'unrecorded')})" for p, a in paths_attrs if a.get("procedure") != start]
    if stale:
        raise ValueError(
            f"oip.start is {start}, but these OIP files were made by another procedure: {', '.join(stale)}; "
            "rerun their OIP jobs (snakemake --forcerun oip) or delete them"
        )


def test_activations(model, x_test, layer="conv3", batch_size=1000):
    """Per map: the largest and mean activation over all test images and positions."""
    from . import backend

    act = backend.feature_model(model, layer).predict(x_test, batch_size=batch_size, verbose=0)
    return act.max(axis=(0, 1, 2)), act.mean(axis=(0, 1, 2))


def layer_table(results, max_act, mean_act, attrs=None):
    """One row per map of the layer: fires on test data?, and for computed maps found / best loss.

    ``results``: map index → stored OIP arrays; ``attrs``: map index → their attrs (for ``stage``
    and ``found_by`` of a two-stage run). A map "fires" when some test image activates it somewhere
    (max > 0); it is "found" when an OIP candidate ends with loss > 0.
    """
    import pandas as pd

    attrs = attrs or {}
    rows = []
    for m in range(len(max_act)):
        r, a = results.get(m), attrs.get(m, {})
        final = None if r is None else np.asarray(r["final_loss"])
        found = None if r is None else bool(final.max() > 0)
        stage = a.get("stage", "")
        rows.append(
            {
                "map": m,
                "fires_on_test": bool(max_act[m] > 0),
                "max_test_activation": float(max_act[m]),
                "mean_test_activation": float(mean_act[m]),
                "computed": r is not None,
                "found": found,
                "best_loss": np.nan if r is None else float(final.max()),
                "candidates_found": 0 if r is None else int((final > 0).sum()),
                "stage": stage,
                "found_by": "" if r is None else a.get("found_by", stage if found else "none"),
            }
        )
    return pd.DataFrame(rows)
