"""Rule oip (and the two-stage OIP rules): full OIP of one map's (or all of a chunk's maps') candidates."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import backend, chunks, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params.oip
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
maps = chunks.maps_in(snakemake.output)
screened = None
if p["start"] == "precursor":
    need = ("start_images", "top_indices")
    read = [store.read_h5(path, required=need, attrs_required=("seconds",)) for path in snakemake.input.precursor]
    screened = dict(zip(maps, read, strict=True))
results = oip.run_maps(model, maps, p, snakemake.params.seed, pixel_mean, pixel_std, screened, snakemake.params.layer)
for map_index, path in zip(maps, snakemake.output, strict=True):
    result, attrs = results[map_index]
    store.write_h5(path, result, attrs={**attrs, "precision": snakemake.params.precision})
