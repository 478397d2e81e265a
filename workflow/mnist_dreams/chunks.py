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


def split(items, size):
    """``items`` in consecutive chunks of ``size`` (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"maps_per_job must be at least 1, got {size}")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
