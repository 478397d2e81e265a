"""Rule map_pages: the layer atlas as links (index.html) and a page per computed map (its numbers,
OIP figure with the dataset examples, loss curves, dream), in results/oip/pages/."""

import _bootstrap  # noqa: F401
import os
from pathlib import Path

import numpy as np
import pandas as pd
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import pages

log = logs.to_file(snakemake.log[0])
out = Path(snakemake.output[0])
out.mkdir(parents=True, exist_ok=True)
layer = snakemake.params.layer
table = pd.read_csv(snakemake.input.summary, sep="\t")
rows = {int(r["map"]): r for r in table.to_dict("records")}
dreams = {Path(p).stem: p for p in snakemake.input.dreams}
thumbs = {}
for path, figure in zip(snakemake.input.oips, snakemake.input.figures, strict=True):
    result, attrs = store.read_h5(path, required=("images", "final_loss", "loss_history"), attrs_required=("map",))
    m = int(attrs["map"])
    thumbs[m] = pages.thumbnail(result["images"][int(np.argmax(result["final_loss"]))])
    dream = dreams.get(f"map_{m:03d}")
    page = pages.map_page(
        m,
        rows[m],
        layer,
        result["loss_history"],
        figure=os.path.relpath(figure, out),
        dream=os.path.relpath(dream, out) if dream else None,
    )
    pages.write(out / f"map_{m:03d}.html", page)
# beside each OIP in the index, the test image that excites its map most (rule dataset_examples)
examples = {}
if hasattr(snakemake.input, "examples"):
    stored, _ = store.read_h5(snakemake.input.examples, required=("top_images",))
    examples = {m: pages.photo_thumbnail(stored["top_images"][m][0]) for m in thumbs}
pages.write(out / "index.html", pages.index_page(list(rows.values()), thumbs, layer, examples))
log.info("%d map pages and the index in %s", len(thumbs), out)
