"""Rule precursor_figure: one map's loss distribution of the screened grids and its top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("rung_loss", "rungs", "top_indices", "top_loss", "start_images")
result, attrs = store.read_h5(snakemake.input[0], required=need, attrs_required=("map",))
oip_figures.precursor_panel(int(attrs["map"]), result, snakemake.output[0], attrs.get("layer", "conv3"))
