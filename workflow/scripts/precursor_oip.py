"""Rule oip_precursor (two_stage): the maps of a chunk the random starts missed — their precursor
screening and the full OIP from the screening's top k, in one job (all of them at once)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import precursor
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param (tested)
random = store.read_maps(snakemake.input.random, attrs_required=("found",))
maps = [m for m, (_, attrs) in random.items() if not attrs["found"]]
log.info("maps the random stage missed: %s", maps or "none")
screened, oips = {}, {}
if maps:
    backend.set_precision(p.precision)
    model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
    log.info(runtime.check_device())
    args = (p.precursor, p.oip, batch_size, p.seed, pixel_mean, pixel_std, p.layer)
    screened, oips = precursor.stage(model, maps, *args)
for kind, results in (("precursor", screened), ("oip", oips)):
    store.write_maps(snakemake.output[kind], results, attrs={"precision": p.precision})
