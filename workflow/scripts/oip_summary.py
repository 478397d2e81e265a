"""Rule oip_summary: per map found / best loss, and how many of the 128 maps fire on MNIST test."""

import _bootstrap  # noqa: F401
from mnist_dreams import cnn, data, logs, models, oip, store

log = logs.to_file(snakemake.log[0])
p = snakemake.params
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
if hasattr(snakemake.input, "mnist"):
    mnist, _ = data.read_mnist(snakemake.input.mnist)
    x_test = cnn.standardize(mnist["x_test"], pixel_mean, pixel_std)
    max_act, mean_act = oip.test_activations(model, x_test, p.layer)
else:  # the layer summary without test data: a colour or differently sized model has no MNIST images
    log.info("model input %s: no MNIST test images to run, fires_on_test left empty", model.inputs[0].shape[1:])
    max_act = mean_act = None
results, stored = {}, {}
for path in snakemake.input.oips:
    values, attrs = store.read_h5(path, required=("final_loss",), attrs_required=("map",))
    results[int(attrs["map"])], stored[int(attrs["map"])] = values, attrs
oip.check_procedure(zip(snakemake.input.oips, stored.values(), strict=True), p.start)
store.write_tsv(oip.layer_table(results, max_act, mean_act, stored, n_maps=p.n_maps), snakemake.output[0])
