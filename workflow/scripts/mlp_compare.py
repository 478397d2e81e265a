"""Rule mlp_comparison: time to accuracy and speed-ups of the clustered vs the reference MLP (the
figure: mlp_comparison_figure)."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.clusters import mlp
from mnist_dreams.plumbing import logs, store

log = logs.to_file(snakemake.log[0])
need = ("test_accuracy", "train_accuracy", "train_cost", "wall_time")
reference, _ = store.read_h5(snakemake.input.reference, required=need)
clustered, _ = store.read_h5(snakemake.input.clustered, required=need)
_, fit = store.read_h5(snakemake.input.clusters, attrs_required=("fit_time_s",))
_, feats = store.read_h5(snakemake.input.features, attrs_required=("transform_time_s",))
thresholds = snakemake.params.thresholds
rows = mlp.comparison(reference, clustered, thresholds, fit["fit_time_s"] + feats["transform_time_s"])
for row in rows:
    log.info("%-24s reference %-10.5g clustered %-10.5g ratio %-8.3g %s", *(row[c] for c in list(row)[:4]), row["note"])
with store.atomic_path(snakemake.output.tsv, suffix=".tsv") as tmp:
    pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False, na_rep="NA", float_format="%.6g")
