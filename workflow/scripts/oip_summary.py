"""Rule oip_summary: per map found / best loss, and which maps fire on the test images (MNIST test or model.data)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import activity, models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
if hasattr(snakemake.input, "test_data"):  # model.data's files, or MNIST for a 28×28 gray model
    images = activity.load(snakemake.input.test_data, tuple(model.inputs[0].shape[1:]))
    log.info("activity on %d test images", len(images))
    max_act, mean_act = oip.test_activations(model, photo.to_input(images, pixel_mean, pixel_std), p.layer)
else:  # the layer summary without test data: no MNIST-shaped input and no model.data
    log.info("model input %s: no test images (model.data), fires_on_test left empty", model.inputs[0].shape[1:])
    max_act = mean_act = None
results, stored = {}, {}
for path in snakemake.input.oips:
    values, attrs = store.read_h5(path, required=("final_loss",), attrs_required=("map",))
    results[int(attrs["map"])], stored[int(attrs["map"])] = values, attrs
oip.check_procedure(zip(snakemake.input.oips, stored.values(), strict=True), p.start)
store.write_tsv(oip.layer_table(results, max_act, mean_act, stored, n_maps=p.n_maps), snakemake.output[0])
