"""Rule cnn_figure: the CNN's training curve from its stored history."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import figures

logs.to_file(snakemake.log[0])
history, _ = store.read_h5(snakemake.input[0], required=("train_loss", "test_accuracy", "wall_time"))
figures.training_curve(history, snakemake.output[0])
