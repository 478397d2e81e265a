"""Rule precursor: screen all grid patterns on one map, or on a chunk of maps at once, keep the top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, chunks, grids, logs, models, precursor, runtime, store

log = logs.to_file(snakemake.log[0])
p = snakemake.params.precursor
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
log.info(runtime.check_device())
starts = grids.Grid(p["values"], p["grid"], pixel_mean, pixel_std, standardize=p["standardize"])
maps = chunks.maps_in(snakemake.output)
results = precursor.screen_job(model, maps, starts, p, batch_size, layer=snakemake.params.layer)
for map_index, path in zip(maps, snakemake.output, strict=True):
    result, attrs = results[map_index]
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
