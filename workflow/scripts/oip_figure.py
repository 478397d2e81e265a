"""Rule oip_figure: a map's OIP panel (its candidates, start and end, loss curves), from its file alone;
one job per map or per chunk of maps (one Python and Matplotlib start-up for all of them)."""

import _bootstrap  # noqa: F401
from mnist_dreams.ascent import oip_figures
from mnist_dreams.plumbing import logs, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "loss_history", "start_loss", "final_loss")
for source, figure in zip(snakemake.input, snakemake.output, strict=True):
    result, attrs = store.read_h5(source, required=need, attrs_required=("map",))
    oip_figures.oip_panel(int(attrs["map"]), result, figure, attrs.get("layer", "conv3"))
