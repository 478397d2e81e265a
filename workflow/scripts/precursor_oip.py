"""Rule oip_precursor (two_stage): a map the random starts missed — its precursor screening and the
full OIP from the screening's top k, in one job (two jobs per missed map were mostly start-up)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import precursor
from mnist_dreams.plumbing import backend, chunks, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
backend.set_precision(p.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
log.info(runtime.check_device())
maps = chunks.maps_in([snakemake.output.oip])
results = precursor.stage(model, maps, p.precursor, p.oip, batch_size, p.seed, pixel_mean, pixel_std, p.layer)
for kind, (result, attrs) in zip(("precursor", "oip"), (r[maps[0]] for r in results), strict=True):
    store.write_h5(snakemake.output[kind], result, attrs={**attrs, "precision": p.precision})
