"""Rule objective_figure: an objective's candidates, their starts, values and value curves."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import objective_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "value_history", "start_value", "final_value")
result, attrs = store.read_h5(snakemake.input[0], required=need, attrs_required=("objective", "spec"))
objective_figures.panel(result, attrs, snakemake.output[0])
