"""Rule cluster_sweep: gather the k_{K}.h5 fits and their silhouettes into sweep.h5 and sweep.tsv
(cluster_sweep_figure draws them)."""

import _bootstrap  # noqa: F401
import pandas as pd
from mnist_dreams.clusters import sweep
from mnist_dreams.plumbing import logs, store

log = logs.to_file(snakemake.log[0])
per_k = [store.read_h5(path, attrs_required=("k", "inertia"))[1] for path in snakemake.input.fits]
silhouettes, sil_attrs = store.read_h5(
    snakemake.input.silhouettes, required=("k", "silhouette"), attrs_required=("silhouette_pass_s",)
)
table = sweep.table(per_k, silhouettes)
elbow = sweep.elbow(table["k"], table["inertia"])
log.info("elbow estimate: K=%s", elbow)
attrs = {
    "elbow_k": -1 if elbow is None else elbow,
    "params": per_k[0]["params"],
    "silhouette_sample_size": sil_attrs["silhouette_sample_size"],
    "silhouette_pass_s": sil_attrs["silhouette_pass_s"],
}
store.write_h5(snakemake.output.h5, table, attrs=attrs)
with store.atomic_path(snakemake.output.tsv, suffix=".tsv") as tmp:
    pd.DataFrame(table).to_csv(tmp, sep="\t", index=False, float_format="%.8g")
