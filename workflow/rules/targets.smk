# What `snakemake` with no target builds (the default target in the Snakefile): the final outputs.


def final_outputs():
    """Everything the default target builds: for another layer than the seed's conv3, that
    layer's per-map steps only (the seed's numbers, clusters and MLP are about conv3 and pixels).
    """
    layer_steps = subject_outputs()
    if SUBJECT:
        return layer_steps if OWN_MODEL else ["results/cnn/model.keras", *layer_steps]
    return [
        "results/summary.tsv",
        "results/summary.html",
        "resources/mnist.h5",
        "results/cnn/model.keras",
        "results/cnn/training.h5",
        "results/cnn/training.png",
        *layer_steps,
        "results/clusters/sweep.h5",
        "results/clusters/sweep.tsv",
        "results/clusters/sweep.html",
        "results/clusters/sweep.png",
        "results/mlp/comparison.tsv",
        "results/mlp/comparison.html",
        "results/mlp/comparison.png",
    ]


def subject_outputs():
    """The configured layer's per-map results, atlas, layer summary, dreams and rescue."""
    precursor_figures = []
    if config["oip"]["start"] == "precursor":
        precursor_figures = expand(
            at("results/precursor/map_{maps}.png"), maps=map_chunks()
        )
    return [
        *precursor_figures,
        *expand(
            at("results/oip/map_{maps}.{ext}"), maps=map_chunks(), ext=("h5", "png")
        ),
        at("results/oip/summary.tsv"),
        at("results/oip/summary.html"),
        at("results/oip/summary.png"),
        at("results/oip/atlas.png"),
        at("results/oip/pages"),
        *dream_outputs(),
        *rescue_outputs(),
        *([at("results/data_starts/summary.tsv")] if DATA_STARTS else []),
        *([at("results/oip/trust.tsv")] if TEST_DATA else []),
        *objective_outputs(),
    ]


def objective_outputs():
    """Each configured objective's result and figure, and their gallery (config objectives; none by default)."""
    if not OBJECTIVES:
        return []
    return [
        *expand(
            at("results/objectives/{objective}/oip.{ext}"),
            objective=list(OBJECTIVES),
            ext=("h5", "png"),
        ),
        at("results/objectives/gallery.png"),
    ]


def dream_outputs():
    """The seed's single-map dreams of the configured maps, their gallery, and the DeepDream."""
    return [
        *expand(
            at("results/dreams/map_{maps}.{ext}"), maps=map_chunks(), ext=("h5", "png")
        ),
        at("results/dreams/gallery.png"),
        *expand(
            at("results/dreams/layer_{layers}.{ext}"),
            layers=deepdream_name(),
            ext=("h5", "png"),
        ),
    ]


def rescue_outputs():
    """The finer grid's table, page and atlas when rescue.enabled (the seed's open question)."""
    if not config["rescue"]["enabled"]:
        return []
    return [
        at("results/rescue/summary.tsv"),
        at("results/rescue/summary.html"),
        at("results/rescue/atlas.png"),
    ]
