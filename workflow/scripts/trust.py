"""Rule trust: per map of the layer with an OIP, whether it shows what the map responds to in real
images — path similarity, its ratio and rank against its dataset examples, the silent share, the
weight dependence (mnist_dreams.ascent.weight_dependence), the class role
(mnist_dreams.ascent.class_role), the class read, a verdict
(mnist_dreams.ascent.trust)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import class_role, input_range, trust, weight_dependence
from mnist_dreams.plumbing import logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params
model, pixel_mean, pixel_std, test_x = models.subject_and_test_images(snakemake.input, p.scaling, p.precision)
log.info(runtime.check_device())
examples, _ = store.read_h5(snakemake.input.examples, required=("top_index", "top_activation"))
stored = store.read_chunks(snakemake.input.oips, required=("images", "start_images", "final_loss"))
oips, attrs = {m: r for m, (r, _) in stored.items()}, {m: a for m, (_, a) in stored.items()}
box = input_range.bounds(pixel_mean, pixel_std, model.inputs[0].shape[-1])
weights = weight_dependence.table(model, p.layer, oips, attrs, box)  # the ascent again, weights shuffled
roles = class_role.table(model, p.layer, test_x, sorted(weights))  # the classes that lose most without the map
log.info("weight dependence of %d maps, class role of %d", len(weights), len(roles))
extra = {m: {**weights.get(m, {}), **roles.get(m, {})} for m in oips}
table = trust.table(model, p.layer, oips, examples, test_x, p.thresholds, extra=extra)
log.info("verdicts: %s", table["verdict"].value_counts().to_dict())
store.write_tsv(table, snakemake.output[0])
