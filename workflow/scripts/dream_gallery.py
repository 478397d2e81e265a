"""Rule dream_gallery: every configured map's final dream side by side."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
finals, layer = {}, "conv3"
for m, (result, attrs) in store.read_chunks(list(snakemake.input), required=("final", "losses")).items():
    layer = attrs.get("layer", layer)
    finals[m] = (result["final"], float(result["losses"][-1, 1]))
dream_figures.dream_gallery(finals, snakemake.output[0], layer)
