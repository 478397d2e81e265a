"""Rule oip (two_stage): each map's final OIP is its random-start result if that found one, else the
precursor-started one; the other stays beside it under its own name (map_NNN.random/precursor.h5).
One job per map or per chunk of maps: a job's maps are those its outputs name."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import chunks, logs, store

log = logs.to_file(snakemake.log[0])
stages = {}  # map → {stage: path}
for stage, paths in snakemake.input.items():
    paths = [paths] if isinstance(paths, str) else list(paths)
    for m, path in zip(chunks.maps_in(paths), paths, strict=True):
        stages.setdefault(m, {})[stage] = path
for m, out in zip(chunks.maps_in(snakemake.output), snakemake.output, strict=True):
    read = {name: store.read_h5(path, attrs_required=("map", "found", "stage")) for name, path in stages[m].items()}
    datasets, attrs = oip.two_stage_choice(read)
    log.info("map %d: %s", attrs["map"], f"found by {attrs['found_by']} starts" if attrs["found"] else "no OIP found")
    store.write_h5(out, datasets, attrs=attrs)
