"""Rule rescue_atlas: the best OIP of every map the finer grid screened, framed by its result."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
table = pd.read_csv(snakemake.input.summary, sep="\t")
need = ("images", "final_loss")
best = {int(m): store.read_h5(f"{snakemake.input.maps}/map_{int(m):03d}.h5", required=need)[0] for m in table["map"]}
title = f"{len(snakemake.params.values)} values per cell, the maps without an OIP"
oip_figures.atlas(table.assign(computed=True), best, snakemake.output[0], title=title)
