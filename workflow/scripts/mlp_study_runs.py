"""Rule mlp_study_runs: train the reference and every clustered variant, one after the other (article XIV)."""

from pathlib import Path

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import study, study_store
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import data

logs.to_file(snakemake.log[0])
params = snakemake.params
mnist, _ = data.read_mnist(snakemake.input.mnist)
# Finished runs are kept under a folder named after everything they depend on (settings and code):
# a study stopped half-way resumes; any change starts a fresh folder.
checkpoint = (
    Path(snakemake.output[0]).parent / "runs" / store.digest({k: v for k, v in dict(params).items() if k != "study"})
)
runs = study.run(
    mnist,
    k=params.k,
    kmeans=params.kmeans,
    mlp_settings=params.mlp,
    seed=params.seed,
    checkpoint=checkpoint,
    **params.study,
)
attrs = {"k": params.k, "epochs": len(runs[0]["history"]["wall_time"]), "threads": snakemake.threads}
store.write_h5(snakemake.output[0], study_store.datasets(runs), attrs={**attrs, "params": dict(params)})
