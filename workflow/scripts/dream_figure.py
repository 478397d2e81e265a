"""Rule dream_figure: the seed's row of a map's dream (pattern, blurry, detailed, final), from its file
alone; one job per map or per chunk of maps (one Python and Matplotlib start-up for all of them)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("original", "patterns", "blurry", "detailed", "final", "losses")
for source, figure in zip(snakemake.input, snakemake.output, strict=True):
    result, attrs = store.read_h5(source, required=need, attrs_required=("map",))
    dream_figures.dream_row(int(attrs["map"]), result, figure, attrs.get("layer", "conv3"))
