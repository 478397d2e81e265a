"""Rule deepdream: multi-scale DeepDream of whole layers of the model on the photo."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params.deepdream
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
image = photo.load_image(snakemake.params.image, snakemake.params.size, tuple(model.inputs[0].shape[1:]))
result = dream.octaves(
    model,
    image,
    p["layers"],
    p["octaves"],
    p["ratio"],
    p["steps"],
    p["step_size"],
    pixel_mean,
    pixel_std,
    tiles=p["tiles"],
    whole=p["whole"],
    seed=snakemake.params.seed,
)
result["original"] = image
result["final"] = photo.contrast(result["dream"])
attrs = {"params": p, "image": snakemake.params.image, "size": snakemake.params.size}
attrs.update(precision=snakemake.params.precision, seed=snakemake.params.seed)
attrs.update(pixel_mean=pixel_mean, pixel_std=pixel_std)
attrs["pearson_dream_vs_original"] = dream.pearson(result["dream"], image)
store.write_h5(snakemake.output[0], result, attrs=attrs)
