"""Rule dream_figures: the seed's row per map and the gallery of all single-map dreams."""

import _bootstrap  # noqa: F401
from mnist_dreams import dream_figures, logs, store

logs.to_file(snakemake.log[0])
need = ("original", "patterns", "blurry", "detailed", "final", "losses")
finals = {}
for h5, png in zip(snakemake.input, snakemake.output.rows, strict=True):
    result, attrs = store.read_h5(h5, required=need, attrs_required=("map",))
    map_index = int(attrs["map"])
    dream_figures.dream_row(map_index, result, png)
    finals[map_index] = (result["final"], float(result["losses"][-1, 1]))
dream_figures.dream_gallery(finals, snakemake.output.gallery)
