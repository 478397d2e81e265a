"""Rule oip_summary: per map found / best loss, whether it fires on the test images (MNIST test or
model.data, from rule dataset_examples), and the pattern numbers (mnist_dreams.ascent.pattern_numbers)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip
from mnist_dreams.plumbing import logs, store

log = logs.to_file(snakemake.log[0])
p = snakemake.params
max_act = mean_act = best_test = None
if hasattr(snakemake.input, "examples"):
    acts, _ = store.read_h5(snakemake.input.examples, required=("max_activation", "mean_activation", "top_activation"))
    max_act, mean_act, best_test = acts["max_activation"], acts["mean_activation"], acts["top_activation"][:, 0]
else:  # the layer summary without test data: no MNIST-shaped input and no model.data
    log.info("no test images for this model (model.data): fires_on_test left empty")
chunks = {path: store.read_maps(path, required=("final_loss", "images")) for path in snakemake.input.oips}
oip.check_procedure([(path, a) for path, read in chunks.items() for _, a in read.values()], p.start)
results = {m: values for read in chunks.values() for m, (values, _) in read.items()}
stored = {m: attrs for read in chunks.values() for m, (_, attrs) in read.items()}
table = oip.layer_table(results, max_act, mean_act, stored, n_maps=p.n_maps, best_test=best_test)
store.write_tsv(table, snakemake.output[0])
