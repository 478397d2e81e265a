"""Rule oip (and the two-stage OIP rules): full OIP of one map's (or each map of a chunk's) candidates."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, chunks, logs, models, oip, store

logs.to_file(snakemake.log[0])
p = snakemake.params.oip
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
screenings = list(snakemake.input.precursor) if p["start"] == "precursor" else [None] * len(snakemake.output)
need = ("start_images", "top_indices")
for map_index, path, screening in zip(chunks.maps_in(snakemake.output), snakemake.output, screenings, strict=True):
    screened = None if screening is None else store.read_h5(screening, required=need, attrs_required=("seconds",))
    result, attrs = oip.run_map(model, map_index, p, snakemake.params.seed, pixel_mean, pixel_std, screened)
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
