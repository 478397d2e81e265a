"""Rule cnn_figure: the CNN's training curve from its stored history."""

import _bootstrap  # noqa: F401
from mnist_dreams import figures, logs, store

logs.to_file(snakemake.log[0])
history, _ = store.read_h5(snakemake.input[0], required=("train_loss", "test_accuracy", "wall_time"))
figures.training_curve(history, snakemake.output[0])
