"""Rules objective_figure (an objective's candidates, their starts, values and value curves) and
objective_gallery (every objective's best candidate in one figure)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import objective_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "value_history", "start_value", "final_value")
stored = [store.read_h5(path, required=need, attrs_required=("objective", "spec")) for path in snakemake.input]
if snakemake.rule == "objective_gallery":
    objective_figures.gallery(stored, snakemake.output[0])
else:
    objective_figures.panel(*stored[0], snakemake.output[0])
