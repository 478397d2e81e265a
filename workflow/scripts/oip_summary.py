"""Rule oip_summary: per map found / best loss, and how many of the 128 maps fire on MNIST test."""

import _bootstrap  # noqa: F401
from mnist_dreams import cnn, data, logs, models, oip, store

logs.to_file(snakemake.log[0])
model, pixel_mean, pixel_std = models.load_cnn(snakemake.input.model, snakemake.input.training)
mnist, _ = data.read_mnist(snakemake.input.mnist)
x_test = cnn.standardize(mnist["x_test"], pixel_mean, pixel_std)
max_act, mean_act = oip.test_activations(model, x_test, snakemake.params.layer)
results, stored = {}, {}
for path in snakemake.input.oips:
    values, attrs = store.read_h5(path, required=("final_loss",), attrs_required=("map",))
    results[int(attrs["map"])], stored[int(attrs["map"])] = values, attrs
oip.check_procedure(zip(snakemake.input.oips, stored.values(), strict=True), snakemake.params.start)
store.write_tsv(oip.layer_table(results, max_act, mean_act, stored), snakemake.output[0])
