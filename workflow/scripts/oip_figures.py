"""Rule oip_figures: every map's OIP panel, the layer atlas and the layer's coverage."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams import logs, oip_figures, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "loss_history", "start_loss", "final_loss")
results = {}
for h5, png in zip(snakemake.input.oips, snakemake.output.panels, strict=True):
    result, attrs = store.read_h5(h5, required=need, attrs_required=("map",))
    results[int(attrs["map"])] = result
    oip_figures.oip_panel(int(attrs["map"]), result, png)
table = pd.read_csv(snakemake.input.summary, sep="\t")
oip_figures.atlas(table, results, snakemake.output.atlas)
oip_figures.coverage(table, snakemake.output.coverage)
