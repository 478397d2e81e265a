# Params: exactly the keys that change a rule's output. Keys of an unused mode and speed-only
# knobs (batch sizes, threads, maps_per_job) stay out; the scripts still record them in every
# HDF5's attrs. Functions only (used by the rule files).


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


def rescue_precursor_params():
    """The finer grid's screening: the precursor keys, with rescue's values, mode and halving."""
    r = config["rescue"]
    out = {**precursor_params(), "values": r["values"], "mode": r["mode"]}
    out.pop("halving", None)
    if r["mode"] == "halving":
        # its last rung is the rescue's test_epochs, apart from precursor's
        out["halving"] = r["halving"]
        out["test_epochs"] = r["halving"]["rungs"][-1]
    return out


def rescue_runtime():
    """Minutes to ask a scheduler for: measured ≤ 10 min per map on 2 CPU cores, at most 128 maps
    (the job's maps are known only when it runs: the run's maps without an OIP)."""
    return 30 + 10 * len(MAPS)


def oip_params(start):
    """The OIP's keys for a job starting from ``start``; the random-start settings only then."""
    p = config["oip"]
    out = {k: p[k] for k in ("epochs", "step_size", "jitter", "l2", "tv")}
    # the robust ascent's zoom and rotation, the diversity term, only when on: results made before
    # they existed stay valid
    out.update({k: p[k] for k in ("scale", "rotate", "diversity") if p[k]})
    if p["parameterization"] != "pixel":
        out["parameterization"] = p["parameterization"]
    if (
        p["style"] != "seed"
    ):  # the record of a smooth run (a seed-style run's params stay as they were)
        out["style"] = p["style"]
    out["start"] = start
    if start == "random":
        out["random"] = p["random"]
    return out


def kmeans_params():
    """The clusters keys one KMeans fit depends on (not the K list, not features_k, not the
    distance normalization: applied after the fit, not the silhouette's sample)."""
    skip = ("k", "features_k", "normalization", "silhouette_sample_size")
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


def objective_ascent():
    """The ascent keys an objective's result depends on: the oip section's step, its options only
    when on (as for the OIP: "rotate: 0" and no key are one setting), the random starts' shape, and
    the layer of the diversity term when it is on."""
    p = config["oip"]
    out = {k: p[k] for k in ("epochs", "step_size")}
    out.update(
        {
            k: p[k]
            for k in ("jitter", "scale", "rotate", "l2", "tv", "diversity")
            if p[k]
        }
    )
    if p["parameterization"] != "pixel":
        out["parameterization"] = p["parameterization"]
    out["random"] = {k: p["random"][k] for k in ("cells", "weights")}
    if p["diversity"]:
        out["diversity_layer"] = LAYER
    return out
