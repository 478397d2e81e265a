"""Rule data_starts: an OIP from each map's most exciting dataset images, for the maps the seed's
stages (and the rescue) left without one (mnist_dreams.ascent.data_starts)."""

import _bootstrap  # noqa: F401
import os

import numpy as np
import pandas as pd
from mnist_dreams.ascent import data_starts, input_range
from mnist_dreams.plumbing import logs, runtime, store
from mnist_dreams.subject import data, models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params
layer = pd.read_csv(snakemake.input.layer, sep="\t", keep_default_na=False)
rescued = None
if hasattr(snakemake.input, "rescue"):
    rescued = pd.read_csv(snakemake.input.rescue, sep="\t", keep_default_na=False)
maps = data_starts.still_without_oip(layer, rescued)
log.info("maps still without an OIP: %s", maps or "none")
results = {}
if maps:  # else no model load: a run that found every map pays a second for this step
    model, pixel_mean, pixel_std, test_x = models.subject_and_test_images(snakemake.input, p.scaling, p.precision)
    log.info(runtime.check_device())
    shape = tuple(model.inputs[0].shape[1:])
    examples, _ = store.read_h5(snakemake.input.examples, required=("top_index", "top_activation"))
    train_x = None
    if hasattr(snakemake.input, "train"):  # MNIST's training images, for maps silent on the test set
        train = np.asarray(data.read_mnist(snakemake.input.train)[0]["x_train"], np.float32)[..., None]
        train_x = photo.to_input(train, pixel_mean, pixel_std)
    box = input_range.bounds(pixel_mean, pixel_std, shape[-1])
    results = data_starts.run(
        model,
        maps,
        examples,
        test_x,
        train_x,
        p.oip,
        p.starts,
        p.seed,
        box,
        p.layer,
        warm_up=p.warm_up,
        pixel_stats=(pixel_mean, pixel_std),
    )
out = snakemake.output.maps
os.makedirs(out, exist_ok=True)  # Snakemake removes the whole folder if this job fails
for m, (datasets, attrs) in results.items():
    store.write_h5(f"{out}/map_{m:03d}.h5", datasets, attrs={**attrs, "precision": p.precision})
store.write_tsv(data_starts.table(results), snakemake.output.summary)
