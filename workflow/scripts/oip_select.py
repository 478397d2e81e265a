"""Rule oip (two_stage): the map's final OIP is its random-start result if that found one, else the
precursor-started one; the other stays beside it under its own name (map_NNN.random/precursor.h5)."""

import _bootstrap  # noqa: F401
from mnist_dreams import logs, oip, store

log = logs.to_file(snakemake.log[0])
stages = {name: store.read_h5(path, attrs_required=("map", "found", "stage")) for name, path in snakemake.input.items()}
datasets, attrs = oip.two_stage_choice(stages)
log.info("map %d: %s", attrs["map"], f"found by {attrs['found_by']} starts" if attrs["found"] else "no OIP found")
store.write_h5(snakemake.output[0], datasets, attrs=attrs)
