"""Rule rescue_summary: the finer grid's result per map without an OIP, next to the run's own."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.ascent import rescue
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
layer = pd.read_csv(snakemake.input.layer, sep="\t", keep_default_na=False)
best = dict(zip(layer["map"].astype(int), layer["best_loss"], strict=True))
before = [(m, fires, float(best[m])) for m, fires in rescue.without_oip(layer)]
folder = snakemake.input.maps
screenings = {m: store.read_h5(f"{folder}/map_{m:03d}.precursor.h5", attrs_required=("dead",)) for m, _, _ in before}
results = {m: store.read_h5(f"{folder}/map_{m:03d}.h5", required=("final_loss",)) for m, _, _ in before}
store.write_tsv(rescue.table(before, screenings, results), snakemake.output[0])
