"""Rule dream_figure: the seed's row of one map's dream (pattern, blurry, detailed, final), from its file alone."""

import _bootstrap  # noqa: F401
from mnist_dreams import dream_figures, logs, store

logs.to_file(snakemake.log[0])
need = ("original", "patterns", "blurry", "detailed", "final", "losses")
result, attrs = store.read_h5(snakemake.input[0], required=need, attrs_required=("map",))
dream_figures.dream_row(int(attrs["map"]), result, snakemake.output[0], attrs.get("layer", "conv3"))
