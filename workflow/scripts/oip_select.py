"""Rule oip (two_stage): each map's final OIP is its random-start result if that found one, else the
precursor-started one; both stay beside it under their own names (map_NNN.random/precursor.h5).
One job per chunk of maps: its maps are those of the random stage's file."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import logs, store

log = logs.to_file(snakemake.log[0])
need = ("map", "found", "stage")
random = store.read_maps(snakemake.input.random, attrs_required=need)
missed = {}
if hasattr(snakemake.input, "precursor"):  # only where the random stage missed a map
    missed = store.read_maps(snakemake.input.precursor, attrs_required=need)
if list(random) != snakemake.params.maps:
    raise ValueError(f"{snakemake.input.random} holds maps {list(random)}, this job is for {snakemake.params.maps}")
chosen = {}
for m, stage in random.items():
    stages = {"random": stage, **({"precursor": missed[m]} if m in missed else {})}
    datasets, attrs = chosen[m] = oip.two_stage_choice(stages)
    log.info("map %d: %s", m, f"found by {attrs['found_by']} starts" if attrs["found"] else "no OIP found")
store.write_maps(snakemake.output[0], chosen)
