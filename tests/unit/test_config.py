"""Config validation: defaults filled from the schema, typos and wrong types fail before any job."""

import json
from pathlib import Path

import pytest
import yaml
from snakemake.cli import parse_config
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from helpers import ROOT, snakemake, workflow_copy
from mnist_dreams.plumbing import configuration

SCHEMA_PATH = ROOT / "workflow/schemas/config.schema.yaml"
SCHEMA = str(SCHEMA_PATH)


def _preset(*names):
    """Presets layered as Snakemake layers --configfile overlays: a deep merge."""
    config = {}
    for name in ("config.yaml", *names):
        update_config(config, yaml.safe_load((ROOT / "config" / name).read_text()) or {})
    return config


def _at(config, path):
    for key in path:
        config = config[key]
    return config


LEAF_PATHS = list(configuration.leaves(configuration.load_schema(SCHEMA_PATH)))


def test_schema_fills_every_default():
    config = {}
    validate(config, SCHEMA)
    filled = 0
    for path, sub in LEAF_PATHS:
        if "default" in sub:  # a key without one (e.g. data.path) stays absent or is required by its mode
            assert _at(config, path) == sub["default"], ".".join(path)
            filled += 1
    assert filled > 70  # every section's keys, not a handful


def test_config_yaml_is_the_schema_defaults_written_out():
    """Defaults have one home: the schema. config/config.yaml (always loaded) may only restate them."""
    preset = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    stated = 0
    for path, sub in LEAF_PATHS:
        try:
            value = _at(preset, path)
        except (KeyError, TypeError):
            continue
        assert value == sub.get("default"), f"{'.'.join(path)}: config.yaml {value!r}, schema {sub.get('default')!r}"
        stated += 1
    assert stated > 40


@pytest.mark.parametrize("preset", sorted(p.name for p in (ROOT / "config").glob("*.yaml")))
def test_every_preset_is_valid(preset):
    config = _preset(preset)
    validate(config, SCHEMA)
    # a deep merge keeps the base preset's keys that the overlay does not name
    base = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    overlay = yaml.safe_load((ROOT / "config" / preset).read_text()) or {}
    for section, values in base.items():
        if isinstance(values, dict) and isinstance(overlay.get(section), dict):
            for key in set(values) - set(overlay[section]):
                assert config[section][key] == values[key], (section, key)


def _other_value(sub):
    """A valid value of the schema node ``sub`` that differs from its default where possible."""
    default = sub.get("default")
    kinds = configuration._types(sub)
    if "enum" in sub:
        return next((v for v in reversed(sub["enum"]) if v != default), default)
    if "null" in kinds:
        return None
    if "boolean" in kinds:
        return not default
    if "array" in kinds:
        return default[: max(1, len(default) - 1)] if isinstance(default, list) else [56]  # maps: auto → [56]
    if "object" in kinds:
        return {**default, "conv2": 0.5} if "propertyNames" in sub else default
    if "integer" in kinds and isinstance(default, str):  # maps_per_job: auto → a number
        return sub.get("minimum", 0) + 1
    if "integer" in kinds:
        top = sub.get("maximum", default + 1)
        return default + 1 if default + 1 <= top else sub.get("minimum", 0)
    if "number" in kinds:
        low = sub.get("minimum", sub.get("exclusiveMinimum", 0))
        high = sub.get("maximum", sub.get("exclusiveMaximum", default + 1))
        return (low + high) / 2 if (low + high) / 2 != default else (low + 3 * high) / 4
    if sub.get("pattern") == "^[0-9a-f]{64}$":
        return "0" * 64
    return f"{default}-other"


def _flow(value):
    """``value`` written as on a command line: YAML flow, strings unquoted where YAML allows."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value) if not isinstance(value, str) else json.dumps(value)


LEAVES = list(configuration.leaves(configuration.load_schema(SCHEMA_PATH)))


@pytest.mark.parametrize(("path", "sub"), LEAVES, ids=[".".join(p) for p, _ in LEAVES])
def test_every_key_can_be_set_with_dash_dash_config(path, sub):
    """`--config` spelling of every schema key arrives with the schema's type and passes validation."""
    value = nested = _other_value(sub)
    for key in reversed(path[1:]):
        nested = {key: nested}
    entry = f"{path[0]}={_flow(nested)}"  # e.g. precursor={halving: {rungs: [1, 3]}}
    config = _preset()
    update_config(config, parse_config([entry]))
    configuration.coerce(config, configuration.load_schema(SCHEMA_PATH))
    validate(config, SCHEMA)
    got = config
    for key in path:
        got = got[key]
    assert got == value and type(got) is type(value), entry


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ("maps=[x]", "instance['maps'][0]"),
        ("oip={epochs: many}", "instance['oip']['epochs']"),
        ("clusters={k: [1]}", "instance['clusters']['k'][0]"),
    ],
)
def test_a_real_type_error_still_names_the_key(entry, named):
    config = _preset()
    update_config(config, parse_config([entry]))
    configuration.coerce(config, configuration.load_schema(SCHEMA_PATH))
    with pytest.raises(WorkflowError) as err:
        validate(config, SCHEMA)
    assert named in str(err.value)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("cnn:\n  epchs: 2\n", "'epchs' was unexpected"),
        ("cnn:\n  epochs: many\n", "'many' is not of type 'integer'"),
        ("data:\n  source: ftp\n", "'ftp' is not one of"),
        ("dreamz: {}\n", "'dreamz' was unexpected"),
        ("maps: [5, 128]\n", "names maps conv3 does not have (128 maps, 0 to 127)"),
        ("maps: al\n", "'al' does not match '^(all|auto)$'"),
    ],
)
def test_bad_config_fails_before_any_job_naming_the_key(tmp_path, bad, named):
    workflow_copy(tmp_path)
    Path(tmp_path, "bad.yaml").write_text(bad)
    proc = snakemake(tmp_path, "-n", "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert named in proc.stdout + proc.stderr
    assert not Path(tmp_path, "resources/mnist.h5").exists() and not Path(tmp_path, "logs").exists()
