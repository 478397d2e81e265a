"""Rules mlp_reference and mlp_clustered: train the seed's MLP on pixels or on cluster distances."""

import _bootstrap  # noqa: F401
from mnist_dreams.clusters import mlp
from mnist_dreams.plumbing import logs, runtime, store
from mnist_dreams.subject import data, models

log = logs.to_file(snakemake.log[0])
log.info(runtime.check_device())
if hasattr(snakemake.input, "features"):  # rule mlp_clustered
    variant = "clustered"
    arrays, feat_attrs = store.read_h5(snakemake.input.features, required=("x_train", "y_train", "x_test", "y_test"))
    scaler = {"scaler_mean": arrays["scaler_mean"], "scaler_scale": arrays["scaler_scale"]}
    source = {"k": feat_attrs["k"], "fit_on": feat_attrs["fit_on"]}
else:
    variant = "reference"
    arrays, _ = data.read_mnist(snakemake.input.mnist)
    arrays["x_train"], arrays["x_test"], scaler = mlp.pixel_inputs(arrays)
    source = {}
model, history, attrs = mlp.train(
    arrays["x_train"],
    arrays["y_train"],
    arrays["x_test"],
    arrays["y_test"],
    seed=snakemake.params.seed,
    **snakemake.params.mlp,
)
models.save_model(model, snakemake.output.model)
store.write_h5(
    snakemake.output.history,
    {**history, **scaler},
    attrs={**attrs, **source, "variant": variant, "params": snakemake.params.mlp, "seed": snakemake.params.seed},
)
