"""``make paper``: the full reproduction in one command — checks first, then snakemake with a
whole-run progress line.

Before any job: enough free memory and disk for the paper preset (numbers measured on its run),
so a short machine stops at once with the number it needs, not after an hour. Then the plain
``snakemake --cores N --configfile config/paper.yaml`` runs, its console passed through; after each
finished job one line says jobs done / planned, the elapsed time and an ETA from the planned work:
each rule's jobs weigh what that rule took in the measured paper run (``WORK_S``), so the ETA
does not assume a figure job costs what a KMeans fit does. A second ``make paper`` plans nothing.

    python -m mnist_dreams.plumbing.paper_run --cores 2 [snakemake args...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from . import chunks, machine
from .machine import PreflightError  # noqa: F401 - make paper's error, raised by preflight
from .progress import _duration

# Measured on the paper run (docs/measurements.md, "The paper run, per stage"): peak RSS of two jobs side by side
# with margin, and results/ + .snakemake/ with margin.
NEED_MEMORY_GIB = 4.0
NEED_DISK_GIB = 4.0

# The ETA's weights, seconds on 2 cores (the paper run's benchmarks/): a whole job of a rule, or per
# map for the per-map rules, whose jobs (a chunk of the paper's 128 maps each) pay START_S once.
JOB_S = {"cnn": 270, "kmeans": 65, "silhouettes": 90, "mlp_reference": 300, "mlp_clustered": 140,
         "rescue": 350, "data_starts": 60, "precursor": 8, "oip_precursor": 10, "deepdream": 10}  # fmt: skip
PER_MAP_S = {"oip_random": 2.4, "dream": 0.7, "oip_figure": 0.3, "dream_figure": 0.4, "oip": 0.02}
START_S = 5.0
PAPER_MAPS_PER_JOB = chunks.size("auto", 128)
# Wall seconds per second of planned work before the run has shown its own pace: the measured paper
# run's wall ÷ its jobs' seconds (two jobs side by side). It counts as PRIOR_S seconds of finished
# work, so the first short jobs (the download: 5 s of weight, 13 s of wall with Snakemake's start)
# do not make a 2-hour ETA; after a few minutes the run's own pace rules.
WALL_PER_WORK = 0.7
PRIOR_S = 600.0

STATS_ROW = re.compile(r"^(\w+)\s+(\d+)\s*$")
FINISHED = re.compile(r"Finished job(?:id)?:? ?(\d+)? ?\(?Rule:? (\w+)\)?")
STEPS = re.compile(r"^(\d+) of (\d+) steps")


def preflight(workdir=".", memory=None, disk=None):
    """Raise PreflightError when free memory or disk is below what the paper run needs."""
    machine.preflight(
        workdir, NEED_MEMORY_GIB, NEED_DISK_GIB, memory, disk, what="make paper",
        memory_why="two jobs side by side peak near 2 GB each",
        disk_why="results/ of the paper run: ~0.25 GB, half of it the 128 dreams (1.5 GB before v0.2.0)",
    )  # fmt: skip


def weight(rule, maps=PAPER_MAPS_PER_JOB):
    """A job's planned work in seconds, by its rule (a per-map rule's job: its chunk of ``maps`` maps)."""
    if rule in PER_MAP_S:
        return START_S + PER_MAP_S[rule] * maps
    return JOB_S.get(rule, START_S)


class Tracker:
    """Jobs planned (from snakemake's "Job stats" table) and done, and the ETA from their weights."""

    def __init__(self, clock=time.monotonic):
        self.clock, self.start = clock, clock()
        self.planned, self.done, self.in_stats, self.total = {}, {}, False, 0

    def feed(self, line):
        """Read one console line; returns a progress line after a finished job, else None."""
        text = line.strip()
        if text.startswith("Job stats:"):
            self.in_stats = True
            return None
        if self.in_stats:
            match = STATS_ROW.match(text)
            if match and match.group(1) not in ("total", "job"):
                self.planned[match.group(1)] = max(self.planned.get(match.group(1), 0), int(match.group(2)))
            elif match and match.group(1) == "total" or (not text and self.planned):
                self.in_stats = False
            return None
        steps = STEPS.match(text)
        if steps:
            self.total = int(steps.group(2))
        finished = FINISHED.search(text)
        if finished:
            rule = finished.group(2)
            self.done[rule] = self.done.get(rule, 0) + 1
            return self.line()
        return None

    def line(self):
        elapsed = self.clock() - self.start
        done_w = sum(weight(r) * n for r, n in self.done.items())
        left_w = sum(weight(r) * max(0, n - self.done.get(r, 0)) for r, n in self.planned.items())
        eta = left_w * (elapsed + PRIOR_S * WALL_PER_WORK) / (done_w + PRIOR_S)
        n_done = sum(self.done.values())
        planned = max(self.total, sum(self.planned.values()), n_done)
        return (
            f"[paper] {n_done}/{planned} jobs · elapsed {_duration(elapsed)} · ETA {_duration(eta)} (by planned work)"
        )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cores", default="all")
    ap.add_argument("--snakemake", default=str(Path(sys.executable).with_name("snakemake")))
    args, extra = ap.parse_known_args(argv)
    try:
        preflight()
    except PreflightError as err:
        print(f"make paper: {err}", file=sys.stderr)
        return 2
    # targets (extra) first: Snakemake reads every word after --configfile as a file
    cmd = [args.snakemake, *extra, "--cores", args.cores, "--configfile", "config/paper.yaml"]
    print("[paper] " + " ".join(cmd), flush=True)
    tracker = Tracker()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            progress = tracker.feed(line)
            if progress:
                print(progress, flush=True)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
