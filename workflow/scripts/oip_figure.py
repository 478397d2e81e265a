"""Rule oip_figure: one map's OIP panel (its candidates, start and end, loss curves), from its file alone."""

import _bootstrap  # noqa: F401
from mnist_dreams import logs, oip_figures, store

logs.to_file(snakemake.log[0])
need = ("images", "start_images", "loss_history", "start_loss", "final_loss")
result, attrs = store.read_h5(snakemake.input[0], required=need, attrs_required=("map",))
oip_figures.oip_panel(int(attrs["map"]), result, snakemake.output[0], attrs.get("layer", "conv3"))
