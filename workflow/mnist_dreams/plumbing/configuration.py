"""Config values typed by the JSON schema, whatever route they came by.

``snakemake --config`` parses each value with int, float, a bool parser and then YAML's
*BaseLoader*, which keeps every scalar inside a list or mapping a string: ``maps=[56]`` arrives as
``["56"]`` and ``oip={epochs: 600}`` as ``{"epochs": "600"}``. ``coerce`` gives such strings the
type the schema asks for, before validation, so every key can be set on the command line. A string
that is no valid value of its type is left as it is: validation then rejects it and names the key.

One rule for whole numbers, by either route: where the schema asks for an integer, a number with
no fraction (``1.0``, ``"2.0"``, ``1e3``) is read as that integer; ``1.5`` stays and is refused.
(JSON Schema counts 1.0 as an integer, but ``range(1.0)`` fails inside a job.) The checks beyond
the schema are ``config_checks``'.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

NULLS = ("null", "Null", "NULL", "~", "")
TRUES, FALSES = ("true", "yes", "on"), ("false", "no", "off")
INTEGER = re.compile(r"^[-+]?\d+$")


def load_yaml(path):
    """A YAML file's content by yaml.safe_load's rules, through libyaml where PyYAML has it (every plan
    reads the schema and the presets: the pure-Python parser took ~0.15 s of each)."""
    import yaml

    return yaml.load(Path(path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_schema(path):
    return load_yaml(path)


def _types(schema):
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _scalar(value: str, types: set):
    """``value`` as the first schema type it is a valid spelling of, else unchanged."""
    if "null" in types and value in NULLS:
        return None
    if "integer" in types and INTEGER.match(value):  # before string: maps_per_job=4 (integer or "auto")
        return int(value)
    if "integer" in types and "number" not in types:  # "2.0", "1e3": whole numbers (see above)
        try:
            return _whole(float(value))
        except ValueError:
            pass
    if "string" in types:
        return value
    if "number" in types:
        try:
            return float(value)
        except ValueError:
            pass
    if "boolean" in types and value.lower() in TRUES + FALSES:
        return value.lower() in TRUES
    return value


def _whole(number: float):
    """``number`` as an int if it has no fraction (1.0 → 1), else unchanged (1.5, nan, inf)."""
    return int(number) if math.isfinite(number) and number.is_integer() else number


def coerce_value(value, schema):
    """``value`` with BaseLoader strings turned into the types ``schema`` asks for (recursively)."""
    types = _types(schema)
    if isinstance(value, str):
        return _scalar(value, types)
    if isinstance(value, float) and "integer" in types and "number" not in types:
        return _whole(value)
    if isinstance(value, list) and "array" in types:
        items = schema.get("items", {})
        return [coerce_value(item, items) for item in value]
    if isinstance(value, dict) and ("object" in types or "properties" in schema):
        coerce(value, schema)
    return value


def coerce(config: dict, schema: dict) -> dict:
    """Coerce ``config`` in place (Snakemake's global dict must stay the same object); returns it."""
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, value in config.items():
        sub = props.get(key, extra if isinstance(extra, dict) else None)
        if sub is not None:
            config[key] = coerce_value(value, sub)
    return config


def leaves(schema, prefix=()):
    """(path, sub-schema) of every key the schema defines, depth first (for docs and tests)."""
    for key, sub in schema.get("properties", {}).items():
        path = (*prefix, key)
        if "properties" in sub:
            yield from leaves(sub, path)
        else:
            yield path, sub
