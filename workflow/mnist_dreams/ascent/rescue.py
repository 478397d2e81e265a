"""The seed's open question (article X, l.190): would a finer precursor grid find an OIP where 3 values found none?

The seed stopped at 3 values per cell: 5 values make 5⁹ = 1 953 125 starts per map, "hard work even
for graphic cards". For the maps a finished run left without an OIP (computed, no candidate with
loss > 0), this screens the grid of ``rescue.values`` for all of them at once — streamed
(``grids.Grid``), every map's dead starts pruned by one forward pass, successive halving for the
live ones — and runs the full OIP from each map's top k: the precursor stage, on the finer grid.
A map whose starts are all dead keeps loss 0 without a single ascent step: only a start that
activates the map somewhere can move.
"""

from __future__ import annotations

import logging
import resource
import time

import numpy as np

log = logging.getLogger(__name__)

MAX_MAPS = 128  # a guard, not a limit of the method: at 2–10 min per map a larger set is a day


def without_oip(layer):
    """The maps a run computed and found no OIP for, from its layer summary: [(map, fires_on_test)].

    fires_on_test is None where the summary has no test data for the model (an empty column): an
    unknown, not a map that never fires.
    """

    def true(column):
        return layer[column].astype(str) == "True"

    def fires(value):
        return {"True": True, "False": False}.get(str(value))

    rows = layer[true("computed") & ~true("found")]
    return [(int(m), fires(f)) for m, f in zip(rows["map"], rows["fires_on_test"], strict=True)]


def run(model, maps, precursor_params, oip_params, batch_size, seed, pixel_mean, pixel_std, layer="conv3"):
    """Screen the finer grid for ``maps`` at once, then each map's full OIP from its top k.

    Returns {map: {"precursor": (datasets, attrs), "oip": (datasets, attrs)}}, the files of
    ``results/rescue/maps/``: ``map_NNN.precursor.h5`` as a precursor file, ``map_NNN.h5`` as an
    OIP file; every attrs carry the job's wall time and peak resident memory so far.
    """
    from . import precursor

    if len(maps) > MAX_MAPS:
        raise ValueError(f"rescue: {len(maps)} maps without an OIP; at most {MAX_MAPS} at once")
    if not maps:
        return {}
    t0 = time.perf_counter()
    log.info("rescue: %d map(s) without an OIP", len(maps))
    screened, oips = precursor.stage(
        model, maps, precursor_params, oip_params, batch_size, seed, pixel_mean, pixel_std, layer
    )
    job = {
        "job_seconds": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
        "starts": len(precursor_params["values"]) ** precursor_params["grid"] ** 2,
    }
    return {
        m: {"precursor": (screened[m][0], {**screened[m][1], **job}), "oip": (oips[m][0], {**oips[m][1], **job})}
        for m in maps
    }


def peak_rss_mb():
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(before, screenings, results):
    """One row per map without an OIP: the 3-value result next to the finer grid's.

    ``before``: [(map, fires_on_test, best loss of the run)]; ``screenings`` and
    ``results``: map → (datasets, attrs) of the rescue's precursor and OIP files. screening_s and
    oip_s: the map's share of its job's compute, by work; job_s and peak_rss_mb: the whole job's.
    """
    import pandas as pd

    rows = []
    for m, fires, best_before in before:
        s, s_attrs = screenings[m]
        r, r_attrs = results[m]
        final = np.asarray(r["final_loss"])
        rows.append(
            {
                "map": m,
                "fires_on_test": fires,
                "best_loss_3_values": best_before,
                "starts": int(s_attrs["starts"]),
                "dead_starts": int(s_attrs["dead"]),
                "best_screening_loss": float(np.max(s["top_loss"])),
                "found": bool(final.max() > 0),
                "best_loss": float(final.max()),
                "candidates_found": int((final > 0).sum()),
                "screening_s": float(s_attrs["seconds"]),
                "oip_s": float(r_attrs["seconds"]),
                "job_s": float(r_attrs["job_seconds"]),
                "peak_rss_mb": float(r_attrs["peak_rss_mb"]),
            }
        )
    return pd.DataFrame(rows, columns=ROWS)


ROWS = (
    "map",
    "fires_on_test",
    "best_loss_3_values",
    "starts",
    "dead_starts",
    "best_screening_loss",
    "found",
    "best_loss",
    "candidates_found",
    "screening_s",
    "oip_s",
    "job_s",
    "peak_rss_mb",
)
