"""Rule precursor: screen all grid patterns on one map, keep the top-k with their start images."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, logs, precursor, store

logs.to_file(snakemake.log[0])
p = snakemake.params.precursor
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
map_index = int(snakemake.wildcards.map)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = store.load_cnn(snakemake.input.model, snakemake.input.training)
starts = precursor.grid_patterns(p["values"], p["grid"], pixel_mean, pixel_std, standardize=p["standardize"])
result = precursor.screen(
    precursor.ascent_factory(model, map_index, p["step_size"]),
    starts,
    test_epochs=p["test_epochs"],
    top_k=p["top_k"],
    batch_size=batch_size,
    mode=p["mode"],
    **p.get("halving", {}),
)
result["start_images"] = starts[result["top_indices"]]
scalars = {k: result.pop(k) for k in ("image_epochs", "work_fraction", "seconds")}
attrs = {"map": map_index, "params": p, "precision": snakemake.params.precision, "batch_size": batch_size}
store.write_h5(snakemake.output[0], result, attrs={**attrs, **scalars})
