"""Rule mlp_comparison_figure: accuracy vs epoch and vs time of both MLPs, the speed-ups of the table."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.clusters import cluster_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("test_accuracy", "train_accuracy", "train_cost", "wall_time")
reference, _ = store.read_h5(snakemake.input.reference, required=need)
clustered, attrs = store.read_h5(snakemake.input.clustered, required=need, attrs_required=("k",))
rows = pd.read_csv(snakemake.input.tsv, sep="\t", na_values="NA", keep_default_na=False).to_dict("records")
for row in rows:
    row["note"] = "" if pd.isna(row["note"]) else row["note"]
thresholds = snakemake.params.thresholds
cluster_figures.mlp_comparison(reference, clustered, rows, thresholds, attrs["k"], snakemake.output[0])
