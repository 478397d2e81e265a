"""Config checks a JSON schema cannot make, run while the Snakefile is read, before any job.

Snakemake deletes a job's old outputs before the job starts, so a value that fails inside a job
costs the user the result it was to replace. Every value that can fail a job is therefore refused
here, naming the key and a fix: non-finite numbers (NaN passes every bound of a schema, ``inf`` every
lower one), values that only make sense together (K against the images that form it, a grid's
top k against its size, cell sizes against their weights), the MNIST source the ``data`` section
points at, and an empty mapping on the command line, which Snakemake merges into the config file's
mapping, so that it would silently change nothing.
"""

from __future__ import annotations

import math
from pathlib import Path

IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _key(path):
    return ".".join(str(p) for p in path) or "config"


def non_finite(value, schema=None, path=()):
    """Messages for every NaN or infinite number in ``value`` (the whole config, recursively)."""
    if isinstance(value, float) and not math.isfinite(value):
        default = _default(schema, path)
        hint = f" (its default: {default})" if default is not None else ""
        return [f"{_key(path)}: {value} is not a finite number; give a number{hint}"]
    if isinstance(value, dict):
        return [msg for k, v in value.items() for msg in non_finite(v, schema, (*path, k))]
    if isinstance(value, list):
        return [msg for i, v in enumerate(value) for msg in non_finite(v, schema, (*path, i))]
    return []


def _default(schema, path):
    for key in path:
        if not isinstance(schema, dict):
            return None
        schema = schema.get("properties", {}).get(key) if isinstance(key, str) else schema.get("items")
    return schema.get("default") if isinstance(schema, dict) and not isinstance(schema.get("default"), dict) else None


def ignored_empty_mappings(overrides, config, path=()):
    """Messages for each empty mapping of ``overrides`` (``--config``) that Snakemake merged into the
    config without effect: into a non-empty mapping (which keeps its keys) or into null (which stays
    null); an empty mapping where the config holds one too says what is already there."""
    out = []
    for key, value in (overrides or {}).items():
        here = (*path, key)
        merged = config.get(key) if isinstance(config, dict) else None
        if isinstance(value, dict) and not value and merged != {}:
            held = "null" if merged is None else "{" + ", ".join(map(str, merged)) + "}" if isinstance(merged, dict) \
                else repr(merged)  # fmt: skip
            out.append(
                f"{_key(here)}: {{}} on the command line is merged into the config's {_key(here)} ({held}) and "
                f"changes nothing; give the keys it should hold"
                + (" (e.g. 'deepdream={layers: {conv3: 1.0}}'), or null for model.layer" if key == "layers" else "")
            )
        elif isinstance(value, dict):
            out += ignored_empty_mappings(value, merged, here)
    return out


def cross_checks(config):
    """Messages for rules across keys (empty: all hold)."""
    out = _halving(config) + _clusters(config["clusters"]) + _grids(config) + _random(config["oip"]["random"])
    return out + data_source(config["data"]) + _trust(config["trust"])


def _trust(t):  # after validate(): the schema's defaults are in
    if t["doubtful_path_rank"] > t["path_rank"]:
        return [
            f"trust.doubtful_path_rank {t['doubtful_path_rank']} is above trust.path_rank {t['path_rank']}: a map "
            "below the first is not trusted, at or above the second trusted; "
            "e.g. doubtful_path_rank: 0.25, path_rank: 0.9"
        ]
    return []


def _halving(config):
    out = []
    p = config["precursor"]
    if p["mode"] == "halving":
        rungs = list(p["halving"]["rungs"])
        if rungs[-1] != p["test_epochs"] or rungs != sorted(set(rungs)):
            out.append(
                f"precursor.halving.rungs {rungs} must increase and end at precursor.test_epochs="
                f"{p['test_epochs']}: e.g. rungs: [1, 3, {p['test_epochs']}]"
            )
    rungs = list(config.get("rescue", {}).get("halving", {}).get("rungs", [1]))
    if rungs != sorted(set(rungs)):
        out.append(f"rescue.halving.rungs {rungs} must increase: e.g. rungs: [1, 3, 10]")
    return out


def _clusters(c):
    out, largest = [], max([*c["k"], c["features_k"]])
    images = 60000 if c["fit_on"] == "train" else 70000
    if c["subsample"] and c["subsample"] < largest:
        out.append(
            f"clusters.subsample: {c['subsample']} images cannot make K = {largest} clusters (clusters.k, "
            f"features_k): give at least {largest}, or 0 for all {images}"
        )
    if c["subsample"] > images:
        out.append(f"clusters.subsample: {c['subsample']} is more than the {images} images of fit_on {c['fit_on']}")
    if c["silhouette_sample_size"] and c["silhouette_sample_size"] < largest:
        out.append(
            f"clusters.silhouette_sample_size: {c['silhouette_sample_size']} images cannot hold K = {largest} "
            f"clusters: give at least {largest}, or 0 for the exact silhouette"
        )
    return out


def _grids(config):
    """A screening's top k cannot exceed its grid's starts (values ** cells)."""
    out, p = [], config["precursor"]
    grids = {"precursor.values": p["values"]}
    if config["rescue"]["enabled"]:
        grids["rescue.values"] = config["rescue"]["values"]
    for key, values in grids.items():
        starts = len(values) ** (p["grid"] ** 2)
        if p["top_k"] > starts:
            out.append(
                f"precursor.top_k: {p['top_k']} starts from the {len(values)}^{p['grid'] ** 2} = {starts} grids of "
                f"{key} {values}: give at most {starts}"
            )
    return out


def _random(r):
    if len(r["cells"]) != len(r["weights"]) or not r["cells"]:
        return [
            f"oip.random.cells {r['cells']} and oip.random.weights {r['weights']} must pair up: one weight per "
            "cell size, at least one (the default: cells [2, 4, 7, 14], weights [1.0, 0.5, 0.25, 0.125])"
        ]
    return []


def data_source(d):
    """The MNIST source ``data`` points at: a path that exists and is of a kind the job reads, an
    http(s)/file URL (a file:// one that exists; the schema checks its sha256's form)."""
    if d["source"] == "path":
        if not d["path"]:
            return ["data.path: empty; data.source: path reads MNIST from a folder of the four IDX files or an .npz"]
        path = Path(d["path"])
        if path.is_file():
            return [] if _is_npz(path) else [f"data.path: {path}: not an .npz archive (a zip file); give an .npz or a "
                                             "folder of the four IDX files"]  # fmt: skip
        if path.is_dir():
            missing = [stem for stem in IDX_STEMS if not _idx(path, stem)]
            return [f"data.path: {path}: no {', '.join(missing)}[.gz] in this folder"] if missing else []
        return [f"data.path: {path}: no such file or folder"]
    if d["source"] == "url":
        out, url = [], d["url"]
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in ("http", "https", "file"):
            out.append(f"data.url: {url!r}: not an http://, https:// or file:// address")
        elif scheme == "file" and not Path(url[len("file://") :]).is_file():
            out.append(f"data.url: {url}: no such file")
        return out
    return []


def _is_npz(path):
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _idx(folder, stem):
    return sorted(folder.glob(stem + "*")) or sorted(folder.glob(stem.replace("-idx", ".idx") + "*"))
