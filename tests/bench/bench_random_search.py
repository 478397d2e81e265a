"""The random stage both ways, side by side: every random start ascended for oip.epochs (the seed's
way, before issue 26) against one forward pass + a short screen + the full ascent of the top k.

Prints per map: found by the full ascent / found by the forward pass, and whether the picked top k
hold the full ascent's best start (and their best loss against it); then the totals and times.

    python tests/bench/bench_random_search.py --model results/cnn/model.keras \
        --training results/cnn/training.h5 --maps 0-127:8 --count 128 --epochs 1200
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_maps(text):
    """ "0-127:8" → every 8th map of 0..127; "46,56" → those."""
    if "-" in text:
        span, _, step = text.partition(":")
        lo, hi = (int(v) for v in span.split("-"))
        return list(range(lo, hi + 1, int(step or 1)))
    return [int(v) for v in text.split(",")]


def cpu():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def both_ways(model, maps, params, seed, pixel_mean, pixel_std, layer="conv3"):
    """{map: (full, picked)}: (datasets, attrs) of the random stage ascending every start, and picking."""
    from mnist_dreams.ascent import oip

    every = {**params, "random": {**params["random"], "top_k": params["random"]["count"]}}
    t0 = time.perf_counter()
    full = oip.run_maps(model, maps, every, seed, pixel_mean, pixel_std, layer=layer)
    t1 = time.perf_counter()
    picked = oip.run_maps(model, maps, params, seed, pixel_mean, pixel_std, layer=layer)
    t2 = time.perf_counter()
    return {m: (full[m], picked[m]) for m in maps}, t1 - t0, t2 - t1


def main():
    from mnist_dreams.subject import models

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--training", required=True)
    ap.add_argument("--maps", default="0-127:8")
    ap.add_argument("--count", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=1200)
    ap.add_argument("--top-k", type=int, default=8)
    ap.add_argument("--screen-epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    model, mean, std = models.load_cnn(args.model, args.training)
    params = {
        "epochs": args.epochs, "step_size": 0.01, "jitter": 0, "l2": 0.0, "tv": 0.0, "start": "random",
        "random": {"count": args.count, "top_k": args.top_k, "screen_epochs": args.screen_epochs,
                   "cells": [2, 4, 7, 14], "weights": [1.0, 0.5, 0.25, 0.125]},
    }  # fmt: skip
    maps = parse_maps(args.maps)
    results, full_s, picked_s = both_ways(model, maps, params, args.seed, mean, std)
    print(f"CPU: {cpu()}, {os.cpu_count()} cores; {len(maps)} maps, {args.count} starts, {args.epochs} epochs")
    print("| map | found (all ascended) | found (forward pass) | live starts | best start in top k "
          "| best loss picked / all |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    same, holds = 0, 0
    for m, ((full, fa), (picked, pa)) in results.items():
        best = int(full["final_loss"].argmax())
        held = best in list(picked["candidate"]) or full["final_loss"].max() == 0
        ratio = picked["final_loss"].max() / full["final_loss"].max() if full["final_loss"].max() > 0 else float("nan")
        same += fa["found"] == pa["found_at_start"] == pa["found"]
        holds += held
        print(f"| {m} | {fa['found']} | {pa['found_at_start']} | {pa['live_starts']} | {held} | {ratio:.4f} |")
    print(f"\nsplit identical on {same} of {len(maps)} maps; the full ascent's best start picked on {holds}")
    # Any screen length, from the full ascent's own histories (a start's screen is the start of its
    # full ascent): ranking by the loss after e epochs, how often the top k hold the best start, and
    # the best picked final loss over the best final loss (median, worst) over the maps found.
    print("\n| rank by | best start in top k | best picked / best (median) | (worst) |\n|---|---|---|---|")
    for e in (0, 1, 3, 10, 30, 100, 300):
        hits, ratios = 0, []
        for full, _ in (pair[0] for pair in results.values()):
            final = full["final_loss"]
            if final.max() <= 0:
                continue
            by = full["start_loss"] if e == 0 else full["loss_history"][:, e - 1]
            top = np.argsort(-by, kind="stable")[: args.top_k]
            hits += int(final.argmax() in top)
            ratios.append(final[top].max() / final.max())
        label = "start loss" if e == 0 else f"loss after {e} epochs"
        print(f"| {label} | {hits} of {len(ratios)} | {np.median(ratios):.4f} | {min(ratios):.4f} |")
    print(f"all ascended: {full_s:.1f} s; forward pass + screen + top {args.top_k}: {picked_s:.1f} s "
          f"({full_s / picked_s:.1f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
