# Shared helpers: config validation (fills defaults), wildcard checks, params, code hashes, targets.
import sys
from pathlib import Path

from snakemake.utils import validate

# The package lives under workflow/; the Snakefile uses its pure, light modules too.
PACKAGE_ROOT = Path(workflow.basedir) / "workflow"
sys.path.insert(0, str(PACKAGE_ROOT))
from mnist_dreams import codehash, configuration

# `--config` values arrive as YAML BaseLoader strings ("56", "600", "null"): give them the
# schema's types first, so that validation judges the value the user meant.
SCHEMA = PACKAGE_ROOT / "schemas/config.schema.yaml"
configuration.coerce(config, configuration.load_schema(SCHEMA))
validate(config, schema=str(SCHEMA))


wildcard_constraints:
    map=r"\d{3}",
    layers=r"conv[123](\+conv[123])*",
    k=r"\d{3}",
    stage=r"random|precursor",


ENV = "../../envs/mnist-dreams.yaml"
N_MAPS = 128  # conv3 has 128 maps


def code(script):
    """Content hash of a rule script and the package modules it imports (see mnist_dreams.codehash).

    As a param it reruns a job when, and only when, the code that computes its output changed.
    """
    return codehash.code_hash(PACKAGE_ROOT / "scripts" / f"{script}.py", PACKAGE_ROOT)


def map_ids():
    """The configured conv3 maps as zero-padded wildcard values ("046")."""
    maps = range(N_MAPS) if config["maps"] == "all" else config["maps"]
    return [f"{m:03d}" for m in maps]


def valid_map(wildcards):
    """No input; fails the DAG, before any job, for a map conv3 does not have."""
    if int(wildcards.map) >= N_MAPS:
        raise ValueError(
            f"map_{wildcards.map}: conv3 has {N_MAPS} maps, so map must be 000 to {N_MAPS - 1:03d}"
        )
    return []


def oip_stage(wildcards):
    """Where an OIP job's starts come from: its stage wildcard (two_stage) or oip.start."""
    return wildcards.get("stage", config["oip"]["start"])


def oip_starts(wildcards):
    """The precursor file of the map, unless the OIP starts from random fluctuations."""
    if oip_stage(wildcards) == "precursor":
        return f"results/precursor/map_{wildcards.map}.h5"
    return []


def two_stage_results(wildcards):
    """The map's random-start OIP, and only if that found nothing, its precursor-started OIP."""
    from mnist_dreams import store

    random = checkpoints.oip_stage.get(map=wildcards.map, stage="random").output[0]
    _, attrs = store.read_h5(random, attrs_required=("found",))
    if attrs["found"]:
        return {"random": random}
    return {
        "random": random,
        "precursor": f"results/oip/map_{wildcards.map}.precursor.h5",
    }


def cluster_ks():
    """The K values of the KMeans sweep as zero-padded wildcard values ("070")."""
    return [f"{k:03d}" for k in config["clusters"]["k"]]


def features_k():
    """The K whose cluster distances feed the clustered MLP, zero-padded."""
    return f"{config['clusters']['features_k']:03d}"


def valid_k(wildcards):
    """No input; fails the DAG, before any job, for a K that is neither swept nor features_k."""
    known = sorted({*config["clusters"]["k"], config["clusters"]["features_k"]})
    if int(wildcards.k) not in known:
        raise ValueError(
            f"K={int(wildcards.k)} is not configured: clusters.k and clusters.features_k give {known}"
        )
    return []


# Params: exactly the keys that change a rule's output. Keys of an unused mode and speed-only
# knobs (batch sizes, threads) stay out; the scripts still record them in every HDF5's attrs.
def data_params():
    """The data source and only the keys that source reads."""
    d = config["data"]
    used = {"pypi": (), "url": ("url", "url_sha256"), "path": ("path",)}[d["source"]]
    return {"source": d["source"], **{k: d[k] for k in used}}


def precursor_params():
    """The screening's keys; halving's only in halving mode (batch_size is speed only, tested)."""
    p = config["precursor"]
    out = {
        k: p[k]
        for k in (
            "values",
            "grid",
            "standardize",
            "test_epochs",
            "top_k",
            "step_size",
            "mode",
        )
    }
    if p["mode"] == "halving":
        out["halving"] = p["halving"]
    return out


def oip_params(wildcards):
    """The OIP's keys, with the job's own start; the random-start settings only when random."""
    p = config["oip"]
    out = {k: p[k] for k in ("epochs", "step_size", "jitter", "l2", "tv")}
    out["start"] = oip_stage(wildcards)
    if out["start"] == "random":
        out["random"] = p["random"]
    return out


def kmeans_params():
    """The clusters keys one KMeans fit depends on (not the K list, not features_k, not the
    distance normalization: it is applied after the fit)."""
    skip = ("k", "features_k", "normalization")
    return {key: val for key, val in config["clusters"].items() if key not in skip}


def study_runs_params():
    """The study keys its runs depend on (thresholds only change the table)."""
    return {key: val for key, val in config["study"].items() if key != "thresholds"}


def study_kmeans():
    """The clusters keys a study's KMeans fits depend on (its spaces and fit sets are the study's own)."""
    return {
        key: config["clusters"][key]
        for key in ("n_init", "max_iter", "batch_size", "subsample")
    }


def study_runtime():
    """Minutes to ask a scheduler for. Idle 2-core CPU, paper scale: reference 0.7 s per epoch,
    clustered 0.3 s (60000 images), a K = 70 fit with n_init 500 ~50 s; a shared one measured up to
    3x that, so the estimate is tripled."""
    s, mlp = config["study"], config["mlp"]
    n_variants = len(s["spaces"]) * len(s["normalizations"]) * len(s["fit_on"])
    n_confirm = min(n_variants, s["confirm"] + int(s["confirm_honest"]))
    clustered_runs = n_variants + (s["repeats"] - 1) * n_confirm
    share = (mlp["train_subset"] or 60000) / 60000
    train_s = mlp["epochs"] * share * (0.7 * s["repeats"] + 0.3 * clustered_runs)
    fits_s = (
        len(s["spaces"]) * len(s["fit_on"]) * 50 * config["clusters"]["n_init"] / 500
    )
    return int(10 + 3 * (train_s + fits_s) / 60)


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


def report_maps(pattern, caption, **where):
    """``pattern`` for every configured map, each marked for the report with its map as a label.

    For figure jobs that draw one PNG per map: the caption cannot use wildcards, the label shows
    which map an entry is.
    """
    mark = report  # not at a line start: there the Snakefile parser reads `report` as a keyword
    return [
        mark(
            pattern.format(map=m), caption=caption, labels={"map": str(int(m))}, **where
        )
        for m in map_ids()
    ]


def final_outputs():
    """Everything the default target builds."""
    precursor_figures = []
    if config["oip"]["start"] == "precursor":
        precursor_figures = expand("results/precursor/map_{map}.png", map=map_ids())
    return [
        "results/summary.tsv",
        "results/summary.html",
        "resources/mnist.h5",
        "results/cnn/model.keras",
        "results/cnn/training.h5",
        "results/cnn/training.png",
        *precursor_figures,
        *expand("results/oip/map_{map}.{ext}", map=map_ids(), ext=("h5", "png")),
        "results/oip/summary.tsv",
        "results/oip/summary.html",
        "results/oip/summary.png",
        "results/oip/atlas.png",
        *expand("results/dreams/map_{map}.{ext}", map=map_ids(), ext=("h5", "png")),
        "results/dreams/gallery.png",
        f"results/dreams/layer_{deepdream_name()}.h5",
        f"results/dreams/layer_{deepdream_name()}.png",
        "results/clusters/sweep.h5",
        "results/clusters/sweep.tsv",
        "results/clusters/sweep.html",
        "results/clusters/sweep.png",
        "results/mlp/comparison.tsv",
        "results/mlp/comparison.html",
        "results/mlp/comparison.png",
    ]
