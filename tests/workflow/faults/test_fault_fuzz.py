"""Bad config values generated from the schema (tests/config_fuzz.py; issue 37), on a copy of the
finished tiny run: each refused before any job, naming its key, no traceback, nothing under
results/ or resources/ changed. Every key of the schema, both routes (--config, --configfile);
the full list (every generated value both ways): python tests/config_fuzz.py."""

import shutil

import config_fuzz
import pytest

pytestmark = pytest.mark.e2e

CASES = config_fuzz.sample(config_fuzz.bad_values())
# each case by one route, the routes alternating, so both are used for every kind of value
ROUTED = [(case, ("--config", "--configfile")[i % 2]) for i, case in enumerate(CASES)]
# through the real command line: the kinds the issue found accepted, and one of each check
BY_CLI = ["cnn.learning_rate: NaN", "precursor.values: item NaN", "oip.epochs: above the maximum",
          "data.path: nothing there", "subsample below K"]  # fmt: skip


@pytest.fixture(scope="module")
def finished(tiny_run, tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    before = config_fuzz.snapshot(work)
    yield work
    assert config_fuzz.snapshot(work) == before, "a bad value changed results/ or resources/"


# keys no value of their type can make bad: any folder name is a cache folder; the two mappings get
# their bad values from config_fuzz.CROSS (a class the CNN lacks, a layer it lacks)
FREE = {"cache_dir", "objectives", "deepdream.layers"}


def test_the_generated_values_cover_every_key_both_ways():
    keys = {".".join(path) for path, _ in config_fuzz.configuration.leaves(config_fuzz.SCHEMA)}
    covered = {case[0].split(":")[0] for case, _ in ROUTED}
    assert keys - FREE <= covered, sorted(keys - FREE - covered)
    assert len(ROUTED) >= 150 and {route for _, route in ROUTED} == {"--config", "--configfile"}


@pytest.mark.parametrize(("case", "route"), ROUTED, ids=[f"{c[0]} ({r})" for c, r in ROUTED])
def test_a_bad_value_is_refused_naming_its_key(finished, case, route):
    name, overrides, words = case
    ok, message = config_fuzz.refused(finished, overrides, route)
    assert ok, f"accepted: {overrides}"
    assert config_fuzz.names(message, words), message
    assert "Traceback (most recent" not in message, message


@pytest.mark.parametrize("name", BY_CLI)
def test_the_command_line_refuses_it_before_any_job_without_a_traceback(finished, name):
    _, overrides, words = next(c for c in config_fuzz.bad_values() if c[0] == name)
    for route in ("--config", "--configfile"):
        ok, said = config_fuzz.refused_by_cli(finished, overrides, route)
        assert ok and config_fuzz.names(said, words), said[-2000:]
        assert "Traceback (most recent" not in said and "Select jobs to execute" not in said, said[-2000:]
