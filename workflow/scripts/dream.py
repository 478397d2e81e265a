"""Rule dream: carve each map's pattern of a chunk (one map or several, at once) into the photo (the seed's dream)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params.dream
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
image = photo.load_image(p["image"], p["size"], tuple(model.inputs[0].shape[1:]))  # gray or RGB as the model
results = dream.carve_maps(model, snakemake.params.maps, image, p, pixel_mean, pixel_std, snakemake.params.layer)
store.write_maps(snakemake.output[0], results, attrs={"precision": snakemake.params.precision})
