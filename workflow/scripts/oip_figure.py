"""Rule oip_figure: a map's OIP panel (its candidates, start and end, loss curves) and, where the
model has test images, its dataset examples; one job per map or per chunk of maps (one Python and
Matplotlib start-up for all of them)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "loss_history", "start_loss", "final_loss")
examples = store.read_h5(snakemake.input.examples)[0] if hasattr(snakemake.input, "examples") else None
oips = [snakemake.input.oips] if isinstance(snakemake.input.oips, str) else snakemake.input.oips  # one map: a str
for source, figure in zip(oips, snakemake.output, strict=True):
    result, attrs = store.read_h5(source, required=need, attrs_required=("map",))
    m = int(attrs["map"])
    shown = oip_figures.map_examples(examples, m) if examples else None
    oip_figures.oip_panel(m, result, figure, attrs.get("layer", "conv3"), shown)
