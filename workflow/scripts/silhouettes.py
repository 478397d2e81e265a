"""Rules silhouettes and silhouette_k: the average silhouette of every given KMeans fit, in one pass."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import sweep
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import data

logs.to_file(snakemake.log[0])
mnist, _ = data.read_mnist(snakemake.input.mnist)
fits = [
    store.read_h5(path, required=("labels", "fit_index"), attrs_required=("k", "space"))
    for path in snakemake.input.fits
]
columns, attrs = sweep.silhouettes(mnist, fits, snakemake.params.sample_size, snakemake.params.seed, snakemake.threads)
store.write_h5(
    snakemake.output[0],
    columns,
    attrs={**attrs, "params": {"sample_size": snakemake.params.sample_size}, "seed": snakemake.params.seed},
)
