"""Rule cluster_features: distances of every image to the K centroids (in their space), normalized on train."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import features
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import data

logs.to_file(snakemake.log[0])
mnist, _ = data.read_mnist(snakemake.input.mnist)
clusters, fit = store.read_h5(snakemake.input.clusters, required=("centroids",), attrs_required=("k", "params"))
# The space is the fit's: distances must be measured where the centroids live (older fits: raw pixels).
space = fit["params"].get("space", "pixels")
normalization = snakemake.params.normalization
datasets, attrs = features.cluster_features(mnist, clusters["centroids"], space, normalization)
attrs.update(fit_on=fit["params"]["fit_on"], kmeans_params=fit["params"], kmeans_fit_time_s=fit["fit_time_s"])
store.write_h5(snakemake.output[0], datasets, attrs={**attrs, "params": {"normalization": normalization}})
