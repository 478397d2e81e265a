"""Incremental equals fresh (issue 20): a finished run switched to config B, then ``snakemake``,
must hold what a fresh run with B holds, and a speed-only knob must plan no job.

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
# Knobs that change no result: on a finished run each must plan no job (extra snakemake args).
SPEED_ONLY = {
    "precursor.batch_size 7": ({"precursor": {"batch_size": 7}},),
    "gpu.jobs_per_device 4": ({"gpu": {"jobs_per_device": 4}},),
    "--set-threads precursor=2 oip=2": ({}, "--set-threads", "precursor=2", "oip=2"),
    "cache_dir null": ({"cache_dir": None},),
    "maps_per_job 2": ({"maps_per_job": 2},),
}
# The one speed-only knob that plans jobs, by design: Snakemake compares each output's recorded input
# list, and a chunk's OIP job reads all its maps' screenings, so the precursor-started OIPs rerun (to
# identical files: the chain above shows it) and what reads them; a chunk's dream figures read all
# its maps' dreams, so they are drawn again (from the same files). No other rule may be planned.
PLANS_BY_DESIGN = {"maps_per_job 2": ("oip", "summary", "dream_figure", "map_pages")}


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
    print(f"\nIncremental vs fresh, tiny preset, starting from {configs[0][0]}:\n")
    print("| switch to | jobs it ran | files compared | result |\n|---|---|---|---|")
    for outcome in outcomes:
        print(outcome.row())
    print("\nSpeed-only knobs on a finished run (dry run must plan nothing):\n")
    print("| knob | jobs planned | | |\n|---|---|---|---|")
    for outcome in knobs:
        allowed = PLANS_BY_DESIGN.get(outcome.switch, ())
        if any(not rule.startswith(allowed) or not allowed for rule in outcome.planned):
            outcome.differences.append("plans jobs")
        print(
            outcome.row().replace(
                "| 0 | equal |", "| | by design: OIP chunks read all their maps' screenings |" if allowed else "| | |"
            )
        )
    failed = [o.switch for o in outcomes + knobs if not o.ok]
    passed = len(outcomes) + len(knobs) - len(failed)
    print(f"\n{passed} passed, {len(failed)} failed" + (f": {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
