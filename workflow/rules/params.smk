# Params: exactly the keys that change a rule's output. Keys of an unused mode and speed-only
# knobs (batch sizes, threads, maps_per_job) stay out; the scripts still record them in every
# HDF5's attrs. Functions only (used by the rule files). What every job on the model shares is
# written once (model_job, gpu_job), taken with **, as in `**model_job("oip")` among the params.


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
    """The OIP's keys for a job starting from ``start``: the ascent's options that are on (the
    seed-era jitter, l2 and tv always; a result made before another option existed stays valid),
    the style of a smooth run, and the random-start settings only for random starts."""
    out = {
        **ASCENT.params(always=("jitter", "l2", "tv"), record_style=True),
        "start": start,
    }
    if start == "random":
        out["random"] = config["oip"]["random"]
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
    """Minutes to ask a scheduler for: the study's work as the ETA prices it (plan.eta.study_seconds:
    reference 0.7 s per epoch, clustered 0.3 s, a K = 70 fit at n_init 500 ~50 s), tripled, as a
    shared CPU measured up to 3x that."""
    from mnist_dreams.plan import eta

    seconds = eta.study_seconds(
        config["study"], config["mlp"], config["clusters"]["n_init"]
    )
    return int(10 + 3 * seconds / 60)


def mlp_training():
    """The mlp keys a training depends on (thresholds only change the comparison)."""
    return {key: val for key, val in config["mlp"].items() if key != "thresholds"}


def objective_ascent():
    """The ascent keys an objective's result depends on: the oip section's options that are on (as
    for the OIP: "rotate: 0" and no key are one setting), the random starts' shape, and the layer of
    the diversity term when it is on."""
    out = ASCENT.params()
    out["random"] = {k: config["oip"]["random"][k] for k in ("cells", "weights")}
    if ASCENT.diversity:
        out["diversity_layer"] = LAYER
    return out


def model_scaling():
    """How pixels become the model's input (a param: it changes every result): "seed" or model.input's keys."""
    return RUN.scaling


def gpu_share():
    """A GPU job's share of one card in percent, 100 // gpu.jobs_per_device.

    profiles/gpu allows gpu_percent=100 at once, so that jobs_per_device GPU jobs share the card;
    gpu=1 stays what SLURM reads (one GPU), and the job's bootstrap caps its memory to this share.
    """
    return 100 // config["gpu"]["jobs_per_device"]


def code(script):
    """Content hash of a rule script and the package modules it imports (see mnist_dreams.plumbing.codehash).

    As a param it reruns a job when, and only when, the code that computes its output changed.
    """
    return codehash.code_hash(own_file(f"../scripts/{script}.py"), PACKAGE_ROOT)


def model_job(script, layer=True, seed=True):
    """The params of a job that runs the model: the precision, how pixels become its input, the
    layer (``layer``), the run's seed (``seed``: only where it changes the result) and the code hash.
    """
    out = {"precision": config["precision"], "scaling": model_scaling()}
    if layer:
        out["layer"] = LAYER
    if seed:
        out["seed"] = config["seed"]
    return {**out, "code": code(script)}


def gpu_job(mem_mb, runtime):
    """The resources of a job on the GPU: one card (what SLURM reads), this job's share of it."""
    return {"gpu": 1, "gpu_percent": gpu_share(), "mem_mb": mem_mb, "runtime": runtime}
