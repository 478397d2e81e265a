"""Rule deepdream: multi-scale DeepDream of whole layers on the photo."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, dream, logs, models, runtime, store

log = logs.to_file(snakemake.log[0])
p = snakemake.params.deepdream
wanted = "+".join(sorted(p["layers"]))
if snakemake.wildcards.layers != wanted:
    raise ValueError(f"layer_{snakemake.wildcards.layers} requested, but config deepdream.layers gives layer_{wanted}")
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
log.info(runtime.check_device())
image = dream.load_image(snakemake.params.image, snakemake.params.size)
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
result["final"] = dream.contrast(result["dream"])
attrs = {"params": p, "image": snakemake.params.image, "size": snakemake.params.size}
attrs.update(precision=snakemake.params.precision, seed=snakemake.params.seed)
attrs["pearson_dream_vs_original"] = dream.pearson(result["dream"], image)
store.write_h5(snakemake.output[0], result, attrs=attrs)
