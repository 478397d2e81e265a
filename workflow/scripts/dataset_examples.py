"""Rule dataset_examples: per map of the layer, the test images that excite it most and least, and
the activations the layer summary reads (fires on test, mean, the best test image's)."""

import _bootstrap  # noqa: F401
import numpy as np
from mnist_dreams.plumbing import logs, store
from mnist_dreams.subject import activity, data, examples, models, photo

log = logs.to_file(snakemake.log[0])
p = snakemake.params
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, p.scaling)
pixels = activity.load(snakemake.input.test_data, tuple(model.inputs[0].shape[1:]))
labels = None
if len(snakemake.input.test_data) == 1 and str(snakemake.input.test_data[0]).endswith(".h5"):  # MNIST test
    labels = data.read_mnist(snakemake.input.test_data[0])[0]["y_test"]
log.info("%s: activations of %d test images", p.layer, len(pixels))
peak, mean, per_image = examples.activations(model, photo.to_input(pixels, pixel_mean, pixel_std), p.layer)
sheet = examples.sheet(pixels, per_image, labels, p.top)
store.write_h5(
    snakemake.output[0],
    {"max_activation": peak, "mean_activation": mean, **sheet},
    attrs={"layer": p.layer, "n_images": len(pixels), "top": p.top, "labels": labels is not None,
           "scaling": p.scaling, "test_data": p.test_data},
)  # fmt: skip
log.info("best test activation per map: median %.4g, %d maps silent", np.median(sheet["top_activation"][:, 0]),
         int((peak <= 0).sum()))  # fmt: skip
