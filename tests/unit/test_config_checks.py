"""The checks beyond the schema (issue 37): non-finite numbers, whole numbers, values that fail only
together, the MNIST source, an empty mapping that Snakemake would merge away; and a killed run's lock."""

import math
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from snakemake.cli import parse_config
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate
from test_config import SCHEMA, SCHEMA_PATH, _preset

from mnist_dreams.plumbing import config_checks, configuration, machine, run_lock

DOC = configuration.load_schema(SCHEMA_PATH)


def _config(*entries, files=()):
    """The default preset with ``files`` (dicts, as --configfile) and ``entries`` (as --config) merged, typed."""
    config = _preset()
    for extra in files:
        update_config(config, extra)
    update_config(config, parse_config(list(entries)))
    configuration.coerce(config, DOC)
    return config


@pytest.mark.parametrize(
    ("files", "entries", "named"),
    [
        ((), ["cnn={learning_rate: nan}"], "cnn.learning_rate: nan"),
        ((), ["oip={step_size: inf}"], "oip.step_size: inf"),
        (({"precursor": {"values": [math.nan, 0.5]}},), [], "precursor.values.0: nan"),
        (({"deepdream": {"layers": {"conv3": math.inf}}},), [], "deepdream.layers.conv3: inf"),
        (({"objectives": {"a": {"terms": [{"kind": "class", "class": 3, "weight": -math.inf}]}}},), [],
         "objectives.a.terms.0.weight: -inf"),
        (({"oip": {"epochs": math.inf}},), [], "oip.epochs: inf"),
        ((), ["seed=nan"], "seed: nan"),
    ],
)  # fmt: skip
def test_a_non_finite_number_anywhere_is_refused_naming_its_key(files, entries, named):
    problems = config_checks.non_finite(_config(*entries, files=files), DOC)
    assert len(problems) == 1 and problems[0].startswith(named) and "is not a finite number" in problems[0]


def test_the_default_is_named_where_the_schema_has_one():
    (problem,) = config_checks.non_finite(_config("oip={step_size: nan}"), DOC)
    assert "(its default: 0.01)" in problem


@pytest.mark.parametrize(
    ("files", "entries", "path", "value"),
    [
        (({"seed": 1.0},), [], ("seed",), 1),
        ((), ["seed=1.0"], ("seed",), 1),
        ((), ["cnn={epochs: 2.0}"], ("cnn", "epochs"), 2),
        ((), ["oip={epochs: 1e3}"], ("oip", "epochs"), 1000),
        (({"maps": [46.0, 56]},), [], ("maps",), [46, 56]),
        ((), ["maps_per_job=2.0"], ("maps_per_job",), 2),
    ],
)
def test_a_whole_number_is_read_as_an_integer_by_either_route(files, entries, path, value):
    config = _config(*entries, files=files)
    validate(config, SCHEMA)
    got = config
    for key in path:
        got = got[key]
    assert got == value and all(type(v) is int for v in (got if isinstance(got, list) else [got]))


@pytest.mark.parametrize("entry", ["seed=1.5", "cnn={epochs: 2.5}", "maps=[46.5]"])
def test_a_fraction_where_an_integer_belongs_is_refused(entry):
    with pytest.raises(WorkflowError, match="is not of type 'integer'"):
        validate(_config(entry), SCHEMA)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("seed=4294967296", "is greater than the maximum of 4294967295"),
        ("oip={epochs: 1000000000000}", "is greater than the maximum of 100000"),
        ("precursor={top_k: 1000000}", "is greater than the maximum of 512"),
        ("maps_per_job=100000", "is greater than the maximum of 1024"),
        ("dream={size: 100000}", "is greater than the maximum of 4096"),
    ],
)
def test_values_that_would_exhaust_the_machine_are_refused(entry, says):
    with pytest.raises(WorkflowError, match=says):
        validate(_config(entry), SCHEMA)


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("trust={silent_share: 1.5}", "is greater than the maximum of 1"),
        ("trust={similarity_ratio: -0.1}", "is less than the minimum of 0"),
        ("trust={weight_similarity: 2}", "is greater than the maximum of 1"),
        ("data_starts={warm_up: 1}", "is greater than or equal to the maximum of 1"),  # no epochs left
    ],
)
def test_trust_thresholds_and_the_warm_up_share_outside_their_range_are_refused_with_it(entry, says):
    with pytest.raises(WorkflowError, match=says):
        validate(_config(entry), SCHEMA)


def _checked(*entries, files=()):
    config = _config(*entries, files=files)
    validate(config, SCHEMA)
    return config_checks.cross_checks(config)


@pytest.mark.parametrize(
    ("entries", "says"),
    [
        (["clusters={subsample: 5, k: [5, 8]}"], "clusters.subsample: 5 images cannot make K = 70 clusters"),
        (["clusters={silhouette_sample_size: 3}"], "clusters.silhouette_sample_size: 3 images cannot hold K = 170"),
        (["clusters={subsample: 65000, fit_on: train}"], "clusters.subsample: 65000 is more than the 60000 images"),
        (["oip={random: {cells: []}}"], "oip.random.cells [] and oip.random.weights [1.0, 0.5, 0.25, 0.125] must pair"),
        (["oip={random: {cells: [2, 4]}}"], "must pair up"),
        (["precursor={values: [0.2, 0.8], grid: 2, top_k: 20}"], "from the 2^4 = 16 grids of precursor.values"),
        (["precursor={values: [0.5], top_k: 2}"], "precursor.top_k: 2 starts from the 1^9 = 1 grids"),
        (["precursor={mode: halving, halving: {rungs: [1, 3]}}"], "must increase and end at precursor.test_epochs=10"),
        (["rescue={halving: {rungs: [3, 1]}}"], "rescue.halving.rungs [3, 1] must increase"),
        (["data={source: url, url: ftp://x/mnist.npz}"], "data.url: 'ftp://x/mnist.npz': not an http://"),
        (["data={source: url, url: file:///nowhere/mnist.npz}"], "data.url: file:///nowhere/mnist.npz: no such file"),
        (["trust={path_rank: 0.2}"], "trust.doubtful_path_rank 0.25 is above trust.path_rank 0.2"),
        (["data={source: path}"], "data.path: empty"),
        (["data={source: path, path: ../x}"], "data.path: ../x: no such file or folder"),
    ],
)
def test_values_that_fail_only_together_are_refused_with_the_fix(entries, says):
    problems = _checked(*entries)
    assert any(says in p for p in problems), problems


def test_the_presets_pass_every_check():
    for names in ((), ("tiny.yaml",), ("paper.yaml",)):
        config = _preset(*names)
        configuration.coerce(config, DOC)
        validate(config, SCHEMA)
        assert config_checks.cross_checks(config) == [] and config_checks.non_finite(config, DOC) == [], names


def test_the_data_path_must_be_a_source_the_job_reads(tmp_path, mnist):
    def says(path):
        return config_checks.data_source({"source": "path", "path": str(path)})

    (tmp_path / "notes.npz").write_text("text, not a zip\n")
    assert "not an .npz archive" in says(tmp_path / "notes.npz")[0]
    np.savez(tmp_path / "mnist.npz", **mnist)
    assert says(tmp_path / "mnist.npz") == []
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"")
    assert says(folder) == [f"data.path: {folder}: no train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                            "t10k-labels-idx1-ubyte[.gz] in this folder"]  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("deepdream={layers: {}}", "deepdream.layers: {} on the command line is merged into the config's "
         "deepdream.layers (null) and changes nothing"),
        ("clusters={}", "clusters: {} on the command line is merged into the config's clusters ({k, fit_on, "),
    ],
)  # fmt: skip
def test_an_empty_mapping_on_the_command_line_that_would_change_nothing_is_refused(entry, says):
    overrides = parse_config([entry])
    (problem,) = config_checks.ignored_empty_mappings(overrides, _config(entry))
    assert problem.startswith(says)


def test_an_empty_mapping_that_is_what_the_config_holds_passes():
    assert config_checks.ignored_empty_mappings(parse_config(["objectives={}"]), _config("objectives={}")) == []


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    start = run_lock._start(proc.pid)
    proc.wait()
    return proc.pid, start


def _locked(tmp_path, **held):
    (tmp_path / ".snakemake/locks").mkdir(parents=True)
    (tmp_path / ".snakemake/locks/0.input.lock").write_text("results/x\n")
    run_lock.record(tmp_path)
    if held:
        import json

        path = tmp_path / ".snakemake" / run_lock.RECORD
        path.write_text(json.dumps({**json.loads(path.read_text()), **held}))


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="Linux: /proc")
def test_the_lock_of_a_run_that_died_here_is_lifted_a_live_or_foreign_one_stays(tmp_path):
    _locked(tmp_path)  # held by this (live) process
    assert run_lock.lift_if_dead(tmp_path) is None and (tmp_path / ".snakemake/locks/0.input.lock").exists()
    pid, start = _dead_pid()
    _locked(tmp_path / "other", pid=pid, start=start, host="another-host")
    assert run_lock.lift_if_dead(tmp_path / "other") is None  # another host's run: its lock protects it
    _locked(tmp_path / "dead", pid=pid, start=start, host=socket.gethostname())
    assert "lifted the lock of a killed run" in run_lock.lift_if_dead(tmp_path / "dead")
    assert not (tmp_path / "dead/.snakemake/locks").exists()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="Linux: /proc")
def test_a_job_the_killed_run_left_running_here_keeps_the_lock(tmp_path):
    pid, start = _dead_pid()
    _locked(tmp_path, pid=pid, start=start)
    script = tmp_path / ".snakemake/scripts/tmpx.oip.py"  # as Snakemake runs a rule's script
    script.parent.mkdir(parents=True)
    script.write_text("import time\ntime.sleep(60)\n")
    orphan = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path)
    try:
        with pytest.raises(run_lock.LiveJob, match=f"pid {orphan.pid} "):
            run_lock.lift_if_dead(tmp_path)
    finally:
        orphan.kill()
        orphan.wait()
    assert run_lock.lift_if_dead(tmp_path)  # the job is gone: now it is lifted


def test_a_run_checks_its_disk_before_any_job(tmp_path):
    need = machine.disk_need_gib(128, 560)
    assert 0.3 < need < 0.6  # the paper run's results/: 0.07 GB + 128 dreams of 0.92 MB (a 560-px dream file)
    with pytest.raises(machine.PreflightError, match=r"needs 0.4 GiB of free disk .* 0.1 GiB are free"):
        machine.preflight(tmp_path, need_disk=need, memory=64, disk=0.1)
