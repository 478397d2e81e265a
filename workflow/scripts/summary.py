"""Rule summary: the seed's headline numbers next to this run's, one row each (results/summary.tsv)."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import summary

logs.to_file(snakemake.log[0])
presets = dict(snakemake.params.presets)  # what each of the workflow's presets sets
default = presets.pop("default")
# Which preset made this run is read from the config, not tracked as a param: naming an overlay
# file differently must not rerun anything.
name = summary.preset(snakemake.config, default, presets, snakemake.params.configured)
table = summary.build(dict(snakemake.input.items()), snakemake.params.start, name)
store.write_tsv(table, snakemake.output[0])
