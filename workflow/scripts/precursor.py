"""Rule precursor: screen all grid patterns on a chunk of maps at once (one map or several), keep the top-k starts."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import grids, precursor
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params.precursor
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
h, w, c = model.inputs[0].shape[1:]  # the grids at the model's input size, gray on every channel
starts = grids.Grid(p["values"], p["grid"], pixel_mean, pixel_std, (h, w), p["standardize"], c)
results = precursor.screen_job(model, snakemake.params.maps, starts, p, batch_size, layer=snakemake.params.layer)
store.write_maps(snakemake.output[0], results, attrs={"precision": snakemake.params.precision})
