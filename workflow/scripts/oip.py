"""Rules oip and oip_random (two_stage's random stage): the full OIP of a chunk's maps (one or several, at once)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params.oip
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
maps = snakemake.params.maps
screened = None
if p["start"] == "precursor":
    need = ("start_images", "top_indices")
    screened = store.read_maps(snakemake.input.precursor, required=need, attrs_required=("seconds",))
    if list(screened) != maps:
        raise ValueError(f"{snakemake.input.precursor} holds maps {list(screened)}, this job computes {maps}")
results = oip.run_maps(model, maps, p, snakemake.params.seed, pixel_mean, pixel_std, screened, snakemake.params.layer)
store.write_maps(snakemake.output[0], results, attrs={"precision": snakemake.params.precision})
