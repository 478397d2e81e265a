"""Two finished runs' results, compared value by value: every HDF5 dataset to the bit, every TSV
cell but the timings, every PNG's pixels. For a change that must not change what a run computes
(a refactor: "same outputs bit for bit").

    python tests/bench/compare_runs.py /path/to/run_before /path/to/run_after

Prints one line per file that differs and a count per kind; exits 1 when any value differs.
Attributes are compared too, but only reported (they hold hosts, versions, seconds and code hashes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from PIL import Image

# TSV columns and HDF5 datasets that hold wall or CPU times, not results
TIMING = ("seconds", "_s", "time", "wall", "elapsed", "kmeans_seconds")
# figures that print or plot a wall time (the CNN's title, the sweep's fit times, the MLPs' time axis)
TIMED_FIGURES = ("cnn/training.png", "clusters/sweep.png", "mlp/comparison.png")
VOLATILE_ATTRS = ("created", "host", "versions", "seconds", "code", "cpu", "precursor_seconds", "maps_in_job")


def timing(name):
    return name.startswith("s_") or any(t in name for t in TIMING)


def h5_datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        attrs = {}
        f.visititems(lambda name, obj: attrs.update({f"{name}@{k}": v for k, v in obj.attrs.items()}))
        attrs.update({f"@{k}": v for k, v in f.attrs.items()})
    return out, attrs


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare_h5(a, b):
    (da, aa), (db, ab) = h5_datasets(a), h5_datasets(b)
    bad = [
        k for k in sorted(set(da) | set(db)) if not timing(k) and (k not in da or k not in db or not same(da[k], db[k]))
    ]
    attrs = [
        k
        for k in sorted(set(aa) | set(ab))
        if not any(v in k for v in VOLATILE_ATTRS) and str(aa.get(k)) != str(ab.get(k))
    ]
    return bad, attrs


def compare_tsv(a, b):
    ta, tb = pd.read_csv(a, sep="\t", dtype=str), pd.read_csv(b, sep="\t", dtype=str)
    if list(ta.columns) != list(tb.columns) or len(ta) != len(tb):
        return ["columns or rows"], []
    keep = [c for c in ta.columns if not timing(str(c))]
    rows = ta[keep].fillna("") != tb[keep].fillna("")
    timed = ta[ta.columns[0]].astype(str).map(timing)  # a table of one row per metric: its timing rows
    rows = rows[~timed]
    return [c for c in keep if rows[c].any()], []


def compare_png(a, b):
    if any(str(a).endswith(t) for t in TIMED_FIGURES):
        return [], []  # its pixels hold a time
    pa, pb = np.asarray(Image.open(a)), np.asarray(Image.open(b))
    return ([] if pa.shape == pb.shape and np.array_equal(pa, pb) else ["pixels"]), []


KINDS = {".h5": compare_h5, ".tsv": compare_tsv, ".png": compare_png}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", type=Path)
    p.add_argument("after", type=Path)
    args = p.parse_args(argv)
    ra, rb = args.before / "results", args.after / "results"
    files_a = {f.relative_to(ra) for f in ra.rglob("*") if f.suffix in KINDS}
    files_b = {f.relative_to(rb) for f in rb.rglob("*") if f.suffix in KINDS}
    counts, failed = {k: [0, 0] for k in KINDS}, False
    for rel in sorted(files_a ^ files_b):
        print(f"only in {'before' if rel in files_a else 'after'}: {rel}")
        failed = True
    for rel in sorted(files_a & files_b):
        bad, attrs = KINDS[rel.suffix](ra / rel, rb / rel)
        counts[rel.suffix][0 if not bad else 1] += 1
        if bad:
            failed = True
            print(f"DIFFERS {rel}: {', '.join(map(str, bad[:8]))}")
        if attrs:
            print(f"  attrs of {rel}: {', '.join(attrs[:8])}")
    print("\n| kind | equal | differ |\n|---|---|---|")
    for kind, (eq, ne) in counts.items():
        print(f"| {kind} | {eq} | {ne} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
