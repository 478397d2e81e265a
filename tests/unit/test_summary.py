"""results/summary.tsv: the preset named from the config as the user wrote it."""

import pytest
import yaml
from snakemake.utils import update_config, validate

from helpers import ROOT
from mnist_dreams.report import summary


def _presets():
    return {name: yaml.safe_load((ROOT / f"config/{name}.yaml").read_text()) for name in ("paper", "tiny")}


def _config(*overlays):
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    for overlay in overlays:
        update_config(config, overlay)
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    return config


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ((), "default"),
        (("paper",), "paper"),
        (("tiny",), "tiny"),
        (("tiny", {"seed": 7}), "tiny + overrides"),
        (({"seed": 7},), "default + overrides"),
    ],
)
def test_preset_is_named_from_the_config(layers, expected):
    presets = _presets()
    config = _config(*(presets[x] if isinstance(x, str) else x for x in layers))
    default = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    assert summary.preset(config, default, presets) == expected


def test_a_plain_run_is_the_default_preset_though_its_maps_auto_was_resolved():
    presets, default = _presets(), yaml.safe_load((ROOT / "config/config.yaml").read_text())
    resolved = {**_config(), "maps": [46, 56, 81, 116, 125]}  # what the workflow's config holds (common.smk)
    assert summary.preset(resolved, default, presets) == "default + overrides"  # without what was written
    assert summary.preset(resolved, default, presets, {"maps": "auto"}) == "default"
    assert summary.preset({**resolved, "seed": 7}, default, presets, {"maps": "auto"}) == "default + overrides"
