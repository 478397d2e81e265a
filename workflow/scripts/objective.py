"""Rule objective: one configured objective (a neuron, a direction, a class, a weighted sum) ascended
from random starts, into results/objectives/<name>/oip.h5."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import input_range, objective_ascent, oip
from mnist_dreams.plumbing import backend, logs, runtime, store
from mnist_dreams.subject import models

log = logs.to_file(snakemake.log[0])
MOST = 64  # the schema's largest objectives.<name>.candidates
spec, ascent, seed = snakemake.params.objective, snakemake.params.ascent, snakemake.params.seed
backend.set_precision(snakemake.params.precision)
model, pixel_mean, pixel_std = models.load_subject(snakemake.input, snakemake.params.scaling)
log.info(runtime.check_device())
shape = tuple(model.inputs[0].shape[1:])
# the same random starts for every objective of a run (the run's seed): their results compare. Drawn
# as the largest candidates allows and cut, so that an objective's first k starts do not depend on k
r = ascent["random"]
drawn = oip.random_starts(MOST, pixel_mean, pixel_std, seed, r["cells"], r["weights"], shape)
starts = drawn[: spec["candidates"]]
bounds = input_range.bounds(pixel_mean, pixel_std, shape[-1])
result, attrs = objective_ascent.ascend(model, spec, starts, ascent, seed, ascent.get("diversity_layer"), bounds)
attrs.update(objective=snakemake.wildcards.objective, spec=spec, ascent=ascent, seed=seed)
store.write_h5(snakemake.output[0], result, attrs={**attrs, "precision": snakemake.params.precision})
