"""Rule precursor_figure: each map's loss distribution of the screened grids and its top-k starts, for
a chunk's maps; one PNG per chunk, its maps one below the other."""

import _bootstrap  # noqa: F401
from functools import partial

from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import sheets

logs.to_file(snakemake.log[0])
need = ("rung_loss", "rungs", "top_indices", "top_loss", "start_images")
panels = [
    (m, partial(oip_figures.precursor_panel, m, result, layer=attrs.get("layer", "conv3")))
    for m, (result, attrs) in store.read_maps(snakemake.input[0], required=need).items()
]
sheets.sheet(panels, snakemake.output[0])
