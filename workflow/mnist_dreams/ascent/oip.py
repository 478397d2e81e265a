"""OIP, the seed's "optimal input pattern": gradient ascent on a 28×28 input to maximize the mean
activation of one map of the third conv layer (articles VIII–XI of the seed's CNN series).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..plumbing.progress import Progress
from . import input_range
from .engine.settings import Settings
from .grids import upscale_basis

log = logging.getLogger(__name__)


def random_starts(count, pixel_mean, pixel_std, seed, cells=(2, 4, 7, 14), weights=(1.0, 0.5, 0.25, 0.125),
                  shape=(28, 28, 1)):  # fmt: skip
    """The author's plain start images: random fluctuations superposed on several length scales.

    For each scale a grid of ``cells``×``cells`` uniform random values is upscaled bicubically to
    28×28 (``shape``: the model's input) and weighted; the sum is stretched to [0, 1] per image and
    standardized like MNIST; a colour model gets the same gray image on every channel.
    """
    if len(cells) != len(weights):
        raise ValueError(f"oip.random: {len(cells)} cells but {len(weights)} weights")
    rng = np.random.default_rng(seed)
    h, w, c = shape
    img = np.zeros((count, h * w))
    for n, weight in zip(cells, weights, strict=True):
        img += weight * rng.uniform(0.0, 1.0, (count, n * n)) @ upscale_basis(n, (h, w)).T
    lo, hi = img.min(axis=1, keepdims=True), img.max(axis=1, keepdims=True)
    img = np.repeat(((img - lo) / np.maximum(hi - lo, 1e-12) * 255.0).reshape(count, h, w, 1), c, axis=-1)
    # per-channel mean and std of a colour model apply after the gray image is copied to its channels
    return ((img - np.asarray(pixel_mean)) / np.asarray(pixel_std)).astype(np.float32)


def optimize(model, map_index, starts, settings, layer="conv3", seed=0, prune=True, input_range=None):
    """Full OIP run of ``starts`` on one map (``map_index`` an int) or on several maps at once
    (``map_index`` one map per start: one compiled ascent for all of them, ``engine.driver``), with
    the ascent ``settings`` (``engine.settings.Settings``).

    Returns images, ``loss_history`` (k, epochs) with column *e* = the map loss after *e* + 1
    epochs, ``start_loss`` and ``final_loss`` (= the last column: the stored images' loss).
    The seed's roll (``settings.rolled``) needs one compiled step per epoch and one map per call
    (the shifts are seeded by ``seed``). The robust ascent (zoom or rotation) shifts, zooms and
    rotates before every step, each map's transforms seeded by ``seed`` + the map, several maps per
    call. ``prune``: a start whose map activation is exactly 0 never moves under the plain
    objective, so it is recorded (loss 0, image unchanged) instead of ascended. The diversity term
    pushes each candidate away from its map's other candidates in the same call: all of a map's
    candidates must be in one call, as ``run_maps`` puts them. ``input_range``: (low, high) per
    channel (``input_range.bounds``), the box a bounded ascent (``oip.bound: clip``) stays in.
    """
    from ..plumbing import backend  # here, not at the top: readers of stored OIPs need no Keras
    from .engine import driver, transforms

    s, t0 = settings, time.perf_counter()
    starts = np.asarray(starts, np.float32)
    maps = np.broadcast_to(np.asarray(map_index, np.int32), (len(starts),)).copy()
    label = _label(sorted(set(maps.tolist())))
    progress = Progress(log, f"{label}: OIP of {len(starts)} candidates", s.epochs, "epochs")
    report = lambda done, final: progress.update(done, best_loss=float(final.max()))  # noqa: E731
    key = driver.terms(s, input_range)
    compiled = lambda n: driver.compiled(model, layer, s.step_size, n, key)  # noqa: E731
    if s.robust:
        ts = transforms.per_group(maps, s.epochs, starts.shape[1:3], seed, s.jitter, s.scale, s.rotate)
        images, history, _ = driver.in_chunks(compiled, starts, maps, s.epochs, ts, report=report)
        start_loss = backend.map_losses(model, layer, starts, maps)
    elif s.rolled:
        if len(set(maps.tolist())) > 1:
            raise ValueError("oip.jitter: one map per call (its shifts are seeded per map)")
        shifts = transforms.roll_shifts(s.epochs, s.jitter, seed)
        images, history = driver.rolled(compiled(1), starts, maps, shifts, report)
        history[:, -1] = backend.map_losses(model, layer, images, maps)  # the unrolled images' own loss
        start_loss = backend.map_losses(model, layer, starts, maps)
    else:
        live = np.ones(len(starts), bool)
        if prune and s.prunable:
            by_map = {m: j for j, m in enumerate(sorted(set(maps.tolist())))}
            first = driver.start_losses(model, starts, list(by_map), layer)
            live = ~driver.dead(first[[by_map[m] for m in maps.tolist()], np.arange(len(starts))])
        images, history = starts.copy(), np.zeros((len(starts), s.epochs), np.float32)
        start_loss = np.zeros(len(starts), np.float32)
        if live.any():
            images[live], history[live], start_loss[live] = driver.in_chunks(
                compiled, starts[live], maps[live], s.epochs, report=report
            )
        else:
            progress.update(s.epochs, best_loss=0.0)
    seconds = time.perf_counter() - t0
    log.info("%s: %d candidates × %d epochs in %.1f s", label, len(starts), s.epochs, seconds)
    return {
        "images": images,
        "start_images": starts,
        "loss_history": history.astype(np.float32),
        "start_loss": np.asarray(start_loss, np.float32),
        "final_loss": history[:, -1].astype(np.float32),
        "seconds": seconds,
    }


def _label(maps):
    """How a log line names a call's maps: "map 46", "maps 46, 56", "32 maps (0–31)"."""
    if len(maps) == 1:
        return f"map {maps[0]}"
    return f"maps {', '.join(map(str, maps))}" if len(maps) <= 8 else f"{len(maps)} maps ({maps[0]}–{maps[-1]})"


def run_maps(model, maps, params, seed, pixel_mean, pixel_std, screened=None, layer="conv3"):
    """An OIP job's work: ``optimize`` every map of ``maps`` from its precursors' top-k or from random
    starts, all maps in one batch (one map per call with jitter).

    ``params`` is the config's ``oip`` section with ``start`` the job's own ("precursor" or
    "random"); ``screened`` maps each map to its precursor file's (datasets, attrs) when starting
    from precursors; ``layer``: whose maps. Returns {map: (datasets, attrs)} of ``results/oip/map_NNN[.stage].h5``.
    """
    p, starts, origin, extra = params, {}, {}, {}
    for m in maps:
        if p["start"] == "precursor":
            data, s_attrs = screened[m]
            starts[m], origin[m] = data["start_images"], data["top_indices"]
            extra[m] = {"precursor_seconds": s_attrs["seconds"], "precursor_image_epochs": s_attrs["image_epochs"]}
        else:
            r = p["random"]
            shape = tuple(model.inputs[0].shape[1:])
            starts[m] = random_starts(
                r["count"], pixel_mean, pixel_std, seed * 1000 + m, r["cells"], r["weights"], shape
            )
            origin[m], extra[m] = list(range(r["count"])), {}
    # The pick of the top_k random starts screens with the plain ascent; the full ascent's own options
    # (the diversity term, the robust transforms, the Fourier filter) act on the picked starts. A
    # penalty or the seed-era roll ascends every start, as before.
    ascent = Settings.from_config(p)
    box = input_range.bounds(pixel_mean, pixel_std, model.inputs[0].shape[-1])
    pick = not (ascent.penalties or ascent.rolled)
    if p["start"] == "random" and p["random"]["count"] > p["random"]["top_k"] and pick:
        _keep_best(model, starts, origin, extra, p, layer)
    if ascent.rolled:  # one map per call, its shifts seeded by seed + map
        results = {m: optimize(model, m, starts[m], ascent, layer, seed=seed + m, input_range=box) for m in maps}
    else:  # several maps per call; the robust transforms seeded by seed + map
        counts = [len(starts[m]) for m in maps]
        batch = np.concatenate([starts[m] for m in maps])
        together = optimize(model, np.repeat(maps, counts), batch, ascent, layer, seed, input_range=box)
        bounds = np.cumsum([0, *counts])
        share = together.pop("seconds") / len(maps)
        results = {
            m: {**{k: v[lo:hi] for k, v in together.items()}, "seconds": share}
            for m, lo, hi in zip(maps, bounds[:-1], bounds[1:], strict=True)
        }
    out, similarity, in_range = {}, _gram_similarity(model, layer, results), _in_range(model, layer, results, box)
    for m, result in results.items():
        result["candidate"] = origin[m]
        result["gram_similarity"] = similarity[m]
        result.update(in_range[m])
        for key in ("random_start_loss", "random_screen_loss"):  # every random start's, not only the picked
            if key in extra[m]:
                result[key] = extra[m].pop(key)
        # procedure: how the file's OIP was obtained; readers check it against the run's oip.start
        attrs = {"map": m, "layer": layer, "params": p, "seed": seed, "stage": p["start"], "procedure": p["start"]}
        attrs.update(extra[m])
        attrs.update(found=bool(result["final_loss"].max() > 0), seconds=result.pop("seconds"), maps_in_job=len(maps))
        if attrs.get("found_at_start", attrs["found"]) != attrs["found"]:  # ascent lowered a live start to 0
            log.warning("map %d: found at the start, but its top %d ended at loss 0", m, len(result["final_loss"]))
        out[m] = (result, attrs)
    return out


def _gram_similarity(model, layer, results):
    """Per map, its candidates' pairwise Gram similarity on the layer (``pattern_numbers.style_diversity``),
    from one forward pass of every map's images (a model and a pass per map cost ~0.13 s a map)."""
    from ..plumbing import backend
    from .pattern_numbers import gram_similarity

    maps = list(results)
    images = np.concatenate([results[m]["images"] for m in maps])
    acts = backend.feature_model(model, layer).predict(images, verbose=0)
    bounds = np.cumsum([0, *(len(results[m]["images"]) for m in maps)])
    return {
        m: gram_similarity(acts[lo:hi]).astype(np.float32)
        for m, lo, hi in zip(maps, bounds[:-1], bounds[1:], strict=True)
    }


def _in_range(model, layer, results, box):
    """Per map, its candidates' ``in_range_loss`` and ``in_range_share`` (``input_range``), one pass."""
    maps = list(results)
    images = np.concatenate([results[m]["images"] for m in maps])
    counts = [len(results[m]["images"]) for m in maps]
    numbers = input_range.numbers(model, layer, images, np.repeat(maps, counts), *box)
    bounds = np.cumsum([0, *counts])
    return {
        m: {k: v[lo:hi] for k, v in numbers.items()} for m, lo, hi in zip(maps, bounds[:-1], bounds[1:], strict=True)
    }


def _keep_best(model, starts, origin, extra, p, layer):
    """Random starts: only each map's ``random.top_k`` best go on to the full ascent (``random_search``);
    whether the map was found at all is known from every start's loss, kept beside the picked ones."""
    from . import random_search

    r = p["random"]
    picked = random_search.pick(model, starts, r["top_k"], r["screen_epochs"], p["step_size"], layer)
    for m, choice in picked.items():
        starts[m], origin[m] = starts[m][choice["top"]], choice["top"].tolist()
        extra[m] = {
            "random_start_loss": choice["start_loss"],
            "random_screen_loss": choice["screen_loss"],
            "found_at_start": bool(choice["live"] > 0),
            "live_starts": choice["live"],
        }


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


def layer_table(results, max_act, mean_act, attrs=None, n_maps=None, best_test=None):
    """One row per map of the layer: fires on test data?, and for computed maps found / best loss.

    ``results``: map index → stored OIP arrays; ``attrs``: map index → their attrs (for ``stage``
    and ``found_by`` of a two-stage run). A map "fires" when some test image activates it somewhere
    (max > 0); it is "found" when an OIP candidate ends with loss > 0. ``max_act`` None: no test
    data for this model (``n_maps`` rows, fires_on_test and the activations left empty).
    ``best_test``: per map the best test image's activation (the OIP's objective on the image,
    ``subject.examples``); with OIP ``images`` it gives the pattern numbers (``pattern_numbers``).
    """
    import pandas as pd

    from .pattern_numbers import per_map

    attrs = attrs or {}
    rows = []
    n_maps = len(max_act) if max_act is not None else n_maps
    for m in range(n_maps):
        r, a = results.get(m), attrs.get(m, {})
        final = None if r is None else np.asarray(r["final_loss"])
        found = None if r is None else bool(final.max() > 0)
        stage = a.get("stage", "")
        rows.append(
            {
                "map": m,
                "fires_on_test": "" if max_act is None else bool(max_act[m] > 0),
                "max_test_activation": np.nan if max_act is None else float(max_act[m]),
                "mean_test_activation": np.nan if mean_act is None else float(mean_act[m]),
                "computed": r is not None,
                "found": found,
                "best_loss": np.nan if r is None else float(final.max()),
                "candidates_found": 0 if r is None else int((final > 0).sum()),
                "stage": stage,
                "found_by": "" if r is None else a.get("found_by", stage if found else "none"),
                "best_test_activation": np.nan if best_test is None else float(best_test[m]),
            }
        )
        if r is not None and "images" in r:
            rows[-1].update(per_map(r, rows[-1]["best_test_activation"]))
    return pd.DataFrame(rows)
