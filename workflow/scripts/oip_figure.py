"""Rule oip_figure: each map's OIP panel of a chunk (its candidates, start and end, loss curves) and,
where the model has test images, its dataset examples; one PNG per chunk, its maps one below the other
(one Python and Matplotlib start-up for all of them)."""

import _bootstrap  # noqa: F401
from functools import partial

from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store
from mnist_dreams.report import sheets

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "loss_history", "start_loss", "final_loss")
examples = store.read_h5(snakemake.input.examples)[0] if hasattr(snakemake.input, "examples") else None
panels = []
for m, (result, attrs) in store.read_maps(snakemake.input.oips, required=need).items():
    shown = oip_figures.map_examples(examples, m) if examples else None
    layer = attrs.get("layer", "conv3")
    panels.append((m, partial(oip_figures.oip_panel, m, result, layer=layer, examples=shown)))
sheets.sheet(panels, snakemake.output[0])
