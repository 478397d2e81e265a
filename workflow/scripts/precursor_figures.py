"""Rule precursor_figures: per map, the loss distribution of the screened grids and the top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams import logs, oip_figures, store

logs.to_file(snakemake.log[0])
need = ("rung_loss", "rungs", "top_indices", "top_loss", "start_images")
for h5, png in zip(snakemake.input, snakemake.output, strict=True):
    result, attrs = store.read_h5(h5, required=need, attrs_required=("map",))
    oip_figures.precursor_panel(int(attrs["map"]), result, png)
