"""``make paper``: the full reproduction in one command — checks first, then snakemake.

Before any job: enough free memory and disk for the paper preset (numbers measured on its run),
so a short machine stops at once with the number it needs, not after an hour. Then the plain
``snakemake --cores N --configfile config/paper.yaml`` runs in this process's place: the workflow
prints its own ETA before the first job and its progress after each (``mnist_dreams.plan``), as
for every run. A second ``make paper`` plans nothing.

    python -m mnist_dreams.plumbing.paper_run --cores 2 [snakemake args...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import machine
from .machine import PreflightError  # noqa: F401 - make paper's error, raised by preflight

# Measured on the paper run (docs/measurements.md, "The paper run, per stage"): peak RSS of two jobs side by side
# with margin, and results/ + .snakemake/ with margin.
NEED_MEMORY_GIB = 4.0
NEED_DISK_GIB = 4.0


def preflight(workdir=".", memory=None, disk=None):
    """Raise PreflightError when free memory or disk is below what the paper run needs."""
    machine.preflight(
        workdir, NEED_MEMORY_GIB, NEED_DISK_GIB, memory, disk, what="make paper",
        memory_why="two jobs side by side peak near 2 GB each",
        disk_why="results/ of the paper run: ~0.25 GB, half of it the 128 dreams (1.5 GB before v0.2.0)",
    )  # fmt: skip


def command(snakemake, cores, extra):
    """The snakemake call of the paper preset; targets (``extra``) first: Snakemake reads every word
    after --configfile as a file."""
    return [snakemake, *extra, "--cores", cores, "--configfile", "config/paper.yaml"]


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
    cmd = command(args.snakemake, args.cores, extra)
    print("make paper: " + " ".join(cmd), flush=True)
    os.execv(cmd[0], cmd)  # snakemake's own exit status and signals, no pipe in between


if __name__ == "__main__":
    sys.exit(main())
