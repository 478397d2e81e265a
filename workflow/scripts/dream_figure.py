"""Rule dream_figure: the seed's row of each map's dream of a chunk (pattern, blurry, detailed, final),
from the chunk's file alone; one PNG per chunk, its maps one below the other."""

import _bootstrap  # noqa: F401
from functools import partial

from mnist_dreams.ascent import dream_figures, dream_file
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import sheets

logs.to_file(snakemake.log[0])
need = (*dream_file.KEPT, "blurry")
maps = store.read_maps(snakemake.input[0], required=need, attrs_required=("params",))
row = dream_figures.dream_row
panels = [
    (m, partial(row, m, dream_file.finished(kept, attrs["params"]), layer=attrs.get("layer", "conv3")))
    for m, (kept, attrs) in maps.items()
]
sheets.sheet(panels, snakemake.output[0])
