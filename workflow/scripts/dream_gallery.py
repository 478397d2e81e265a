"""Rule dream_gallery: all single-map dreams in one sheet."""

import _bootstrap  # noqa: F401
from mnist_dreams import figures, logs, store

logs.to_file(snakemake.log[0])
finals = {}
for path in snakemake.input:
    values, attrs = store.read_h5(path, required=("final", "losses"), attrs_required=("map",))
    finals[int(attrs["map"])] = (values["final"], float(values["losses"][-1, 1]))
figures.dream_gallery(finals, snakemake.output[0])
