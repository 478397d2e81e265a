"""Rule oip_precursor (two_stage): a map the random starts missed — its precursor screening and the
full OIP from the screening's top k, in one job (two jobs per missed map were mostly start-up)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import grids, oip, precursor
from mnist_dreams.plumbing import backend, chunks, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(p.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
log.info(runtime.check_device())
h, w, c = model.inputs[0].shape[1:]
s = p.precursor
starts = grids.Grid(s["values"], s["grid"], pixel_mean, pixel_std, (h, w), s["standardize"], c)
maps = chunks.maps_in([snakemake.output.oip])
screened = precursor.screen_job(model, maps, starts, s, batch_size, layer=p.layer)
oips = oip.run_maps(model, maps, p.oip, p.seed, pixel_mean, pixel_std, screened, p.layer)
for kind, results in (("precursor", screened), ("oip", oips)):
    result, attrs = results[maps[0]]
    store.write_h5(snakemake.output[kind], result, attrs={**attrs, "precision": p.precision})
