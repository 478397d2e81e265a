"""What this machine can hold: free memory and disk against what a run needs, before any job.

A job that runs out of memory or disk fails after Snakemake removed the outputs it was to replace,
so a run checks first (``make paper`` with the paper run's measured numbers, every other run in the
Snakefile's ``onstart`` with ``disk_need_gib``'s estimate) and stops with the number it needs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MEMINFO = "/proc/meminfo"
# Measured (docs/measurements.md, the paper run): one job peaks below 1.8 GB; results/ hold ~0.6 MB
# per map besides its dream, ~0.2 GB besides the maps. A dream file at the paper's dream.size 560:
# 0.92 MB (its last blurry dream, gzip behind the byte shuffle; 1.1 MB without the shuffle, 11 MB while
# it kept every stage and the photo, before v0.2.0).
JOB_MEMORY_GIB = 2.0
DREAM_MB_AT_560 = 1.0
MAP_MB = 0.6
FIXED_GIB = 0.2


class PreflightError(RuntimeError):
    """The machine cannot hold the run; the message names the number it needs."""


def available_memory_gib():
    """MemAvailable in GiB (None where /proc/meminfo does not exist, e.g. macOS: not checked)."""
    path = Path(MEMINFO)
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return None


def disk_need_gib(n_maps, dream_size):
    """Free disk a run's results need: its maps' files (the dreams grow with dream.size²) and the rest."""
    per_map_mb = MAP_MB + DREAM_MB_AT_560 * (dream_size / 560) ** 2
    return FIXED_GIB + n_maps * per_map_mb / 1024


def preflight(workdir=".", need_memory=JOB_MEMORY_GIB, need_disk=1.0, memory=None, disk=None, what="this run",
              memory_why="a job peaks near 2 GB", disk_why="its results"):  # fmt: skip
    """Raise PreflightError when free memory or disk is below what ``what`` needs."""
    memory = available_memory_gib() if memory is None else memory
    if memory is not None and memory < need_memory:
        raise PreflightError(
            f"{what} needs {need_memory:.2g} GiB of free memory ({memory_why}); this machine has {memory:.1f} GiB "
            "available: close other programs, or run it on a larger machine"
        )
    disk = shutil.disk_usage(workdir).free / 2**30 if disk is None else disk
    if disk < need_disk:
        raise PreflightError(
            f"{what} needs {need_disk:.2g} GiB of free disk in {Path(workdir).resolve()} ({disk_why}); "
            f"{disk:.1f} GiB are free: free some, or run it elsewhere"
        )
