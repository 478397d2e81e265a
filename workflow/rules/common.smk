# Shared helpers: config validation (fills defaults), wildcard constraints, target lists.
from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")


wildcard_constraints:
    map=r"\d{3}",
    layers=r"conv[123](\+conv[123])*",
    k=r"\d{3}",


ENV = "../../envs/mnist-dreams.yaml"


def map_ids():
    """The configured conv3 maps as zero-padded wildcard values ("046")."""
    maps = range(128) if config["maps"] == "all" else config["maps"]
    return [f"{m:03d}" for m in maps]


def oip_starts(wildcards):
    """The precursor file of the map, unless the OIP starts from random fluctuations."""
    if config["oip"]["start"] == "precursor":
        return f"results/precursor/map_{wildcards.map}.h5"
    return []


def cluster_ks():
    """The K values of the KMeans sweep as zero-padded wildcard values ("070")."""
    return [f"{k:03d}" for k in config["clusters"]["k"]]


def features_k():
    """The K whose cluster distances feed the clustered MLP, zero-padded."""
    return f"{config['clusters']['features_k']:03d}"


def kmeans_params():
    """The clusters keys one KMeans fit depends on (not the K list, not features_k)."""
    skip = ("k", "features_k")
    return {key: val for key, val in config["clusters"].items() if key not in skip}


def mlp_training():
    """The mlp keys a training depends on (thresholds only change the comparison)."""
    return {key: val for key, val in config["mlp"].items() if key != "thresholds"}


def dream_image():
    """The dream's photo as an input file, so that editing it reruns the dreams."""
    image = config["dream"]["image"]
    return [] if image == "flower" else [image]


def deepdream_name():
    """File name part of the DeepDream: its layers, e.g. "conv3" or "conv2+conv3"."""
    return "+".join(sorted(config["deepdream"]["layers"]))


def final_outputs():
    """Everything the default target builds."""
    return [
        "resources/mnist.h5",
        "results/cnn/model.keras",
        "results/cnn/training.h5",
        "results/cnn/training.png",
        *expand("results/oip/map_{map}.{ext}", map=map_ids(), ext=("h5", "png")),
        "results/oip/summary.tsv",
        "results/oip/summary.png",
        *expand("results/dreams/map_{map}.{ext}", map=map_ids(), ext=("h5", "png")),
        "results/dreams/gallery.png",
        f"results/dreams/layer_{deepdream_name()}.h5",
        f"results/dreams/layer_{deepdream_name()}.png",
        "results/clusters/sweep.h5",
        "results/clusters/sweep.tsv",
        "results/clusters/sweep.png",
        "results/mlp/comparison.tsv",
        "results/mlp/comparison.png",
    ]
