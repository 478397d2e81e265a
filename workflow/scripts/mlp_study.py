"""Rule mlp_study: the study's table (per run), summary (per variant), verdict and figure from its runs."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import study, study_figures, study_store
from mnist_dreams.plumbing import logs, store

log = logs.to_file(snakemake.log[0])
thresholds = snakemake.params.thresholds
stored, attrs = store.read_h5(
    snakemake.input[0], required=("variant", *study_store.HISTORY), attrs_required=("params",)
)
runs = study_store.records(stored)
rows = study.table(runs, thresholds)
summary = study.summary(rows, thresholds)
verdict = study.verdict(summary)
for line in verdict:
    log.info("verdict: %s", line)
store.write_tsv(rows, snakemake.output.tsv)
store.write_tsv(summary, snakemake.output.summary)
kmeans = attrs["params"]["kmeans"]
head = f"Article XIV study: K = {attrs['k']}, {attrs['epochs']} epochs, KMeans n_init = {kmeans['n_init']}"
study_figures.study(runs, summary, thresholds, snakemake.output.figure, "\n".join([head, *verdict]))
