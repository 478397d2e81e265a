"""Bad config values, generated from the schema, each given both ways (issue 37): every one must be
refused while the Snakefile is read — before Snakemake deletes any output — naming its key, with
no traceback, and leave results/ and resources/ byte for byte as they were.

The values come from each key's own schema (below a minimum, above a maximum, NaN, ±inf, a fraction
where an integer belongs, a word for a number, a choice that is none, an empty or wrong list, an
unknown key) and from the rules across keys (``CROSS``). ``--config`` spellings go through
Snakemake's own parser; ``--configfile`` ones through a YAML file. ``refused`` runs one through the
real Snakemake API in this process (the Snakefile parsed as by the command line, a dry run); the
command line itself in a subprocess is ``refused_by_cli``. ``python tests/config_fuzz.py`` runs
all of them on a tiny run and prints the table of docs/measurements.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import ROOT, snakemake  # noqa: E402
from mnist_dreams.plumbing import configuration  # noqa: E402

SCHEMA = configuration.load_schema(ROOT / "workflow/schemas/config.schema.yaml")
# Free strings: a value of the right type that names nothing there is, per key (with what selects it).
PATHS = {
    ("data", "path"): ({"data": {"source": "path", "path": "nowhere/mnist.npz"}}, "data.path"),
    ("data", "url"): ({"data": {"source": "url", "url": "ftp://example.org/mnist.npz"}}, "data.url"),
    ("dream", "image"): ({"dream": {"image": "nowhere/photo.png"}}, "dream.image"),
    ("model", "path"): ({"model": {"path": "nowhere/model.keras"}}, "model.path"),
    ("model", "data"): ({"model": {"layer": "conv1", "data": "nowhere/x.npz"}}, "model.data"),
    ("model", "layer"): ({"model": {"layer": "conv9"}}, "conv9"),
}
# Values bad only together, with a word the refusal must contain.
CROSS = [
    ("subsample below K", {"clusters": {"subsample": 5}}, "clusters.subsample"),
    ("silhouette sample below K", {"clusters": {"silhouette_sample_size": 3}}, "clusters.silhouette_sample_size"),
    ("cells without weights", {"oip": {"random": {"cells": []}}}, "oip.random.cells"),
    ("cells and weights unpaired", {"oip": {"random": {"cells": [2, 4]}}}, "oip.random.cells"),
    ("top k beyond the grid", {"precursor": {"grid": 2, "values": [0.2, 0.8], "top_k": 20}}, "precursor.top_k"),
    ("rungs not ending at test_epochs", {"precursor": {"mode": "halving", "halving": {"rungs": [1, 2]}}},
     "precursor.halving.rungs"),
    ("rescue rungs falling", {"rescue": {"halving": {"rungs": [3, 1]}}}, "rescue.halving.rungs"),
    ("file URL that is not there", {"data": {"source": "url", "url": "file:///nowhere/mnist.npz"}}, "data.url"),
    ("empty data path", {"data": {"source": "path", "path": ""}}, "data.path"),
    ("trust thresholds crossed", {"trust": {"path_rank": 0.2}}, "trust.doubtful_path_rank"),
    ("a map the layer lacks", {"maps": [46, 128]}, "maps"),
    ("dream smaller than the input", {"dream": {"size": 20}}, "dream"),
    ("a class the CNN lacks", {"objectives": {"t": {"terms": [{"kind": "class", "class": 10}]}}}, "objectives.t"),
    ("an objective weight of 0", {"objectives": {"t": {"terms": [{"kind": "class", "class": 3, "weight": 0}]}}},
     "objectives"),
    ("a DeepDream layer the CNN lacks", {"deepdream": {"layers": {"conv9": 1.0}}}, "deepdream.layers"),
    ("input scaling without a model", {"model": {"input": "unit"}}, "model.input"),
    ("a shift larger than the input", {"oip": {"jitter": 20}}, "oip.jitter"),
]  # fmt: skip


# Errors Snakemake prints as a message (with the Snakefile's line), not as a Python traceback.
CLEAN = ("WorkflowError", "InputFunctionException", "MissingRuleException", "ApiError")


def sample(cases):
    """The first case of every key, and every NaN (what the issue found accepted: it passes every
    bound of a schema), each key kept."""
    out, seen = [], set()
    for case in cases:
        key, _, what = case[0].partition(": ")
        if key not in seen or what == "NaN":
            out.append(case)
        seen.add(key)
    return out


BOUNDS = (("minimum", -1, "below the minimum"), ("exclusiveMinimum", 0, "at the bound"),
          ("maximum", 1, "above the maximum"), ("exclusiveMaximum", 0, "at the bound"))  # fmt: skip


def _types(sub):
    kind = sub.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _bad_scalars(sub):
    """(what, value) pairs that break one number, string or boolean of schema ``sub``."""
    types, out = _types(sub), []
    if types & {"integer", "number"}:
        for bound, shift, what in BOUNDS:
            if bound in sub:
                out.append((what, sub[bound] + shift))
        out += [("NaN", math.nan), ("infinite", math.inf)]
        if "number" not in types:
            out.append(("a fraction", 1.5))
        if "string" not in types:
            out.append(("a word", "many"))
    if "string" in types and "enum" in sub:
        out.append(("no choice", "bogus"))
    if "string" in types and "pattern" in sub:
        out.append(("off the pattern", "some"))
    if "boolean" in types:
        out += [("a word", "maybe"), ("a number", 2)]
    return out


def bad_values():
    """[(name, overrides, words the refusal must contain)] over every key of the schema."""
    cases = [("an unknown key", {"dreamz": 1}, "dreamz")]
    for path, sub in configuration.leaves(SCHEMA):
        key = ".".join(path)
        nested = lambda value, path=path: _nest(path, value)  # noqa: E731
        if path in PATHS:
            overrides, word = PATHS[path]
            cases.append((f"{key}: nothing there", overrides, word))
        for what, value in _bad_scalars(sub):
            cases.append((f"{key}: {what}", nested(value), key))
        if "array" in _types(sub):
            if sub.get("minItems"):
                cases.append((f"{key}: empty list", nested([]), key))
            for what, value in _bad_scalars(sub.get("items", {}))[:3]:
                cases.append((f"{key}: item {what}", nested([value]), key))
            if "string" not in _types(sub):
                cases.append((f"{key}: not a list", nested("x"), key))
    for section, sub in SCHEMA["properties"].items():
        if sub.get("additionalProperties") is False and "properties" in sub:
            cases.append((f"{section}: an unknown key", {section: {"bogus": 1}}, "bogus"))
    return cases + CROSS


def _nest(path, value):
    for key in reversed(path):
        value = {key: value}
    return value


def _flow(value):
    """``value`` as Snakemake's --config reads it (YAML flow; nan and inf as words)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value) if value == "" else value
    return str(value)


def entries(overrides):
    """The --config words of ``overrides``: one key=value per top-level key."""
    return [f"{key}={_flow(value)}" for key, value in overrides.items()]


def write_configfile(work, overrides, name="bad.yaml"):
    (Path(work) / name).write_text(yaml.safe_dump(overrides))
    return name


def refused(work, overrides, route):
    """(refused, message) for one case through the Snakemake API in this process (a dry run of the
    tiny preset with ``overrides`` on the command line or in a config file)."""
    from snakemake.api import SnakemakeApi
    from snakemake.cli import parse_config
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

    files = [Path("config/tiny.yaml")]
    config = {}
    if route == "--configfile":
        files.append(Path(write_configfile(work, overrides)))
    else:
        config = parse_config(entries(overrides))
    cwd, out = os.getcwd(), io.StringIO()
    os.chdir(work)
    try:
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(out),
            SnakemakeApi(OutputSettings(dryrun=True)) as api,
        ):
            flow = api.workflow(
                resource_settings=ResourceSettings(cores=1),
                config_settings=ConfigSettings(config=config, configfiles=files),
                storage_settings=StorageSettings(),
                snakefile=Path("Snakefile"),
                workdir=Path(work),
            )
            flow.dag().execute_workflow(executor="dryrun")
    except Exception as err:  # a refused config: WorkflowError; any other type would print a traceback
        said = f"{type(err).__name__}: {err}"
        return True, said if type(err).__name__ in CLEAN else said + "\nTraceback (most recent call last)"
    finally:
        os.chdir(cwd)
    return False, out.getvalue()[-2000:]


def refused_by_cli(work, overrides, route):
    """(refused, what it printed) through the real command line."""
    if route == "--configfile":
        proc = snakemake(work, "-n", "--configfile", "config/tiny.yaml", write_configfile(work, overrides), check=False)
    else:
        proc = snakemake(work, "-n", "--config", *entries(overrides), "--configfile", "config/tiny.yaml", check=False)
    return proc.returncode != 0, proc.stdout + proc.stderr


def names(message, words):
    """Whether ``message`` names the key ``words`` (dotted), also in jsonschema's instance['a']['b'] form."""
    if words in message:
        return True
    parts = words.split(".")
    return "instance" + "".join(f"['{p}']" for p in parts) in message or all(p in message for p in parts)


def snapshot(work):
    """{path: sha256} of every file under results/ and resources/."""
    out = {}
    for top in ("results", "resources"):
        for path in sorted((Path(work) / top).rglob("*")):
            if path.is_file():
                out[str(path.relative_to(work))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def main(argv=None):
    import argparse
    import shutil
    import tempfile
    import time

    from helpers import workflow_copy

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, help="a finished tiny run to copy (default: made here first)")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp()) / "wf"
    if args.run:
        shutil.copytree(args.run, work, symlinks=True)
    else:
        snakemake(workflow_copy(work), "--cores", "2", "--configfile", "config/tiny.yaml")
    before, t0, rows = snapshot(work), time.perf_counter(), []
    for name, overrides, words in bad_values():
        for route in ("--config", "--configfile"):
            ok, message = refused(work, overrides, route)
            rows.append((name, route, ok, names(message, words), "Traceback (most recent" in message))
    accepted = [r for r in rows if not r[2]]
    unnamed = [r for r in rows if r[2] and not r[3]]
    print(f"{len(rows)} bad values ({len(rows) // 2} cases × 2 routes) in {time.perf_counter() - t0:.0f} s: "
          f"{len(rows) - len(accepted)} refused before any job, {len(accepted)} accepted, {len(unnamed)} without "
          f"their key, {sum(r[4] for r in rows)} tracebacks, files changed: {snapshot(work) != before}")  # fmt: skip
    for name, route, *_ in accepted + unnamed:
        print(f"  {name} ({route})")
    return 1 if accepted or unnamed else 0


if __name__ == "__main__":
    sys.exit(main())
