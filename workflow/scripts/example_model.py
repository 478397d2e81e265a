"""Rule example_model: a residual BatchNorm CNN trained on MNIST, saved as .keras (a model to bring)."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import backend, logs
from mnist_dreams.subject import data, example_model, models

log = logs.to_file(snakemake.log[0])
p = snakemake.params.example
backend.seed_everything(snakemake.params.seed)
mnist, _ = data.read_mnist(snakemake.input.mnist)
model, accuracy = example_model.train(mnist, p["epochs"], p["train_subset"], p["batch_size"], snakemake.params.seed)
models.save_model(model, snakemake.output[0])
log.info("saved with test accuracy %.4f", accuracy)
