"""Rule rescue: the finer precursor grid and the full OIP for the maps a run left without an OIP."""

import _bootstrap  # noqa: F401
import os

import pandas as pd
from mnist_dreams.ascent import rescue
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
backend.set_precision(snakemake.params.precision)
layer = pd.read_csv(snakemake.input.layer, sep="\t", keep_default_na=False)
maps = [m for m, _ in rescue.without_oip(layer)]
log.info("maps without an OIP: %s", maps or "none")
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
batch_size = snakemake.config["precursor"]["batch_size"]  # speed only: not a param
p = snakemake.params
results = rescue.run(model, maps, p.precursor, p.oip, batch_size, p.seed, pixel_mean, pixel_std, p.layer)
out = snakemake.output[0]
os.makedirs(out, exist_ok=True)  # Snakemake removes the whole folder if this job fails
for m, files in results.items():
    for kind, suffix in (("precursor", ".precursor.h5"), ("oip", ".h5")):
        datasets, attrs = files[kind]
        store.write_h5(f"{out}/map_{m:03d}{suffix}", datasets, attrs={**attrs, "precision": p.precision})
log.info("peak resident memory %.0f MB", rescue.peak_rss_mb())
