"""The ETA of a plan before its first job: each planned job priced in seconds, the jobs scheduled on
the run's cores as Snakemake schedules them (dependencies, threads), the wall time read off.

A job's price is what its rule's work costs at the *reference rates* — measured on a 2-core AMD EPYC
(KVM, AVX-512, TensorFlow 2.21, two jobs side by side: the default preset's ``benchmarks/`` of
2026-12-07 and the paper run's) — from the keys that set its work: maps in its chunk, starts,
epochs, image size, K and inits, training images. Every finished job's benchmark then tells how
fast *this* box runs its rule (``watch`` keeps the ratios in ``rates``), so from a box's second run
on the ETA uses its own pace; until then the reference rates, and the line says so.

Pure: no Snakemake, no Keras. ``watch`` hands it the planned jobs as (rule, params, threads, deps).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from ..ascent.precursor import rung_sizes
from ..subject import cnn

REFERENCE = "a 2-core AMD EPYC (AVX-512)"
KERAS_S = 6.0  # a job that starts Python, Keras and TensorFlow and loads the model
LIGHT_S = 1.5  # a figure or page job: Python, matplotlib or the HDF5 files
TABLE_S = 0.3  # a local rule that writes a table in the Snakemake process
SCREEN_RATE = 2000.0  # image·epochs/s of the batched precursor screening (default run: 1874-2423)
STEP_S = 1.9e-3  # one ascent step of a map's batch of top_k images (8 × 1200 epochs: 2.3 s a map)
# one image·epoch of rule trust's ascents with shuffled weights, all maps in one batch (paper: 28.6 s
# for 2 × 116 maps × 1200 epochs); trust's params do not hold the OIP's epochs: 1200 is assumed
SHUFFLED_STEP_S = 1.03e-4
CLASS_ROLE_S = 0.2  # a map zeroed and 2000 test images run again (rule trust's class role; paper: ~25 s)
DREAM_STEP_S = 1.05e-3  # one dream step on a 560 × 560 photo
LIVE = 0.75  # share of a map's grids with activation > 0 (the default's maps: 0.75-1.0; dead ones are free)
# Maps the two-stage random search misses and the precursor screening takes over (paper run: 14 of
# 128), and those both miss, which the rescue screens (12 of 128); their grids are mostly dead.
MISSED = 0.11
RESCUED_S = 18.0  # the rescue's screening of one missed map at 5 values (5^9 grids, halving)
# Seconds per map of a per-chunk figure job (paper run: 32 s and 14 s for 32 maps; own model: 9.5 s,
# 5.7 s and 5.3 s for 8), any other figure 0.3 s per map it draws; and per map of the run for the
# layer's pages, gallery and atlas (paper run: 10 s, 12 s and 5 s for 128 maps).
FIGURE_S = {"oip_figure": 0.95, "precursor_figure": 0.5, "dream_figure": 0.4}
LAYER_FIGURE_S = {"map_pages": 0.07, "dream_gallery": 0.085, "oip_atlas": 0.03}


@dataclass(frozen=True)
class Job:
    key: object  # the job's id in the plan
    rule: str
    seconds: float  # its price at the reference rates
    threads: int = 1
    after: tuple = ()  # keys of planned jobs it waits for


def cost(layer_shapes, layer, kinds=None):
    """How much one image·epoch costs on a model up to ``layer``, in the unit of ``SEED_COST``, summed
    in the model's order (``layer_shapes`` as ``Run.layer_shapes``): a layer that mixes channels (a
    ``kinds`` name with "Conv" but not "Depthwise", or "Dense") costs its output volume × the channels
    it reads (its multiply-adds, the kernel aside), any other (a depthwise convolution, pooling,
    BatchNorm, ReLU, Add) its output volume. Without a layer's kind, a layer that changes the channel
    count is taken for one that mixes channels."""
    total, features = 0, 1
    for name, shape in layer_shapes.items():
        kind = (kinds or {}).get(name)
        mixes = (("Conv" in kind and "Depthwise" not in kind) or kind == "Dense") if kind else shape[-1] != features
        total += math.prod(shape) * (features if mixes else 1)
        features = shape[-1]
        if name == layer:
            break
    return max(total, 1)


SEED_COST = cost(cnn.LAYERS, cnn.CONV3, cnn.KINDS)  # the rates' unit: a seed CNN image·epoch up to conv3
# The share of the seed CNN's image·epoch that does not grow with ``cost`` (a step's per-op overhead,
# which dominates tensors this small): fitted on tests/bench/bench_model_cost.py's 9 models, inputs
# 28-128 px and 32-512 maps, cost 0.8-97 × the seed's, 8 of 9 within -14 %/+11 % (docs/measurements.md).
FIXED_SHARE = 0.52


def scale(layer_shapes, layer, kinds=None):
    """A model's image·epoch up to ``layer`` in the seed CNN's (1.0 for the seed CNN): the fixed share
    plus the rest grown with ``cost``."""
    return FIXED_SHARE + (1 - FIXED_SHARE) * cost(layer_shapes, layer, kinds) / SEED_COST


def screen_work(precursor, live=LIVE):
    """Image·epochs of one map's precursor screening: its live grids for ``test_epochs``, or halving's rungs."""
    n = int(round(len(precursor["values"]) ** (precursor["grid"] ** 2) * live))
    epochs = precursor["test_epochs"]
    if precursor["mode"] != "halving":
        return n * epochs
    rungs = list(precursor["halving"]["rungs"])
    sizes = rung_sizes(n, rungs, precursor["top_k"], precursor["halving"]["eta"])
    return sum(s * (e - b) for s, e, b in zip(sizes, rungs, [0, *rungs[:-1]], strict=True))


def price(rule, p, n=1, run_maps=1, scale=1.0, missed=MISSED):
    """Seconds one job of ``rule`` costs at the reference rates: ``p`` its params, ``n`` the maps of its
    chunk, ``run_maps`` the run's maps, ``scale`` the model's ``scale`` (seed CNN: 1), ``missed`` the
    share of maps the earlier stages leave without an OIP (0 where the precursor screens every map)."""
    oip = p.get("oip") or {}
    steps = oip.get("epochs", 1200) * STEP_S * scale
    if rule == "cnn":
        c = p["cnn"]
        return 7.3 + 2.83e-4 * c["epochs"] * (c["train_subset"] or 60000)
    if rule == "precursor":
        return KERAS_S + n * screen_work(p["precursor"]) / SCREEN_RATE * scale
    if rule == "oip_random":
        r = oip["random"]
        screen = r["count"] * r.get("screen_epochs", 10) / SCREEN_RATE * scale
        return KERAS_S + n * (screen + steps)
    if rule == "oip_precursor":  # the missed maps only, and their grids are mostly dead
        return KERAS_S + n * MISSED * (0.05 * screen_work(p["precursor"]) / SCREEN_RATE * scale + steps)
    if rule == "oip":
        return 1 + 0.02 * n if p.get("start") == "two_stage" else KERAS_S + n * steps
    if rule == "rescue":
        grids = len(p["precursor"]["values"]) ** (p["precursor"]["grid"] ** 2)
        return KERAS_S + run_maps * missed * (RESCUED_S * grids / 5**9 + steps) * scale
    if rule == "data_starts":  # nothing to ascend, no Keras, where every map has an OIP
        # measured: 28 s for the paper run's 12 maps at 8 starts (shorter ascents than an OIP's)
        return LIGHT_S + (KERAS_S + 0.08 * run_maps * missed * p.get("starts", 8) * steps if missed else 0)
    if rule == "dream":
        d = p["dream"]
        return KERAS_S + n * d["iterations"] * d["epochs"] * DREAM_STEP_S * (d["size"] / 560) ** 2 * scale
    if rule == "deepdream":
        d = p["deepdream"]
        return KERAS_S + 0.7 + d["octaves"] * d["steps"] * 0.06 * (p["size"] / 560) ** 2 * scale
    if rule in ("dataset_examples", "trust"):
        shuffled = 2 * oip.get("epochs", 1200) * SHUFFLED_STEP_S + CLASS_ROLE_S if rule == "trust" else 0
        shuffled *= run_maps * (1 - missed)
        return KERAS_S + (1.5 + 0.004 * run_maps + shuffled) * scale
    if rule == "objective":
        return KERAS_S + steps
    if rule == "kmeans":
        k = p.get("k", 70)
        # the k-means++ inits dominate (paper: 500 a fit; 51 s a job on average over K = 10-170)
        return 3 + k * (p["kmeans"]["n_init"] * 1.05e-3 + 0.008)
    if rule == "silhouettes":
        n_images = p.get("n_images", 70000)
        return 3 + min(n_images, p["sample_size"] or n_images) ** 2 * 1.8e-8
    if rule == "mlp_reference":
        return 9.0 + p["mlp"]["epochs"] * (p["mlp"].get("train_subset") or 60000) * 9.4e-6
    if rule == "mlp_clustered":
        return 6.2 + p["mlp"]["epochs"] * (p["mlp"].get("train_subset") or 60000) * 3.7e-6
    if rule == "mlp_study_runs":
        return 10 + study_seconds(p["study"], p["mlp"], p["kmeans"]["n_init"])
    if rule in ("mnist", "cluster_features"):
        return 7.0 if rule == "mnist" else 3.5
    if rule == "example_model":
        return 40.0
    if rule in LAYER_FIGURE_S:
        return LIGHT_S + LAYER_FIGURE_S[rule] * run_maps
    if rule.endswith(("_figure", "_gallery", "_atlas", "pages")):
        return LIGHT_S + FIGURE_S.get(rule, 0.3) * n
    if rule.endswith("_table") or rule in ("summary", "cluster_sweep", "oip_summary", "silhouette_k", "all"):
        return TABLE_S
    return LIGHT_S


def study_seconds(study, mlp, n_init):
    """The MLP study's training and KMeans fits at the reference rates (reference 0.7 s per epoch on
    60000 images, clustered 0.3 s, a K = 70 fit at 500 inits ~50 s)."""
    n_variants = len(study["spaces"]) * len(study["normalizations"]) * len(study["fit_on"])
    n_confirm = min(n_variants, study["confirm"] + int(study["confirm_honest"]))
    clustered_runs = n_variants + (study["repeats"] - 1) * n_confirm
    share = (mlp.get("train_subset") or 60000) / 60000
    train_s = mlp["epochs"] * share * (0.7 * study["repeats"] + 0.3 * clustered_runs)
    return train_s + len(study["spaces"]) * len(study["fit_on"]) * 50 * n_init / 500


def wall(jobs, cores):
    """Seconds until the last of ``jobs`` ends when they run as soon as their inputs exist and their
    threads fit in ``cores`` (each job's threads capped at ``cores``, as Snakemake scales them down),
    first come first served — the plan's length on this many cores."""
    if not jobs:
        return 0.0
    cores = max(1, int(cores))
    planned = {j.key: j for j in jobs}
    waiting = {j.key: sum(a in planned for a in set(j.after)) for j in jobs}
    dependents = {key: [] for key in planned}
    for j in jobs:
        for a in set(j.after):
            if a in planned:
                dependents[a].append(j.key)
    order = {j.key: i for i, j in enumerate(jobs)}
    ready = [order[k] for k, n in waiting.items() if not n]
    heapq.heapify(ready)
    running, now, free, blocked = [], 0.0, cores, []
    while ready or running:
        while ready:  # in plan order, each that fits now; the rest wait for the next free cores
            i = heapq.heappop(ready)
            job = jobs[i]
            need = min(job.threads, cores)
            if need <= free:
                free -= need
                heapq.heappush(running, (now + job.seconds, i))
            else:
                blocked.append(i)
        for i in blocked:
            heapq.heappush(ready, i)
        blocked.clear()
        now, i = heapq.heappop(running)
        free += min(jobs[i].threads, cores)
        for other in dependents[jobs[i].key]:
            waiting[other] -= 1
            if not waiting[other]:
                heapq.heappush(ready, order[other])
    return now
