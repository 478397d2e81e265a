"""Rule cluster_sweep: gather the k_{K}.h5 files into sweep.h5, sweep.tsv and the seed's three plots."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams import cluster_figures, logs, store, sweep

log = logs.to_file(snakemake.log[0])
per_k = [store.read_h5(path, attrs_required=("k", "inertia", "silhouette"))[1] for path in snakemake.input]
table = sweep.table(per_k)
elbow = sweep.elbow(table["k"], table["inertia"])
log.info("elbow estimate: K=%s", elbow)
params = per_k[0]["params"]
store.write_h5(snakemake.output.h5, table, attrs={"elbow_k": -1 if elbow is None else elbow, "params": params})
with store.atomic_path(snakemake.output.tsv, suffix=".tsv") as tmp:
    pd.DataFrame(table).to_csv(tmp, sep="\t", index=False, float_format="%.8g")
cluster_figures.cluster_sweep(
    table,
    elbow,
    snakemake.output.figure,
    seed_silhouette_ks=sweep.SEED_SILHOUETTE_KS,
    seed_time_s=sweep.SEED_TIME_S,
    note=f" ({params['fit_on']}; n_init={params['n_init']}, max_iter={params['max_iter']})",
)
