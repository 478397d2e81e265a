"""Config validation: defaults filled from the schema, typos and wrong types fail before any job."""

from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from helpers import ROOT, snakemake, workflow_copy

SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")


def test_schema_fills_every_default():
    config = {}
    validate(config, SCHEMA)
    assert config["cnn"]["epochs"] >= 1 and config["data"]["source"] == "pypi"
    assert config["precision"] == "float32"


@pytest.mark.parametrize("preset", sorted(p.name for p in (ROOT / "config").glob("*.yaml")))
def test_every_preset_is_valid(preset):
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    config.update(yaml.safe_load((ROOT / "config" / preset).read_text()) or {})
    validate(config, SCHEMA)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("cnn:\n  epchs: 2\n", "'epchs' was unexpected"),
        ("cnn:\n  epochs: many\n", "'many' is not of type 'integer'"),
        ("data:\n  source: ftp\n", "'ftp' is not one of"),
        ("dreamz: {}\n", "'dreamz' was unexpected"),
        ("maps: [5, 128]\n", "128 is greater than the maximum of 127"),
        ("maps: al\n", "'al' does not match '^all$'"),
    ],
)
def test_bad_config_fails_before_any_job_naming_the_key(tmp_path, bad, named):
    workflow_copy(tmp_path)
    Path(tmp_path, "bad.yaml").write_text(bad)
    proc = snakemake(tmp_path, "-n", "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert named in proc.stdout + proc.stderr
    assert not Path(tmp_path, "resources/mnist.h5").exists() and not Path(tmp_path, "logs").exists()
