"""Rule cnn: train the seed's CNN, save the model and its per-epoch history."""

import _bootstrap  # noqa: F401
from mnist_dreams import cnn, data, logs, models, runtime, store

log = logs.to_file(snakemake.log[0])
log.info(runtime.check_device())
mnist, _ = data.read_mnist(snakemake.input.mnist)
model, history, attrs = cnn.train(mnist, seed=snakemake.params.seed, **snakemake.params.cnn)
models.save_model(model, snakemake.output.model)
store.write_h5(
    snakemake.output.training,
    history,
    attrs={**attrs, "params": snakemake.params.cnn, "seed": snakemake.params.seed},
)
