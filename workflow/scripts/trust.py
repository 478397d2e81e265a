"""Rule trust: per map of the layer with an OIP, whether it shows what the map responds to in real
images — path similarity and rank against its dataset examples, the class read, a verdict
(mnist_dreams.ascent.trust)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import trust
from mnist_dreams.plumbing import logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
p = snakemake.params
model, _, _, test_x = models.subject_and_test_images(snakemake.input, p.scaling, p.precision)
log.info(runtime.check_device())
examples, _ = store.read_h5(snakemake.input.examples, required=("top_index", "top_activation"))
oips = {m: r for m, (r, _) in store.read_chunks(snakemake.input.oips, required=("images", "final_loss")).items()}
table = trust.table(model, p.layer, oips, examples, test_x, p.thresholds)
log.info("verdicts: %s", table["verdict"].value_counts().to_dict())
store.write_tsv(table, snakemake.output[0])
