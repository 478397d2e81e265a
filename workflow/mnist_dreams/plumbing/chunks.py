"""Chunks: which maps one per-map job computes, named by its maps, decided by the config alone.

A per-map step (precursor, OIP, dream and their figures) runs one job per *chunk* and writes one
file per chunk: ``map_056.h5`` holds map 56 alone, ``map_046-056.h5`` the configured maps 46 to
56. A run's chunks are its configured maps in order, ``maps_per_job`` at a time; ``auto`` is a
quarter of them, at most ``AUTO_CAP``. Nothing about the machine (cores, a cluster, a GPU) enters,
so a finished run plans nothing on another machine, and the rules keep one name each
(docs/chunks.md). Any single map of the layer is a chunk of its own: ``results/oip/map_056.h5``
computes map 56 alone, whatever the run's chunks are.
"""

from __future__ import annotations

import re

# maps_per_job: auto. Four jobs per per-map step: both cores of a 2-core laptop stay busy while the
# last jobs finish (jobs are single-threaded, one job's start-up overlaps another's compute); a
# chunk holds at most AUTO_CAP maps, so that a killed job loses little and figures appear while the
# layer runs. The paper run: 128 maps in 4 jobs of 32 per step, instead of 128 jobs of ~6 s
# start-up each; tiny (2 maps): one job per map; the default preset's 5 maps: 3 jobs.
AUTO_JOBS = 4
AUTO_CAP = 32
NAME = re.compile(r"^(\d{3})(?:-(\d{3}))?$")
WILDCARD = r"\d{3}(-\d{3})?"  # the {maps} wildcard of the per-map rules, as NAME matches it


class ChunkError(ValueError):
    """A chunk name that names no chunk of the run (the message says which ones exist)."""


def size(setting, n_maps):
    """``maps_per_job`` as a number: ``setting`` itself, or auto's share of ``n_maps`` configured maps."""
    if setting == "auto":
        return max(1, min(AUTO_CAP, -(-n_maps // AUTO_JOBS)))
    return int(setting)


def split(maps, per_job):
    """The configured ``maps`` in order, ``per_job`` at a time (the last chunk may be shorter)."""
    if per_job < 1:
        raise ValueError(f"maps_per_job must be at least 1, got {per_job}")
    maps = sorted(maps)
    return [maps[i : i + per_job] for i in range(0, len(maps), per_job)]


def name(maps):
    """A chunk's name, from its (sorted) maps: "056" for one map, "046-056" for the maps 46 to 56."""
    first, last = maps[0], maps[-1]
    return f"{first:03d}" if first == last else f"{first:03d}-{last:03d}"


def members(chunk, configured, n_maps, layer, run_chunks=()):
    """The maps of the chunk named ``chunk``: one map (any of the layer's), or the configured maps
    from its first to its last, both of which must be configured; a ChunkError names the fix
    (``run_chunks``: the run's chunk names, for the message)."""
    match = NAME.match(chunk)
    if match is None:
        raise ChunkError(f"map_{chunk}: a chunk is one map (056) or a first and last map (046-056)")
    first, last = int(match[1]), int(match[2] or match[1])
    for m in {first, last}:
        if not 0 <= m < n_maps:
            raise ChunkError(f"map {m:03d}: {layer} has {n_maps} maps, so map must be 000 to {n_maps - 1:03d}")
    if first == last and match[2] is None:
        return [first]
    configured = sorted(configured)
    inside = [m for m in configured if first <= m <= last]
    if first >= last or first not in configured or last not in configured:
        raise ChunkError(
            f"map_{chunk}: a chunk of several maps runs from one configured map to a later one "
            f"(config maps: {_short(configured)}); this run's chunks are {_short(list(run_chunks))}, "
            f"one map alone is e.g. map_{first:03d}"
        )
    return inside


def _short(items):
    if not items:
        return "none"
    return f"{items[0]} … {items[-1]} ({len(items)})" if len(items) > 8 else ", ".join(map(str, items))
