"""Starts from the data (issue 39): an OIP for the maps the seed's stages left without one.

The seed's stages (random starts, the 3⁹ precursor grid, the 5⁹ rescue) start from smooth synthetic
images. A map none of them wakes may still fire on real digits: its most exciting dataset image is
a live start (activation > 0), and from a live start the ascent can only climb (a normalized step
up the gradient of the map's mean). So for every map still without an OIP, this stage ascends from
its ``count`` most exciting test images (``results/oip/examples.h5``: their indices), and for a map
silent on every test image from its most exciting training images (one forward pass over the
training set, for those maps only). From a dead start nothing moves (``engine.driver``), so a map
silent on every image searched gets a warm-up (``warm_up``, a share of the OIP's epochs; 0: it is
recorded, not ascended): the author's random starts ascend the map's *pre-activation* first (the
layer rebuilt with a linear activation and the same weights, so the gradient passes the map's own
dead ReLU; the layers below stay as they are), then the real map for the epochs left. On the paper
CNN, half the epochs woke all three maps silent on all 70 000 images (docs/measurements.md).

The seed's stages and their numbers stay as they are; this stage's result is its own folder
(``results/data_starts/``), its numbers rows of their own in ``results/summary.tsv``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

log = logging.getLogger(__name__)

SETS = ("test", "train")


def still_without_oip(layer, rescue_table=None):
    """The maps a run computed and found no OIP for, minus those the rescue found: [map]."""
    from .rescue import without_oip

    found_later = set()
    if rescue_table is not None and len(rescue_table):
        found_later = set(rescue_table.loc[rescue_table["found"].astype(str) == "True", "map"].astype(int))
    return [m for m, _ in without_oip(layer) if m not in found_later]


def live_top(per_image, count):
    """Per map (column of ``per_image`` (N, maps)): the indices of its ``count`` most exciting images
    that fire (activation > 0), highest first, ties by image order; empty where none fires."""
    order = np.argsort(-np.asarray(per_image), axis=0, kind="stable")[:count]
    return [order[:, j][per_image[order[:, j], j] > 0] for j in range(per_image.shape[1])]


def choose(maps, test_index, test_activation, train_per_image, count):
    """Each map's starts: {map: (set, indices)}. ``test_index``/``test_activation`` (maps of the
    layer, k): the stored dataset examples; ``train_per_image`` (N, len(maps)) or None: the maps'
    activations on the training images. A map with no live image in either: (None, [])."""
    out = {}
    for j, m in enumerate(maps):
        live = np.asarray(test_index[m])[np.asarray(test_activation[m]) > 0][:count]
        if len(live):
            out[m] = ("test", live)
            continue
        train = [] if train_per_image is None else live_top(train_per_image[:, [j]], count)[0]
        out[m] = ("train", np.asarray(train)) if len(train) else (None, np.asarray([], np.int64))
    return out


def run(model, maps, examples, test_x, train_x, oip_params, count, seed, pixel_box, layer="conv3", warm_up=0.0,
        pixel_stats=None):  # fmt: skip
    """Ascend each of ``maps`` from its chosen dataset images (``choose``), all maps in one batch.

    ``examples``: the datasets of ``examples.h5`` (``top_index``, ``top_activation``); ``test_x``,
    ``train_x``: the images in the model's input units (``train_x`` None: no training set); the
    ascent is the OIP's (``oip_params``, ``Settings.from_config``) with ``pixel_box`` its input
    range; ``warm_up``: the share of its epochs a map silent on every image searched spends on its
    pre-activation (``wake``), from ``count`` random starts (``pixel_stats``: the scaling's
    (mean, std)). Returns {map: (datasets, attrs)}, the files ``results/data_starts/maps/map_NNN.h5``.
    """
    from ..subject.examples import activations as examples_pass
    from . import input_range
    from .engine.settings import Settings

    t0 = time.perf_counter()
    silent_on_test = [m for m in maps if not (np.asarray(examples["top_activation"][m]) > 0).any()]
    train_per_image = None
    if silent_on_test and train_x is not None:
        log.info("maps silent on every test image: %s; searching %d training images", silent_on_test, len(train_x))
        train_per_image = examples_pass(model, train_x, layer)[2][:, maps]  # the dataset examples' own pass
    chosen = choose(maps, examples["top_index"], examples["top_activation"], train_per_image, count)
    ascended = [m for m in maps if chosen[m][0]]
    results = {}
    if ascended:
        images = {"test": test_x, "train": train_x}
        starts = np.concatenate([images[chosen[m][0]][chosen[m][1]] for m in ascended]).astype(np.float32)
        ids = np.repeat(ascended, [len(chosen[m][1]) for m in ascended])
        r = _ascend(model, ids, starts, Settings.from_config(oip_params), layer, seed, pixel_box)
        numbers = input_range.numbers(model, layer, r["images"], ids, *pixel_box)
        for m in ascended:
            at = ids == m
            results[m] = {k: v[at] for k, v in {**r, **numbers}.items() if k != "seconds"}
    silent = [m for m in maps if chosen[m][0] is None]
    if silent and warm_up > 0 and hasattr(model.get_layer(layer), "activation"):
        woken = wake(model, layer, silent, Settings.from_config(oip_params), warm_up, count, seed, pixel_box,
                     pixel_stats, oip_params.get("random", {}))  # fmt: skip
        for m in silent:
            chosen[m] = ("warm-up", np.arange(count))
            results[m] = woken[m]
    searched = {"test": len(test_x), "train": 0 if train_per_image is None else len(train_x)}
    out = {}
    for m in maps:
        source, index = chosen[m]
        datasets = results.get(m, {"final_loss": np.zeros(0, np.float32)})
        datasets = {**datasets, "start_index": np.asarray(index, np.int64)}
        found = bool(len(datasets["final_loss"]) and datasets["final_loss"].max() > 0)
        attrs = {"map": m, "layer": layer, "params": oip_params, "seed": seed, "start_set": source or "none"}
        attrs["images_searched"] = searched["test"] + (searched["train"] if m in silent_on_test else 0)
        by = "warm-up" if source == "warm-up" else "data"
        attrs.update(found=found, found_by=by if found else "none", seconds=time.perf_counter() - t0)
        out[m] = (datasets, attrs)
    return out


def pre_activation(model, layer):
    """(model, its top layer's name): ``model`` up to ``layer``, that layer rebuilt with a linear
    activation and its weights (a loaded model's initializers, ``models.PLACEHOLDER``, stay behind)."""
    import keras

    target = model.get_layer(layer)
    config = {k: v for k, v in target.get_config().items() if not k.endswith("_initializer")}
    linear = type(target).from_config({**config, "activation": "linear", "name": f"{layer}_pre_activation"})
    out = linear(target.input)
    linear.set_weights(target.get_weights())
    return keras.Model(model.inputs, out), linear.name


def wake(model, layer, maps, settings, share, count, seed, box, pixel_stats, random):
    """Each of ``maps`` from ``count`` of the author's random starts (seeded as the OIP's random stage:
    seed × 1000 + map): ``share`` of ``settings.epochs`` up the map's pre-activation, the rest up the
    map itself. {map: datasets}, ``start_images`` the random starts, ``warm_loss`` each one's
    pre-activation after the warm-up."""
    from dataclasses import replace

    from . import input_range
    from .oip import random_starts

    shape = tuple(model.inputs[0].shape[1:])
    extra = {k: random[k] for k in ("cells", "weights") if k in random}
    starts = np.concatenate([random_starts(count, *pixel_stats, seed * 1000 + m, shape=shape, **extra) for m in maps])
    ids = np.repeat(maps, count)
    warm = int(round(share * settings.epochs))
    pre, name = pre_activation(model, layer)
    warmed = _ascend(pre, ids, starts, replace(settings, epochs=max(warm, 1)), name, seed, box)
    log.info("warm-up of maps %s: %d epochs on the pre-activation, %d of %d starts end above 0", maps, warm,
             int((warmed["final_loss"] > 0).sum()), len(ids))  # fmt: skip
    rest = replace(settings, epochs=max(settings.epochs - warm, 1))
    r = _ascend(model, ids, warmed["images"], rest, layer, seed, box)
    r.update(start_images=starts, warm_loss=warmed["final_loss"])
    r.update(input_range.numbers(model, layer, r["images"], ids, *box))
    return {m: {k: v[ids == m] for k, v in r.items() if k != "seconds"} for m in maps}


def _ascend(model, ids, starts, settings, layer, seed, box):
    """``oip.optimize`` of every (map, start) pair, as the OIP job runs them: all maps in one call,
    or one map per call (seeded by seed + map) under the seed's roll."""
    from .oip import optimize

    if not settings.rolled:
        return optimize(model, ids, starts, settings, layer, seed, input_range=box)
    parts = [
        optimize(model, m, starts[ids == m], settings, layer, seed=seed + m, input_range=box)
        for m in dict.fromkeys(ids.tolist())
    ]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k != "seconds"}


def table(results):
    """One row per map the stage saw: where its starts came from, found, best loss, in-range ratio's
    numerator (the best candidate's clipped loss), the images searched."""
    import pandas as pd

    rows = []
    for m, (d, a) in sorted(results.items()):
        best = int(np.argmax(d["final_loss"])) if len(d["final_loss"]) else None
        rows.append(
            {
                "map": m,
                "start_set": a["start_set"],
                "starts": len(d["start_index"]),
                "found": a["found"],
                "best_loss": float(d["final_loss"][best]) if best is not None else np.nan,
                "in_range_loss": float(d["in_range_loss"][best]) if best is not None else np.nan,
                "images_searched": a["images_searched"],
            }
        )
    columns = ["map", "start_set", "starts", "found", "best_loss", "in_range_loss", "images_searched"]
    return pd.DataFrame(rows, columns=columns)
