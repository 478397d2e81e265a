"""Rule mlp_study_runs: train the reference and every clustered variant, one after the other (article XIV)."""

import _bootstrap  # noqa: F401
from mnist_dreams import data, logs, store, study

logs.to_file(snakemake.log[0])
params = snakemake.params
mnist, _ = data.read_mnist(snakemake.input.mnist)
runs = study.run(mnist, k=params.k, kmeans=params.kmeans, mlp_settings=params.mlp, seed=params.seed, **params.study)
attrs = {"k": params.k, "epochs": len(runs[0]["history"]["wall_time"]), "threads": snakemake.threads}
store.write_h5(snakemake.output[0], study.datasets(runs), attrs={**attrs, "params": dict(params)})
