"""Rule cnn: train the seed's CNN, save the model and its per-epoch history."""

import _bootstrap  # noqa: F401
from mnist_dreams.plumbing import logs, runtime, store
from mnist_dreams.subject import cnn, data, models

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
