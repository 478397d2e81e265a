"""Rule precursor: screen all grid patterns on one map, or on a chunk of maps at once, keep the top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import grids, precursor
from mnist_dreams.plumbing import backend, chunks, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params.precursor
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
h, w, c = model.inputs[0].shape[1:]  # the grids at the model's input size, gray on every channel
starts = grids.Grid(p["values"], p["grid"], pixel_mean, pixel_std, (h, w), p["standardize"], c)
maps = chunks.maps_in(snakemake.output)
results = precursor.screen_job(model, maps, starts, p, batch_size, layer=snakemake.params.layer)
for map_index, path in zip(maps, snakemake.output, strict=True):
    result, attrs = results[map_index]
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
