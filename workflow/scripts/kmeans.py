"""Rule kmeans: fit MiniBatchKMeans for one K, store centroids, labels, inertia, fit time (rule
silhouettes adds every K's silhouette in one pass)."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import sweep
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import data

logs.to_file(snakemake.log[0])
mnist, _ = data.read_mnist(snakemake.input.mnist)
k = int(snakemake.wildcards.k)
datasets, attrs = sweep.run_k(
    mnist, k, seed=snakemake.params.seed, threads=snakemake.threads, **snakemake.params.kmeans
)
store.write_h5(
    snakemake.output[0],
    datasets,
    attrs={**attrs, "params": snakemake.params.kmeans, "seed": snakemake.params.seed},
)
