"""Rule cluster_sweep: gather the k_{K}.h5 files into sweep.h5 and sweep.tsv (cluster_sweep_figure draws them)."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams import logs, store, sweep

log = logs.to_file(snakemake.log[0])
per_k = [store.read_h5(path, attrs_required=("k", "inertia", "silhouette"))[1] for path in snakemake.input]
table = sweep.table(per_k)
elbow = sweep.elbow(table["k"], table["inertia"])
log.info("elbow estimate: K=%s", elbow)
params = per_k[0]["params"]
store.write_h5(snakemake.output.h5, table, attrs={"elbow_k": -1 if elbow is None else elbow, "params": params})
with store.atomic_path(snakemake.output.tsv, suffix=".tsv") as tmp:
    pd.DataFrame(table).to_csv(tmp, sep="\t", index=False, float_format="%.8g")
