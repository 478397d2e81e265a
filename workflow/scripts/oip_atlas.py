"""Rule oip_atlas: the layer atlas (every configured map's best OIP) and the layer's coverage."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("images", "final_loss")
results, layer = {}, "conv3"
for m, (result, attrs) in store.read_chunks(snakemake.input.oips, required=need).items():
    results[m], layer = result, attrs.get("layer", layer)
table = pd.read_csv(snakemake.input.summary, sep="\t")
oip_figures.atlas(table, results, snakemake.output.atlas, title=f"{layer} atlas")
oip_figures.coverage(table, snakemake.output.coverage, layer, snakemake.params.test_data)
