"""Rule cluster_sweep_figure: the seed's three sweep plots (time, inertia with the elbow, silhouette vs K)."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import cluster_figures, sweep
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
table, attrs = store.read_h5(snakemake.input[0], required=("k", "inertia", "silhouette"), attrs_required=("elbow_k",))
params = attrs["params"]
cluster_figures.cluster_sweep(
    table,
    None if attrs["elbow_k"] == -1 else int(attrs["elbow_k"]),
    snakemake.output[0],
    seed_silhouette_ks=sweep.SEED_SILHOUETTE_KS,
    seed_time_s=sweep.SEED_TIME_S,
    note=f" ({params['fit_on']}; n_init={params['n_init']}, max_iter={params['max_iter']})",
)
