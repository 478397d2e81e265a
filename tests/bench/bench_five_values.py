"""The seed's open question at one map: a 5-value precursor screening, streamed, timed and weighed.

    python tests/bench/bench_five_values.py --model results/cnn/model.keras --map 46 [--subsample 100000]
    /usr/bin/time -v python tests/bench/bench_five_values.py ...   # the same peak, by the kernel

Screens all 5⁹ = 1 953 125 starts of one map the way the workflow does (streamed grid, dead
starts pruned by one forward pass, successive halving), then checks the halving's selection where
an exhaustive screening is affordable: both on the same random subsample of starts. Prints the
wall time per phase, the peak resident memory (getrusage) and a table last.
"""

import argparse
import logging
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from mnist_dreams.ascent import grids, precursor  # noqa: E402
from mnist_dreams.plumbing import runtime  # noqa: E402
from mnist_dreams.subject import models  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="results/cnn/model.keras")
    ap.add_argument("--training", default=None, help="training.h5 (default: beside the model)")
    ap.add_argument("--map", type=int, default=46)
    ap.add_argument("--values", type=float, nargs="+", default=[0.1, 0.3, 0.5, 0.7, 0.9])
    ap.add_argument("--rungs", type=int, nargs="+", default=[1, 3, 10])
    ap.add_argument("--eta", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--subsample", type=int, default=0, help="starts for the halving-vs-exhaustive check (0: none)")
    ap.add_argument("--subsample-only", action="store_true", help="skip the screening of all starts")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")  # progress lines
    training = args.training or str(Path(args.model).with_name("training.h5"))
    model, mean, std = models.load_cnn(args.model, training)
    grid = grids.Grid(args.values, 3, mean, std)
    kw = dict(test_epochs=args.rungs[-1], top_k=8, step_size=0.01, batch_size=args.batch_size)
    halving = dict(mode="halving", rungs=tuple(args.rungs), eta=args.eta)
    rows = []
    best = "-"
    if not args.subsample_only:
        t0 = time.perf_counter()
        full = precursor.screen(model, [args.map], grid, **kw, **halving)[args.map]
        rows.append(("all starts, halving + prune", len(grid), full["dead"], full["work_fraction"],
                     time.perf_counter() - t0, peak_mb()))  # fmt: skip
        best = f"{full['top_loss'][0]:.4g}"
    recall = "-"
    if args.subsample:
        rng = np.random.default_rng(0)
        sub = grid[np.sort(rng.choice(len(grid), args.subsample, replace=False))]
        t0 = time.perf_counter()
        halv = precursor.screen(model, [args.map], sub, **kw, **halving)[args.map]
        rows.append((f"subsample {args.subsample}, halving + prune", len(sub), halv["dead"], halv["work_fraction"],
                     time.perf_counter() - t0, peak_mb()))  # fmt: skip
        t0 = time.perf_counter()
        exh = precursor.screen(model, [args.map], sub, **kw)[args.map]
        rows.append((f"subsample {args.subsample}, exhaustive + prune", len(sub), exh["dead"], exh["work_fraction"],
                     time.perf_counter() - t0, peak_mb()))  # fmt: skip
        recall = f"{len(set(halv['top_indices']) & set(exh['top_indices']))}/8"
    print(f"\nmap {args.map}, values {args.values}, rungs {args.rungs}, eta {args.eta}; {runtime.cpu_identity()[0]}")
    print(f"best loss {best}; halving top 8 in the exhaustive top 8 (subsample): {recall}")
    print("\n| screening | starts | dead | work fraction | wall s | peak RSS MB so far |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, d, w, s, mb in rows:
        print(f"| {name} | {n} | {d} | {w:.3f} | {s:.0f} | {mb:.0f} |")


if __name__ == "__main__":
    main()
