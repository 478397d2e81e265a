"""Several maps per job: which maps a job computes, read from its output files.

With ``maps_per_job`` > 1 a job computes a chunk of maps in one process (one start-up, one
compilation) and still writes one file per map; a job's maps are those its outputs name
(``.../map_046.h5``), so nothing about the chunking enters a job's params and a change of
``maps_per_job`` reruns nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

MAP_FILE = re.compile(r"^map_(\d{3})\b")


def maps_in(paths):
    """The conv3 map of every path, in order (``results/oip/map_046.random.h5`` → 46)."""
    maps = []
    for path in paths:
        match = MAP_FILE.match(Path(path).name)
        if match is None:
            raise ValueError(f"{path}: not a per-map file (map_NNN...)")
        maps.append(int(match.group(1)))
    return maps


# maps_per_job: auto. Two jobs per core keep every core busy while the last jobs finish (jobs are
# single-threaded, and one job's start-up overlaps another's compute); a chunk stays at most
# AUTO_CAP maps, so that a killed job loses little and figures appear while the layer runs. The
# paper run on 2 cores: 128 maps in 4 jobs of 32 per per-map step, instead of 128 jobs of ~6 s
# start-up each; tiny (2 maps) and one-map targets keep one job per map.
JOBS_PER_CORE = 2
AUTO_CAP = 32


def auto_size(n_maps, cores):
    """``maps_per_job: auto``: maps per job for ``n_maps`` maps on ``cores`` cores (None: a cluster,
    where every job gets its own node and the profile's groups pack per-map jobs: one map per job).
    """
    if not cores or n_maps < 1:
        return 1
    return max(1, min(AUTO_CAP, -(-n_maps // (JOBS_PER_CORE * int(cores)))))


def resolve(setting, n_maps, cores):
    """``maps_per_job`` as a number: ``setting`` itself, or ``auto_size`` for "auto"."""
    return auto_size(n_maps, cores) if setting == "auto" else int(setting)


def split(items, size):
    """``items`` in consecutive chunks of ``size`` (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"maps_per_job must be at least 1, got {size}")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
