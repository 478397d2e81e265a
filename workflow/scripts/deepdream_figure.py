"""Rule deepdream_figure: input, DeepDream, contrast-widened dream and every octave."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import dream_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
result, attrs = store.read_h5(snakemake.input[0], required=("original", "dream", "final", "octave_images", "sizes"))
title = "DeepDream of " + " + ".join(f"{w:g}·{name}" for name, w in attrs["params"]["layers"].items())
dream_figures.deepdream(result, title, snakemake.output[0])
