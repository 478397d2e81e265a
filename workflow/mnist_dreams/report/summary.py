"""The seed's headline numbers next to this run's: one row each, ours recomputed from the run's files.

Every seed number carries the line of the seed text it comes from (``shared/seed`` numbering);
every one of ours the preset and the machine of the file it was read from, or NA and the reason
this run does not compute it.
"""

from __future__ import annotations

import numpy as np

from . import claims

VERDICTS = ("trusted", "doubtful", "not trusted")  # ascent.trust's, here without its Keras import
DATA_START_ROWS = ("maps", "maps_found", "found_from_test", "found_from_train", "silent_maps", "found_by_warm_up")
# quantity: the seed's claim (value or None, unit, source line in the seed text)
SEED = {
    "cnn_test_accuracy": claims.Claim(None, "fraction", "not stated in the seed's articles I, X and XIV"),
    "maps_computed": claims.MAPS,
    "maps_with_oip": claims.MAPS_WITH_OIP,
    "oip_found_by_random": claims.FOUND_BY_RANDOM,
    "oip_found_after_precursor": claims.FOUND_AFTER_PRECURSOR,
    "oip_not_found": claims.NOT_FOUND,
    "maps_firing_on_test": claims.Claim(None, "maps", "not reported by the seed"),
    "precursor_seconds_per_map": claims.PRECURSOR_SECONDS,
    # the pattern numbers (mnist_dreams.ascent.pattern_numbers), medians over the maps with an OIP
    "oip_vs_best_test_median": claims.Claim(None, "ratio", "not reported by the seed"),
    "oip_in_range_ratio_median": claims.Claim(None, "ratio", "not reported by the seed"),
    "oip_in_range_share_median": claims.Claim(None, "fraction", "not reported by the seed"),
    "oip_high_frequency_share_median": claims.Claim(None, "fraction", "not reported by the seed"),
    "oip_diversity_median": claims.Claim(None, "cosine distance", "not reported by the seed"),
    "oip_style_diversity_median": claims.Claim(None, "cosine distance", "not reported by the seed"),
    **{f"data_start_{name}": claims.Claim(None, "maps", "not run by the seed") for name in DATA_START_ROWS},
    **{f"trust_{v.replace(' ', '_')}_maps": claims.Claim(None, "maps", "not judged by the seed") for v in VERDICTS},
    "oip_path_rank_median": claims.Claim(None, "rank", "not reported by the seed"),
    "finer_grid_maps_screened": claims.FINER_GRID,
    "finer_grid_maps_found": claims.FINER_GRID,
    "finer_grid_firing_maps_found": claims.FINER_GRID,
    "finer_grid_seconds_per_map": claims.FINER_GRID._replace(unit="s"),
    "finer_grid_peak_memory_mb": claims.FINER_GRID._replace(unit="MB"),
    **{f"kmeans_seconds_k{k}": claim for k, claim in claims.KMEANS_SECONDS.items()},
    **{
        f"inertia_k{k}": claims.Claim(None, "sum of squares", claims.INTERESTING_KS_SOURCE.format(k=k))
        for k in claims.INTERESTING_KS
    },
    **{
        f"silhouette_k{k}": claims.Claim(None, "mean silhouette", "l.403: plotted, no value given")
        for k in claims.INTERESTING_KS
    },
    "mlp_reference_test_accuracy": claims.REFERENCE_TEST_ACCURACY,
    "mlp_reference_seconds": claims.REFERENCE_SECONDS,
    "mlp_clustered_test_accuracy": claims.CLUSTERED_TEST_ACCURACY,
    **{f"speedup_to_{name}": claim for name, claim in claims.SPEEDUPS.items()},
}


def _row(quantity, ours, origin, note=""):
    claimed, unit, source = SEED[quantity]
    ours = None if ours is None or (isinstance(ours, float) and not np.isfinite(ours)) else ours
    return {
        "quantity": quantity,
        "seed": "NA" if claimed is None else claimed,
        "ours": "NA" if ours is None else (f"{ours:.6g}" if isinstance(ours, float) else ours),
        "unit": unit,
        "seed_source": source,
        "preset": origin.get("preset", "NA") if ours is not None else "NA",
        "machine": origin.get("machine", "NA") if ours is not None else "NA",
        "note": note,
    }


def _leaves(tree, prefix=()):
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def _get(tree, path):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def preset(config, default, overlays, configured=None):
    """Which preset ``config`` is: "paper", "tiny + overrides", "default", ... (``overlays``: name → dict).

    ``configured``: keys as the user wrote them where the workflow's config holds a resolved value
    (``maps: auto`` becomes the list of maps it stands for).
    """
    config = {**config, **(configured or {})}

    def matches(tree, skip=()):
        return all(_get(config, path) == value for path, value in _leaves(tree) if path not in skip)

    for name, overlay in overlays.items():
        if matches(overlay):
            rest = matches(default, skip=dict(_leaves(overlay)))  # the default's keys it does not set
            return name if rest else f"{name} + overrides"
    return "default" if matches(default) else "default + overrides"


def machine(attrs):
    """Where a stored result was computed: host, CPU and Keras backend from its attrs."""
    versions = attrs.get("versions", {})
    parts = [attrs.get("host", "?"), attrs.get("cpu", "CPU unknown"), versions.get("keras_backend", "?")]
    return ", ".join(str(p) for p in parts)


def oip_rows(layer, oip_attrs, start, origin):
    """Layer coverage and the two-stage split from the layer summary table and the OIP attrs."""
    computed = layer[layer["computed"].astype(str) == "True"]
    found = computed["found"].astype(str) == "True"
    rows = [
        _row("maps_computed", int(len(computed)), origin),
        _row("maps_with_oip", int(found.sum()), origin, f"of {len(computed)} computed maps"),
        _row("maps_firing_on_test", int(layer["fires_on_test"].astype(str).eq("True").sum()), origin, "of 128"),
    ]
    split = computed["found_by"].astype(str).value_counts() if "found_by" in computed else {}
    for quantity, key in (("oip_found_by_random", "random"), ("oip_found_after_precursor", "precursor")):
        if start == "two_stage":
            rows.append(_row(quantity, int(split.get(key, 0)), origin))
        else:
            rows.append(_row(quantity, None, origin, f"oip.start is {start}, not two_stage: no split"))
    rows.append(_row("oip_not_found", int((~found).sum()), origin, f"of {len(computed)} computed maps"))
    seconds = [a["precursor_seconds"] for a in oip_attrs if "precursor_seconds" in a]
    note = f"median of {len(seconds)} screened maps, compute only (no job start-up)" if seconds else ""
    if not seconds:
        note = "no precursor screening in this run"
    rows.append(_row("precursor_seconds_per_map", float(np.median(seconds)) if seconds else None, origin, note))
    import pandas as pd

    for quantity, column in PATTERN_NUMBERS.items():
        values = pd.to_numeric(computed[column], errors="coerce").dropna() if column in computed else []
        note = f"median of {len(values)} maps with an OIP" if len(values) else "no map with a value in this run"
        rows.append(_row(quantity, float(np.median(values)) if len(values) else None, origin, note))
    return rows


PATTERN_NUMBERS = {  # summary row: the layer summary's column
    "oip_vs_best_test_median": "oip_vs_best_test",
    "oip_in_range_ratio_median": "in_range_ratio",
    "oip_in_range_share_median": "in_range_share",
    "oip_high_frequency_share_median": "high_frequency_share",
    "oip_diversity_median": "diversity",
    "oip_style_diversity_median": "style_diversity",
}


def kmeans_rows(sweep, origin):
    """Time per K (fit + silhouette, as the seed timed them) and inertia / silhouette at the seed's K."""
    by_k = {int(k): i for i, k in enumerate(sweep["k"])}
    rows = []

    def at(k, column):
        return float(sweep[column][by_k[k]]) if k in by_k else None

    for k in claims.KMEANS_SECONDS:
        seconds = None if k not in by_k else at(k, "fit_time_s") + at(k, "silhouette_time_s")
        rows.append(_row(f"kmeans_seconds_k{k}", seconds, origin, "" if k in by_k else f"K={k} not in clusters.k"))
    for what in ("inertia", "silhouette"):
        for k in claims.INTERESTING_KS:
            note = "" if k in by_k else f"K={k} not in clusters.k"
            if what == "inertia" and k in by_k:
                note = "pixels scaled to [0, 1]"
            rows.append(_row(f"{what}_k{k}", at(k, what), origin, note))
    return rows


def mlp_rows(comparison, origin):
    """Accuracies, reference time and the speed-ups, from the MLP comparison table."""
    by = {row["quantity"]: row for row in comparison}

    def value(quantity, column):
        row = by.get(quantity)
        return None if row is None else float(row[column])

    epochs = claims.REFERENCE_EPOCHS.value
    rows = [
        _row("mlp_reference_test_accuracy", value("final_test_accuracy", "reference"), origin),
        _row(
            "mlp_reference_seconds",
            value("wall_s", "reference"),
            origin,
            f"{epochs} epochs in the seed; ours: mlp.epochs",
        ),
        _row("mlp_clustered_test_accuracy", value("final_test_accuracy", "clustered"), origin),
    ]
    for target in claims.SPEEDUPS:
        quantity = f"s_to_{target}"
        ratio = value(quantity, "ratio")
        note = str(by[quantity].get("note", "")) if quantity in by else f"{target.split('_')[0]} not in mlp.thresholds"
        rows.append(_row(f"speedup_to_{target}", ratio, origin, note if note != "nan" else ""))
    return rows


def rescue_rows(rescue, origin):
    """The seed's open question answered: of the maps without an OIP, how many the finer grid finds."""
    if rescue is None:
        note = "rescue.enabled is false: no finer grid in this run"
        names = ("maps_screened", "maps_found", "firing_maps_found", "seconds_per_map", "peak_memory_mb")
        return [_row(f"finer_grid_{name}", None, origin, note) for name in names]
    fires = rescue["fires_on_test"].astype(str) == "True"
    found = rescue["found"].astype(str) == "True"
    n = len(rescue)
    seconds = float(rescue["job_s"].iloc[0]) / n if n else None
    return [
        _row("finer_grid_maps_screened", n, origin, "maps without an OIP after the run's own procedure"),
        _row("finer_grid_maps_found", int(found.sum()), origin, f"of {n}"),
        _row(
            "finer_grid_firing_maps_found", int((found & fires).sum()), origin, f"of {int(fires.sum())} firing on test"
        ),
        _row("finer_grid_seconds_per_map", seconds, origin, "the rescue job's wall time / its maps"),
        _row("finer_grid_peak_memory_mb", float(rescue["peak_rss_mb"].iloc[0]) if n else None, origin, "the job's"),
    ]


def data_start_rows(table, origin):
    """Starts from the data (issue 39): of the maps still without an OIP after the seed's stages
    and the rescue, how many an ascent from their most exciting images finds, how many are silent
    on every image searched, and how many of those the warm-up through their dead ReLU finds."""
    if table is None:
        note = "data_starts.enabled is false: no starts from the data in this run"
        return [_row(f"data_start_{name}", None, origin, note) for name in DATA_START_ROWS]
    found = table["found"].astype(str) == "True"
    searched = int(table["images_searched"].max()) if len(table) else 0
    n = len(table)
    return [
        _row("data_start_maps", n, origin, "maps without an OIP after the seed's stages and the rescue"),
        _row("data_start_maps_found", int(found.sum()), origin, f"of {n}"),
        _row("data_start_found_from_test", int((found & (table["start_set"] == "test")).sum()), origin),
        _row("data_start_found_from_train", int((found & (table["start_set"] == "train")).sum()), origin),
        _row(
            "data_start_silent_maps",
            int(table["start_set"].isin(["none", "warm-up"]).sum()),
            origin,
            f"silent on every image searched (up to {searched})" if n else "",
        ),  # fmt: skip
        _row(
            "data_start_found_by_warm_up",
            int((found & (table["start_set"] == "warm-up")).sum()),
            origin,
            "of the silent maps: random starts up the pre-activation first (data_starts.warm_up)",
        ),  # fmt: skip
    ]


def trust_rows(table, origin):
    """The trust verdicts (``ascent.trust``): maps per verdict and the median path rank."""
    if table is None:
        note = "no test images for this model: no trust verdicts"
        return [_row(f"trust_{v.replace(' ', '_')}_maps", None, origin, note) for v in VERDICTS] + [
            _row("oip_path_rank_median", None, origin, note)
        ]
    counts = table["verdict"].astype(str).value_counts()
    note = f"of {len(table)} maps with an OIP"
    rows = [_row(f"trust_{v.replace(' ', '_')}_maps", int(counts.get(v, 0)), origin, note) for v in VERDICTS]
    import pandas as pd

    ranks = pd.to_numeric(table["path_rank"], errors="coerce").dropna()
    median = float(np.median(ranks)) if len(ranks) else None
    return rows + [_row("oip_path_rank_median", median, origin, f"median of {len(ranks)} maps")]


def build(paths, start, preset_name):
    """The whole table (a DataFrame) from the run's files.

    ``paths``: training (CNN history h5), oips (final OIP h5s), layer (layer summary TSV), sweep
    (sweep h5), kmeans (one K's h5), comparison (MLP comparison TSV), reference (reference MLP h5),
    rescue (the finer grid's table) and data_starts (that stage's table) when the run has them.
    """
    import pandas as pd

    from ..plumbing import store

    def origin(attrs):
        return {"preset": preset_name, "machine": machine(attrs)}

    history, cnn_attrs = store.read_h5(paths["training"], required=("test_accuracy",))
    rows = [_row("cnn_test_accuracy", float(history["test_accuracy"][-1]), origin(cnn_attrs))]
    oip_attrs = [attrs for _, attrs in store.read_chunks(paths["oips"]).values()]
    layer = pd.read_csv(paths["layer"], sep="\t", keep_default_na=False)
    rows += oip_rows(layer, oip_attrs, start, origin(oip_attrs[0]))
    rescue = pd.read_csv(paths["rescue"], sep="\t", keep_default_na=False) if "rescue" in paths else None
    rows += rescue_rows(rescue, origin(oip_attrs[0]))
    starts = pd.read_csv(paths["data_starts"], sep="\t", keep_default_na=False) if "data_starts" in paths else None
    rows += data_start_rows(starts, origin(oip_attrs[0]))
    trust = pd.read_csv(paths["trust"], sep="\t", keep_default_na=False) if "trust" in paths else None
    rows += trust_rows(trust, origin(oip_attrs[0]))
    sweep, _ = store.read_h5(paths["sweep"], required=("k", "inertia", "silhouette", "fit_time_s"))
    rows += kmeans_rows(sweep, origin(store.read_h5(paths["kmeans"])[1]))
    comparison = pd.read_csv(paths["comparison"], sep="\t").to_dict("records")
    rows += mlp_rows(comparison, origin(store.read_h5(paths["reference"])[1]))
    return pd.DataFrame(rows)
