"""Article XIV settled by experiment: which normalization, if any, gives the seed's 97.8 % and 14×.

The seed's K = 70 clustered MLP reached a stable 97.8 % and 97.4 % 14× faster than its reference
run, with "a special normalization" it does not spell out and KMeans fitted on train+test. A study
trains the reference MLP (standardized pixels) and the clustered MLP of every variant — clustering
space × distance normalization × fit set (``normalize`` documents each) — at one set of MLP settings,
one run after the other in one process, so that wall times are comparable. One seed per variant
screens; then the reference and the best variants get more seeds, interleaved seed by seed so that
a drift of the machine's load hits all of them alike. ``table`` turns the per-epoch histories into
the seed's quantities, ``summary`` averages them per variant, ``verdict`` says what reproduces.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..plumbing import store
from ..report import claims
from . import features, mlp, normalize, sweep
from .study_store import COLUMNS, HISTORY, datasets, records

log = logging.getLogger(__name__)

REFERENCE = "reference"
# The seed's claims (article XIV, mnist_dreams.report.claims): final accuracies, and speed-ups against its
# whole reference run.
SEED_FINAL = {REFERENCE: claims.REFERENCE_TEST_ACCURACY, "clustered": claims.CLUSTERED_TEST_ACCURACY}


@dataclass(frozen=True)
class Variant:
    """One clustered-MLP setup; all fields empty: the reference MLP on standardized pixels."""

    space: str = ""
    normalization: str = ""
    fit_on: str = ""

    @property
    def name(self):
        return f"{self.space}-{self.normalization}-{self.fit_on}" if self.space else REFERENCE

    @property
    def leaks_test(self):
        return self.fit_on == "train+test"


def variants(spaces, normalizations, fit_on):
    """Every fit set × space × normalization, ordered so the runs sharing one KMeans fit come together."""
    for values, allowed, what in (
        (spaces, normalize.SPACES, "space"),
        (normalizations, normalize.NORMALIZATIONS, "normalization"),
        (fit_on, sweep.FIT_SETS, "fit_on"),
    ):
        if bad := [v for v in values if v not in allowed]:
            raise ValueError(f"unknown {what} {bad}; choose from {allowed}")
    return [Variant(s, n, f) for f in fit_on for s in spaces for n in normalizations]


def cluster_inputs(mnist, k, kmeans, seed):
    """A function variant -> (x_train, x_test, info) that fits KMeans once per (space, fit set).

    ``kmeans`` holds n_init, max_iter, batch_size and subsample. The fit uses one thread: on a busy
    2-core CPU two OpenMP threads made MiniBatchKMeans 30× slower (see ``sweep.kmeans``).
    """
    cache = {}

    def inputs(variant):
        key = (variant.space, variant.fit_on)
        if key not in cache:
            x, _ = sweep.fit_images(mnist, variant.fit_on, kmeans["subsample"], seed, variant.space)
            settings = (kmeans["n_init"], kmeans["max_iter"], kmeans["batch_size"])
            centroids, _, _, fit_s, _ = sweep.kmeans(x, k, *settings, seed=seed, threads=1)
            start = time.perf_counter()
            d_train, d_test = features.space_distances(mnist, centroids, variant.space)
            cache[key] = (d_train, d_test, fit_s, time.perf_counter() - start)
        d_train, d_test, fit_s, distance_s = cache[key]
        start = time.perf_counter()
        x_train, x_test, stats = features.normalized(d_train, d_test, variant.normalization)
        info = {
            "kmeans_s": fit_s,
            "features_s": distance_s + time.perf_counter() - start,
            "sigma": stats.get("sigma", np.nan),
        }
        return x_train, x_test, info

    return inputs


def train_run(x_train, x_test, mnist, mlp_settings, seed):
    """One MLP training; the per-epoch history (``HISTORY``) and the training's attrs."""
    import keras

    _, history, attrs = mlp.train(x_train, mnist["y_train"], x_test, mnist["y_test"], seed=seed, **mlp_settings)
    keras.backend.clear_session()  # dozens of models in one process: drop each one's graph and weights
    return {key: history[key] for key in HISTORY}, attrs


def run(
    mnist,
    *,
    k,
    kmeans,
    mlp_settings,
    spaces,
    normalizations,
    fit_on,
    repeats=3,
    confirm=2,
    confirm_honest=True,
    seed=0,
    checkpoint=None,
):
    """Screen every variant with ``seed``, then give the reference and the best variants ``repeats`` seeds.

    Returns one record per run (dict: ``COLUMNS``, seed, leaks_test, inputs and times, ``history``).
    ``checkpoint``: a folder that keeps each finished run (``<variant>-seed<N>.h5``), so that a study
    stopped half-way (hours at paper scale) resumes where it stopped. The caller names the folder
    after everything a run depends on; a run read back keeps the wall times of the process that made it.
    """
    screen = variants(spaces, normalizations, fit_on)  # a bad name fails now, not after the reference run
    x_train, x_test, _ = mlp.pixel_inputs(mnist)
    clustered = cluster_inputs(mnist, k, kmeans, seed)
    runs = []

    def one(variant, stage, run_seed):
        kept = Path(checkpoint) / f"{variant.name}-seed{run_seed}.h5" if checkpoint else None
        if kept is not None and kept.exists():
            runs.append({**records(store.read_h5(kept)[0])[0], "stage": stage})
            log.info("run %d (%s, seed %d) %s: read back from %s", len(runs), stage, run_seed, variant.name, kept)
            return
        if variant.name == REFERENCE:
            inputs = (x_train, x_test, {"kmeans_s": 0.0, "features_s": 0.0, "sigma": np.nan})
        else:
            inputs = clustered(variant)
        history, attrs = train_run(inputs[0], inputs[1], mnist, mlp_settings, run_seed)
        record = {
            "variant": variant.name,
            **{f: getattr(variant, f) for f in ("space", "normalization", "fit_on", "leaks_test")},
            "stage": stage,
            "seed": run_seed,
            "n_inputs": attrs["n_inputs"],
            "n_params": attrs["n_params"],
            **inputs[2],
            "history": history,
        }
        runs.append(record)
        if kept is not None:
            store.write_h5(kept, datasets([record]))
        acc = history["test_accuracy"]
        log.info(
            "run %d (%s, seed %d) %s: final %.4f, best %.4f, %.0f s",
            len(runs),
            stage,
            run_seed,
            variant.name,
            acc[-1],
            acc.max(),
            history["wall_time"][-1],
        )

    one(Variant(), "screen", seed)
    for variant in screen:
        one(variant, "screen", seed)
    chosen = best(runs, confirm, confirm_honest) if repeats > 1 else []
    log.info("confirming with %d more seeds: reference, %s", repeats - 1, ", ".join(v.name for v in chosen) or "-")
    for i in range(1, repeats):
        one(Variant(), "confirm", seed + i)
        for variant in chosen:
            one(variant, "confirm", seed + i)
    return runs


def best(runs, confirm, confirm_honest=True):
    """The ``confirm`` best screened variants by final (then best) test accuracy, plus the best one
    fitted on train only if ``confirm_honest`` and none of them is: the only kind fit to be a default."""
    screened = [r for r in runs if r["stage"] == "screen" and r["variant"] != REFERENCE]
    ranked = sorted(screened, key=lambda r: (-r["history"]["test_accuracy"][-1], -r["history"]["test_accuracy"].max()))
    chosen = ranked[:confirm]
    honest = [r for r in ranked if not r["leaks_test"]]
    if confirm_honest and honest and not any(not r["leaks_test"] for r in chosen):
        chosen.append(honest[0])
    return [Variant(r["space"], r["normalization"], r["fit_on"]) for r in chosen]


def quantities(thresholds):
    """(column suffix, accuracy, stable) for every threshold, first reached and stable."""
    return [(f"{t:g}{'_stable' if stable else ''}", t, stable) for t in thresholds for stable in (False, True)]


def table(runs, thresholds):
    """One row per run: best/final accuracy, epochs and seconds to each threshold, speed-ups.

    ``speedup_X`` = seconds the reference run of the same seed needed for X / seconds this run needed.
    When that reference never got there it is taken against the reference's whole run (the seed's
    own definition of its 14×) and ``ref_reached_X`` is False: the speed-up is then a lower bound.
    ``speedup_reference_final`` is the seed's "14×" literally: the whole reference run against this
    run's time to the reference's final accuracy; on the reference's own row it shows how much of
    such a "speed-up" the reference gets against itself. Training time only; ``preprocess_s`` is apart.
    """
    refs = {r["seed"]: r["history"] for r in runs if r["variant"] == REFERENCE}
    rows = []
    for r in runs:
        acc, wall = r["history"]["test_accuracy"], r["history"]["wall_time"]
        ref = refs.get(r["seed"])
        row = {c: r[c] for c in (*COLUMNS, "leaks_test", "seed", "n_inputs")}
        row.update(
            preprocess_s=r["kmeans_s"] + r["features_s"],
            epochs=len(acc),
            wall_s=wall[-1],
            s_per_epoch=wall[-1] / len(acc),
            best_test_accuracy=acc.max(),
            best_epoch=int(np.argmax(acc)) + 1,
            final_test_accuracy=acc[-1],
            final_train_accuracy=r["history"]["train_accuracy"][-1],
        )
        for name, threshold, stable in quantities(thresholds):
            row[f"epoch_to_{name}"], seconds = mlp.time_to(r["history"], threshold, stable)
            _, ref_seconds = mlp.time_to(ref, threshold, stable)
            row[f"s_to_{name}"] = seconds
            row[f"ref_reached_{name}"] = bool(np.isfinite(ref_seconds))
            row[f"speedup_{name}"] = (ref_seconds if np.isfinite(ref_seconds) else ref["wall_time"][-1]) / seconds
        _, seconds = mlp.time_to(r["history"], ref["test_accuracy"][-1])
        row["s_to_reference_final"] = seconds
        row["speedup_reference_final"] = ref["wall_time"][-1] / seconds
        rows.append(row)
    return pd.DataFrame(rows)


def summary(rows, thresholds):
    """One row per variant (best mean final accuracy first): means over its seeds.

    Time-to and speed-up columns average the seeds that reached the threshold; ``n_reached_X`` says
    how many did, of ``n_seeds`` (pandas' mean skips the NaN of the others).
    """
    names = [name for name, _, _ in quantities(thresholds)]
    reached = rows.assign(**{f"n_reached_{n}": rows[f"epoch_to_{n}"].notna() for n in names})
    keys = ["variant", "space", "normalization", "fit_on", "leaks_test"]
    mean_cols = ["final_test_accuracy", "best_test_accuracy", "final_train_accuracy", "s_per_epoch", "preprocess_s"]
    mean_cols += [f"{what}_{n}" for n in names for what in ("epoch_to", "s_to", "speedup")]
    grouped = reached.groupby(keys, sort=False)
    out = grouped[mean_cols].mean()
    out.insert(0, "n_seeds", grouped.size())
    out.insert(2, "final_test_accuracy_std", grouped["final_test_accuracy"].std())
    out.insert(3, "final_test_accuracy_min", grouped["final_test_accuracy"].min())
    out = out.join(grouped[[f"n_reached_{n}" for n in names]].sum())
    out["speedup_reference_final"] = grouped["speedup_reference_final"].mean()
    return out.reset_index().sort_values("final_test_accuracy", ascending=False, kind="stable")


def verdict(summary_frame):
    """Plain sentences: the reference's and the best variants' accuracy, and the seed's speed-ups."""
    ref = summary_frame[summary_frame["variant"] == REFERENCE].iloc[0]
    clustered = summary_frame[summary_frame["variant"] != REFERENCE]
    seeds = lambda n: f"{n} seed{'s' if n != 1 else ''}"  # noqa: E731
    said = {name: claims.percent(claim) for name, claim in SEED_FINAL.items()}
    lines = [f"reference: final {ref.final_test_accuracy:.2%} ({seeds(ref.n_seeds)}; seed: {said[REFERENCE]})"]
    honest = clustered[~clustered["leaks_test"].astype(bool)]
    for label, group in (("best clustered", clustered), ("best honest (fit on train)", honest)):
        if len(group):
            top = group.iloc[0]
            accuracy = f"final {top.final_test_accuracy:.2%} ({seeds(top.n_seeds)}; seed ≥ {said['clustered']})"
            lines.append(f"{label}: {top.variant}, {accuracy}")
    for name, claim in ((name, c.value) for name, c in claims.SPEEDUPS.items()):
        column = f"speedup_{name}"
        if column not in clustered:
            continue
        steady = clustered[clustered[f"n_reached_{name}"] == clustered["n_seeds"]]
        if not len(steady):
            lines.append(f"{name}: reached by no variant in all its seeds (seed: {claim:g}×)")
            continue
        top = steady.loc[steady[column].idxmax()]
        lines.append(
            f"{name}: {len(steady)} variant(s) reach it in all seeds; fastest {top.variant} "
            f"{top[column]:.1f}× (seed: {claim:g}×)"
        )
    return lines
