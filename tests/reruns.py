"""Incremental equals fresh (issue 20): a finished run switched to config B, then ``snakemake``,
must hold what a fresh run with B holds; a speed-only knob or another machine (cores, profile) must
plan no job; a one-map target after a knob change writes that map's files only; a run on one core
equals one on two; every step is forced and stopped by its one rule name (issue 36).

The independent path is the comparison: every HDF5 dataset and the summary of the switched run
against a run of B from scratch in another folder, read back from the files alone. Fresh tiny runs
are bit-for-bit repeatable on one machine except their clocks (``TIMING``), so the comparison is
exact. ``python tests/reruns.py`` (``make check-reruns``) runs the full list of switches and prints
a table; tests/workflow/test_workflow_switches.py runs the ones CI can afford.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import job_stats, snakemake, workflow_copy  # noqa: E402

BASE = ("--configfile", "config/tiny.yaml", "switch.yaml")
# Datasets and summary rows that are clocks, not results: they differ between any two runs.
TIMING = {"wall_time", "fit_time_s", "silhouette_time_s"}
TIMING_UNITS = {"s", "×"}

TWO_STAGE = {"oip": {"start": "two_stage", "random": {"count": 8}}}  # issue 20's command
HALVING = {"precursor": {"mode": "halving", "halving": {"rungs": [1, 3], "eta": 4}}}  # tiny: 3 epochs
PIXELS = {"clusters": {"space": "pixels"}}
PER_IMAGE = {"clusters": {"space": "pixels"}, "precursor": {"standardize": "per_image"}}
MAPS = {**PER_IMAGE, "maps": [56, 81]}
# The chain of configs; each consecutive pair is one switch (a key or a mode), the run carried on.
CHAIN = [
    ("oip.start precursor", {}),
    ("oip.start two_stage", TWO_STAGE),
    ("oip.start random", {"oip": {"start": "random", "random": {"count": 8}}}),
    ("oip.start precursor", {}),
    ("oip.epochs 40", {"oip": {"epochs": 40}}),
    ("precursor.mode halving", HALVING),
    ("precursor.mode exhaustive", {}),
    ("maps_per_job 2", {"maps_per_job": 2}),
    ("maps_per_job 1", {}),
    ("clusters.space pixels", PIXELS),
    ("precursor.standardize per_image", PER_IMAGE),
    ("maps [56, 81]", MAPS),
]
CI_CHAIN = CHAIN[:2] + [CHAIN[3]]  # precursor → two_stage → precursor: one fresh run beside tiny's
# Knobs that change no result, and the machine a run meets (cores, executor, profile): on a finished
# run each must plan no job (extra snakemake args; the dry run itself gives no --cores).
SPEED_ONLY = {
    "precursor.batch_size 7": ({"precursor": {"batch_size": 7}},),
    "gpu.jobs_per_device 4": ({"gpu": {"jobs_per_device": 4}},),
    "--set-threads precursor=2 oip=2": ({}, "--set-threads", "precursor=2", "oip=2"),
    "cache_dir null": ({"cache_dir": None},),
    "no --cores": ({},),
    "--cores 1": ({}, "--cores", "1"),
    "--cores 16": ({}, "--cores", "16"),
    "--jobs 64": ({}, "--jobs", "64"),
    "--profile profiles/gpu": ({}, "--profile", "profiles/gpu"),
    "--profile profiles/slurm": ({}, "--profile", "profiles/slurm"),
}


@dataclass
class Outcome:
    switch: str
    planned: dict
    compared: int = 0
    differences: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.differences

    def row(self):
        jobs = ", ".join(f"{rule} {n}" for rule, n in sorted(self.planned.items())) or "none"
        verdict = "equal" if self.ok else "DIFFERENT: " + "; ".join(self.differences[:3])
        return f"| {self.switch} | {jobs} | {self.compared} | {verdict} |"


def run(workdir, overrides, *args, cores="2"):
    """``snakemake`` in ``workdir`` with tiny.yaml + ``overrides``; returns {rule: jobs} it ran."""
    (Path(workdir) / "switch.yaml").write_text(yaml.safe_dump(overrides or {}))
    proc = snakemake(workdir, "--cores", cores, *args, *BASE)
    out = proc.stdout + proc.stderr  # a real run logs its plan to stderr
    return job_stats(out) if "Job stats" in out else {}


def planned(workdir, overrides, *args):
    """{rule: jobs} a dry run with tiny.yaml + ``overrides`` plans in a finished ``workdir``."""
    (Path(workdir) / "switch.yaml").write_text(yaml.safe_dump(overrides or {}))
    out = snakemake(workdir, "-n", *args, *BASE).stdout
    return job_stats(out) if "Job stats" in out else {}


class FreshRuns:
    """Runs from scratch, one per config, made once and kept under ``root``."""

    def __init__(self, root, source=None, known=None):
        self.root, self.source, self.runs = Path(root), source, dict(known or {})

    def __call__(self, overrides):
        key = json.dumps(overrides, sort_keys=True)
        if key not in self.runs:
            work = workflow_copy(self.root / f"fresh{len(self.runs)}", source=self.source)
            run(work, overrides)
            self.runs[key] = work
        return self.runs[key]


def _datasets(path):
    with h5py.File(path, "r") as f:
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        return {name: f[name][()] for name in names if name.split("/")[-1] not in TIMING}


def _equal(a, b):
    """Bit for bit, NaN equal to NaN (halving marks pruned grids NaN)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _summary_rows(path):
    import pandas as pd

    table = pd.read_csv(path, sep="\t", keep_default_na=False)
    return table[~table["unit"].isin(TIMING_UNITS)].to_dict("records")


def compare(fresh, switched):
    """Differences between the fresh run's results and the switched run's: (files compared, [text])."""
    fresh, switched = Path(fresh), Path(switched)
    diffs, files = [], sorted(fresh.glob("results/**/*.h5")) + sorted(fresh.glob("resources/*.h5"))
    for path in files:
        rel = path.relative_to(fresh)
        if not (switched / rel).exists():
            diffs.append(f"{rel} missing")
            continue
        a, b = _datasets(path), _datasets(switched / rel)
        if a.keys() != b.keys():
            diffs.append(f"{rel}: datasets {sorted(a.keys() ^ b.keys())}")
        for name in sorted(a.keys() & b.keys()):
            if not _equal(a[name], b[name]):
                diffs.append(f"{rel}:{name} differs")
    for table in ("results/summary.tsv", "results/oip/summary.tsv"):
        if (fresh / table).exists():
            files.append(table)
            if not (switched / table).exists() or _summary_or_all(fresh / table) != _summary_or_all(switched / table):
                diffs.append(f"{table} differs")
    return len(files), diffs


def _summary_or_all(path):
    import pandas as pd

    if path.parent.name == "results":
        return _summary_rows(path)
    return pd.read_csv(path, sep="\t", keep_default_na=False).to_dict("records")


def chain(work, fresh, configs):
    """Switch ``work`` (a finished run of configs[0]) through ``configs``; an Outcome per switch."""
    outcomes = []
    for name, overrides in configs[1:]:
        t0 = time.perf_counter()
        ran = run(work, overrides)
        compared, diffs = compare(fresh(overrides), work)
        outcome = Outcome(name, ran, compared, diffs)
        print(f"{outcome.row()}  ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    return outcomes


def speed_only(work, knobs=SPEED_ONLY):
    """On ``work``, finished with tiny.yaml alone: every knob's dry run must plan nothing."""
    return [Outcome(name, planned(work, *spec)) for name, spec in knobs.items()]


def _stamps(work):
    """{path: (mtime, size)} of every file under results/ and resources/ of ``work``."""
    files = [p for top in ("results", "resources") for p in (Path(work) / top).rglob("*") if p.is_file()]
    return {str(p.relative_to(work)): (p.stat().st_mtime_ns, p.stat().st_size) for p in files}


def one_map(root, fresh):
    """A finished run whose maps share one chunk (maps_per_job 2: map_046-056), then one map's OIP
    after a knob change: only that map's files are written, equal to the map in a fresh run of the
    new config (where it is a chunk of its own)."""
    work = Path(root) / "one_map"
    shutil.copytree(fresh({}), work, symlinks=True)
    run(work, {"maps_per_job": 2})
    for single in (p for m in ("046", "056") for p in (work / "results").glob(f"*/map_{m}.*")):
        single.unlink()  # the tiny run's chunks of one: now only the finished chunked run is left
    before = _stamps(work)
    changed = {"maps_per_job": 2, "oip": {"epochs": 40}}
    ran = run(work, changed, "results/oip/map_056.h5")
    after = _stamps(work)
    written = sorted(p for p in after if before.get(p) != after[p])
    expected = ["results/oip/map_056.h5", "results/precursor/map_056.h5"]  # a chunk of one: its own screening
    diffs = [] if written == expected else [f"wrote {written}"]
    a, b = (_datasets(w / "results/oip/map_056.h5") for w in (fresh({"oip": {"epochs": 40}}), work))
    diffs += [f"map_056.h5:{k} differs" for k in sorted(a) if k not in b or not _equal(a[k], b[k])]
    return Outcome("map_056 after oip.epochs 40, chunk 046-056 finished", ran, len(a), diffs)


def on_one_core(root, fresh):
    """The two-core run's files made again on one core hold the same, and a one-core run plans nothing
    on 2 or 16 cores. The CNN is the two-core run's: its job declares two threads, which --cores 1
    caps to one, and TensorFlow trains a slightly different CNN on one thread (measured: every result
    downstream then differs); every other job declares what one core gives it."""
    work = Path(root) / "one_core"
    shutil.copytree(fresh({}), work, symlinks=True)
    for path in (work / "results").iterdir():
        if path.name != "cnn":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    ran = run(work, {}, cores="1")
    compared, diffs = compare(fresh({}), work)
    for cores in ("2", "16"):
        if planned(work, {}, "--cores", cores):
            diffs.append(f"--cores {cores} plans jobs")
    return Outcome("--cores 1 (the CNN kept), then 2 and 16", ran, compared, diffs)


def forced(work):
    """--forcerun X --until X plans exactly X's jobs, for every rule of the default target, and
    --forcerun X plans X and what reads it, never what it reads."""
    every = planned(work, {}, "--forceall")
    every.pop("all", None)
    outcomes = []
    for rule, count in sorted(every.items()):
        only = planned(work, {}, "--forcerun", rule, "--until", rule)
        down = planned(work, {}, "--forcerun", rule)
        diffs = [] if only == {rule: count} else [f"--until plans {only}"]
        if down.get(rule) != count or (rule != "mnist" and "mnist" in down):
            diffs.append(f"--forcerun plans {down}")
        outcomes.append(Outcome(f"--forcerun/--until {rule}", only, count, diffs))
    return outcomes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("check-reruns"), help="scratch folder (replaced)")
    parser.add_argument("--workflow", type=Path, default=None, help="workflow to check (default: this checkout)")
    parser.add_argument("--ci", action="store_true", help="only the switches CI runs")
    parser.add_argument("--only", nargs="+", metavar="WORD", help="only switches whose name has a WORD")
    args = parser.parse_args(argv)
    shutil.rmtree(args.workdir, ignore_errors=True)
    # one snapshot of the code for every run: an edit made meanwhile would change the code hashes
    fresh = FreshRuns(args.workdir, workflow_copy(args.workdir / "source", source=args.workflow))
    configs = CI_CHAIN if args.ci else CHAIN
    if args.only:  # from the first config straight to each chosen one, and back
        chosen = [c for c in CHAIN[1:] if any(word in c[0] for word in args.only)]
        configs = [CHAIN[0]] + [step for c in chosen for step in (c, CHAIN[0])]
    work = args.workdir / "switched"
    shutil.copytree(fresh(configs[0][1]), work, symlinks=True)
    outcomes = chain(work, fresh, configs)
    knobs = speed_only(fresh({}))
    extra = [] if args.ci or args.only else [one_map(args.workdir, fresh), on_one_core(args.workdir, fresh)]
    steps = [] if args.ci or args.only else forced(fresh({}))
    print(f"\nIncremental vs fresh, tiny preset, starting from {configs[0][0]}:\n")
    print("| switch to | jobs it ran | files compared | result |\n|---|---|---|---|")
    for outcome in outcomes:
        print(outcome.row())
    print("\nSpeed-only knobs and other machines on a finished run (dry run must plan nothing):\n")
    print("| knob | jobs planned | | |\n|---|---|---|---|")
    for outcome in knobs:
        if outcome.planned:
            outcome.differences.append("plans jobs")
        print(outcome.row().replace("| 0 | equal |", "| | |"))
    print("\nOne map after a knob change; one core; each step by its one name:\n")
    print("| check | jobs | files or jobs compared | result |\n|---|---|---|---|")
    for outcome in extra + steps:
        print(outcome.row())
    every = outcomes + knobs + extra + steps
    failed = [o.switch for o in every if not o.ok]
    passed = len(every) - len(failed)
    print(f"\n{passed} passed, {len(failed)} failed" + (f": {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
