"""Rule dream_gallery: every configured map's final dream side by side."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream_figures, dream_file
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
finals, layer, photo = {}, "conv3", None
need = (*dream_file.KEPT, "blurry")
chunks = store.read_chunks(list(snakemake.input.dreams), required=need, attrs_required=("params",))
for m, (kept, attrs) in chunks.items():
    layer = attrs.get("layer", layer)
    result = dream_file.finished(kept, attrs["params"], photo)
    photo = result["original"]  # one photo for every map of the run: loaded once
    finals[m] = (result["final"], float(result["losses"][-1, 1]))
dream_figures.dream_gallery(finals, snakemake.output[0], layer)
