"""Rule dream: carve one map's (or all of a chunk's maps') pattern into the photo (the seed's dream)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream
from mnist_dreams.plumbing import backend, chunks, logs, runtime, store
from mnist_dreams.subject import models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params.dream
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
image = photo.load_image(p["image"], p["size"], tuple(model.inputs[0].shape[1:]))  # gray or RGB as the model
maps = chunks.maps_in(snakemake.output)
results = dream.carve_maps(model, maps, image, p, pixel_mean, pixel_std, snakemake.params.layer)
for map_index, path in zip(maps, snakemake.output, strict=True):
    result, attrs = results[map_index]
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
