"""Rule precursor: screen all grid patterns on one map (or a chunk of maps), keep the top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, chunks, logs, models, precursor, store

logs.to_file(snakemake.log[0])
p = snakemake.params.precursor
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
starts = precursor.grid_patterns(p["values"], p["grid"], pixel_mean, pixel_std, standardize=p["standardize"])
for map_index, path in zip(chunks.maps_in(snakemake.output), snakemake.output, strict=True):
    result, attrs = precursor.screen_map(model, map_index, starts, p, batch_size)
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
