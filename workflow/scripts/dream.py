"""Rule dream: carve one map's (or each map of a chunk's) pattern into the photo (the seed's dream)."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, chunks, dream, logs, models, store

logs.to_file(snakemake.log[0])
p = snakemake.params.dream
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
image = dream.load_image(p["image"], p["size"])
for map_index, path in zip(chunks.maps_in(snakemake.output), snakemake.output, strict=True):
    result, attrs = dream.carve_map(model, map_index, image, p, pixel_mean, pixel_std)
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
