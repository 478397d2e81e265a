"""Rule oip: full OIP optimization of one map's candidates (precursor top-k or random starts)."""

import _bootstrap  # noqa: F401
from mnist_dreams import backend, logs, oip, store

logs.to_file(snakemake.log[0])
p = snakemake.params.oip
map_index = int(snakemake.wildcards.map)
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = store.load_cnn(snakemake.input.model, snakemake.input.training)
screening = {}
if p["start"] == "precursor":
    need = ("start_images", "top_indices")
    screened, s_attrs = store.read_h5(snakemake.input.precursor, required=need, attrs_required=("seconds",))
    starts, origin = screened["start_images"], screened["top_indices"]
    screening = {"precursor_seconds": s_attrs["seconds"], "precursor_image_epochs": s_attrs["image_epochs"]}
else:
    r = p["random"]
    seed = snakemake.params.seed * 1000 + map_index  # a different, reproducible draw per map
    starts = oip.random_starts(r["count"], pixel_mean, pixel_std, seed, r["cells"], r["weights"])
    origin = list(range(r["count"]))
result = oip.optimize(
    model,
    map_index,
    starts,
    p["epochs"],
    p["step_size"],
    jitter=p["jitter"],
    l2=p["l2"],
    tv=p["tv"],
    seed=snakemake.params.seed + map_index,
)
result["candidate"] = origin
attrs = {"map": map_index, "params": p, "precision": snakemake.params.precision, "seed": snakemake.params.seed}
attrs.update(found=result.pop("found"), seconds=result.pop("seconds"), stage=p["start"], **screening)
store.write_h5(snakemake.output[0], result, attrs=attrs)
