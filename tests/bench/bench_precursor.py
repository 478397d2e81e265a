"""Precursor throughput (image·epochs/s), selection identity, halving recall and per-job overhead.

    python tests/bench/bench_precursor.py [--model results/cnn/model.keras] [--maps 46 56]
    KERAS_BACKEND=jax python tests/bench/bench_precursor.py ...

Baseline = the plain Keras loop of the issue: a tf.function over one GradientTape ascent step on
the full conv3 output, called once per epoch from Python, batch 512. Prints a table last.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_dreams.ascent import grids, precursor  # noqa: E402
from mnist_dreams.ascent.engine import driver  # noqa: E402
from mnist_dreams.plumbing import backend, store  # noqa: E402
from mnist_dreams.subject import models  # noqa: E402

OVERHEAD = """
import time, sys; t0 = time.perf_counter()
sys.path.insert(0, {wf!r})
import numpy as np
from mnist_dreams.ascent.engine import driver
from mnist_dreams.subject import models
model = models.load_model({model!r})
asc = driver.map_ascent(model, "conv3", 0.01, 10)
asc(np.zeros((512, 28, 28, 1), np.float32), 56)
print(time.perf_counter() - t0)
"""


def plain_keras_loop(model, starts, map_index, epochs, batch_size=512, step=0.01):
    import tensorflow as tf

    feature = backend.feature_model(model, "conv3")

    @tf.function
    def ascent_step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_mean(feature(x)[..., map_index], axis=[1, 2])
        g = tape.gradient(loss, x)
        g /= tf.sqrt(tf.reduce_mean(tf.square(g), axis=[1, 2, 3], keepdims=True)) + 1e-5
        return x + step * g, loss

    losses = np.empty(len(starts), np.float32)
    for lo in range(0, len(starts), batch_size):
        x = tf.constant(starts[lo : lo + batch_size])
        for _ in range(epochs):
            x, _ = ascent_step(x)
        losses[lo : lo + batch_size] = tf.reduce_mean(feature(x)[..., map_index], axis=[1, 2]).numpy()
    return losses


def ours(model, starts, map_index, epochs, batch_size, prune=False, **kw):
    """precursor.screen on one map; without the prune, to time the ascent itself."""
    return precursor.screen(model, [map_index], starts, epochs, 8, 0.01, batch_size, prune=prune, **kw)[map_index]


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(ROOT / "results/cnn/model.keras"))
    ap.add_argument("--training", default=str(ROOT / "results/cnn/training.h5"))
    ap.add_argument("--maps", type=int, nargs="+", default=[46, 56])
    ap.add_argument("--patterns", type=int, default=4096, help="patterns for throughput runs")
    ap.add_argument("--batches", type=int, nargs="+", default=[512, 2048, 4096])
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    backend.set_precision("float32")
    model = models.load_model(args.model)
    _, attrs = store.read_h5(args.training)
    starts = grids.grid_patterns([0.2, 0.5, 0.8], 3, attrs["pixel_mean"], attrs["pixel_std"])
    sub = starts[np.linspace(0, len(starts) - 1, args.patterns).astype(int)]
    rows = []
    work = len(sub) * args.epochs
    if backend.name() == "tensorflow":
        plain_keras_loop(model, sub[:512], args.maps[0], 2)  # compile
        _, t = timed(plain_keras_loop, model, sub, args.maps[0], args.epochs)
        rows.append(("plain Keras loop, batch 512", work / t))
    for bs in args.batches:
        ours(model, sub[:bs], args.maps[0], args.epochs, bs)  # compile
        _, t = timed(ours, model, sub, args.maps[0], args.epochs, bs)
        rows.append((f"screen(), batch {bs}", work / t))
    best_bs = max(args.batches, key=lambda b: dict(rows).get(f"screen(), batch {b}", 0))
    # as the workflow screens: the exact prune records each dead start (activation exactly 0: it never
    # moves) instead of ascending it, so the same top-8 from less work; the rate counts every grid's epochs
    pruned, t = timed(ours, model, sub, args.maps[0], args.epochs, best_bs, prune=True)
    rows.append((f"screen(), batch {best_bs}, exact prune", work / t))
    checks = []
    for m in args.maps:
        full = ours(model, starts, m, args.epochs, best_bs)
        halv = ours(model, starts, m, args.epochs, best_bs, mode="halving", rungs=(1, 3, args.epochs), eta=4)
        same = "n/a"
        if backend.name() == "tensorflow":
            ref = plain_keras_loop(model, starts, m, args.epochs)
            same = bool(np.array_equal(driver.top(ref, 8), full["top_indices"]))
        recall = len(set(full["top_indices"]) & set(halv["top_indices"]))
        checks.append((m, full["image_epochs"] / full["seconds"], same, recall, halv["work_fraction"]))
    overhead = subprocess.run(
        [sys.executable, "-c", OVERHEAD.format(wf=str(ROOT / "workflow"), model=args.model)],
        capture_output=True,
        text=True,
    )
    print(f"\nbackend {backend.name()}, {len(sub)} patterns × {args.epochs} epochs for throughput")
    plain = dict(rows).get("plain Keras loop, batch 512")
    print(f"{'variant':40s} {'image·epochs/s':>15s} {'÷ plain':>8s}")
    for label, rate in rows:
        print(f"{label:40s} {rate:15.0f} {rate / plain if plain else float('nan'):8.2f}")
    unpruned = ours(model, sub, args.maps[0], args.epochs, best_bs)["top_indices"]
    same_top = bool(np.array_equal(pruned["top_indices"], unpruned))
    print(f"map {args.maps[0]}: {pruned['dead']} of {len(sub)} starts dead (pruned); top-8 as unpruned: {same_top}")
    print(f"\n{'map':>4s} {'full 19683 img·ep/s':>20s} {'top-8 = plain':>14s} {'halving recall':>15s} {'work':>6s}")
    for m, rate, same, recall, frac in checks:
        print(f"{m:4d} {rate:20.0f} {str(same):>14s} {recall:>13d}/8 {frac:6.1%}")
    seconds = overhead.stdout.strip() or overhead.stderr[-500:]
    print(f"\nper-job overhead (process start → first ascent step done): {seconds} s")


if __name__ == "__main__":
    main()
