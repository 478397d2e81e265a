"""Rule map_pages: the layer atlas as links (index.html) and a page per computed map (its numbers,
OIP figure with the dataset examples, loss curves, dream), in results/oip/pages/; each map's figures
are cut out of its chunk's sheets (results/oip/map_*.png, results/dreams/map_*.png) beside its page."""

import _bootstrap  # noqa: F401
from pathlib import Path

import numpy as np
import pandas as pd
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import pages, sheets

log = logs.to_file(snakemake.log[0])
out = Path(snakemake.output[0])
out.mkdir(parents=True, exist_ok=True)
layer = snakemake.params.layer
table = pd.read_csv(snakemake.input.summary, sep="\t")
rows = {int(r["map"]): r for r in table.to_dict("records")}
if hasattr(snakemake.input, "trust"):  # each map's trust numbers and verdict beside its own
    for r in pd.read_csv(snakemake.input.trust, sep="\t", keep_default_na=False).to_dict("records"):
        rows[int(r["map"])].update({k: v for k, v in r.items() if k not in rows[int(r["map"])]})
shown = {}  # kind → {map: file name in the pages folder}
for kind, paths in (("oip", snakemake.input.figures), ("dream", snakemake.input.dreams)):
    for sheet in [paths] if isinstance(paths, str) else paths:
        for m, image in sheets.crop(sheet).items():
            shown.setdefault(kind, {})[m] = name = f"map_{m:03d}.{kind}.png"
            image.save(out / name)
thumbs = {}
need = ("images", "final_loss", "loss_history")
for m, (result, _) in store.read_chunks(snakemake.input.oips, required=need).items():
    thumbs[m] = pages.thumbnail(result["images"][int(np.argmax(result["final_loss"]))])
    page = pages.map_page(
        m,
        rows[m],
        layer,
        result["loss_history"],
        figure=shown.get("oip", {}).get(m),
        dream=shown.get("dream", {}).get(m),
    )
    pages.write(out / f"map_{m:03d}.html", page)
# beside each OIP in the index, the test image that excites its map most (rule dataset_examples)
examples = {}
if hasattr(snakemake.input, "examples"):
    stored, _ = store.read_h5(snakemake.input.examples, required=("top_images",))
    examples = {m: pages.photo_thumbnail(stored["top_images"][m][0]) for m in thumbs}
pages.write(out / "index.html", pages.index_page(list(rows.values()), thumbs, layer, examples))
log.info("%d map pages and the index in %s", len(thumbs), out)
