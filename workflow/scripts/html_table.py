"""Rules *_table: a TSV as a self-contained HTML table, so that the report shows it as a table."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import logs
from mnist_dreams.report import tables

logs.to_file(snakemake.log[0])
tables.write_html_table(snakemake.input[0], snakemake.output[0], title=snakemake.params.title)
