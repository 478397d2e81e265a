"""Rule dream: carve one map's pattern into the photo (the seed's single-map dream)."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, dream, logs, store

logs.to_file(snakemake.log[0])
p = snakemake.params.dream
map_index = int(snakemake.wildcards.map)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = store.load_cnn(snakemake.input.model, snakemake.input.training)
image = dream.load_image(p["image"], p["size"])
result = dream.carve(
    model,
    map_index,
    image,
    p["iterations"],
    p["epochs"],
    p["step_size"],
    pixel_mean,
    pixel_std,
    p["contrast_percentile"],
)
result["original"] = image
attrs = {"map": map_index, "params": p, "precision": snakemake.params.precision}
attrs["pearson_detailed_vs_original"] = dream.pearson(result["detailed"][-1], image)
attrs.update(pixel_mean=pixel_mean, pixel_std=pixel_std)
store.write_h5(snakemake.output[0], result, attrs=attrs)
