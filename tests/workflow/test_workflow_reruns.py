"""End to end on tiny.yaml: reruns follow code content and config exactly (issue: trust in reruns)."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from helpers import planned_rules, snakemake, workflow_copy
from mnist_dreams.plumbing import store

pytestmark = pytest.mark.e2e

BASE = ("--configfile", "config/tiny.yaml")
COMPUTE = {"cnn", "precursor", "oip", "oip_summary", "dream", "deepdream", "kmeans", "cluster_features"}
COMPUTE |= {"mlp_reference", "mlp_clustered"}


@contextmanager
def appended(path, text="\n# an edit that changes nothing but the file's content\n"):
    original = path.read_bytes()
    path.write_bytes(original + text.encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def test_nothing_edited_plans_nothing(tiny_run):
    assert planned_rules(tiny_run, *BASE) == []


def test_package_edit_plans_exactly_its_jobs_and_their_dependants(tiny_run):
    with appended(tiny_run / "workflow/mnist_dreams/ascent/precursor.py"):
        planned = planned_rules(tiny_run, *BASE)
    # precursor.py is imported by the precursor and OIP code; the rest follows from the inputs (the data
    # starts read the layer summary, the trust numbers the OIPs)
    layer = ["map_pages", "oip_atlas", "oip_figure", "oip_summary", "oip_summary_table", "summary", "summary_table"]
    layer += ["data_starts", "trust"]
    assert planned == sorted(["oip", *layer, "precursor", "precursor_figure"])
    assert planned_rules(tiny_run, *BASE) == []  # the edit undone, nothing is due


@pytest.mark.parametrize("module", ["report/figures.py", "clusters/cluster_figures.py"])
def test_figure_edit_plans_only_figure_jobs(tiny_run, module):
    with appended(tiny_run / "workflow/mnist_dreams" / module):
        planned = set(planned_rules(tiny_run, *BASE))
    assert {"cluster_sweep_figure", "mlp_comparison_figure"} <= planned
    if module == "report/figures.py":
        assert {"cnn_figure", "oip_figure", "oip_atlas", "dream_figure", "dream_gallery", "deepdream_figure"} <= planned
    # no data, no summary; the map pages link the figures, so they are written again
    assert all(rule.endswith(("_figure", "_atlas", "_gallery", "_pages")) for rule in planned), planned


def test_rule_script_edit_reruns_that_rule(tiny_run):
    with appended(tiny_run / "workflow/scripts/dream.py"):
        assert planned_rules(tiny_run, *BASE) == ["dream", "dream_figure", "dream_gallery", "map_pages"]


@pytest.mark.parametrize(
    "change",
    [
        "precursor:\n  batch_size: 7\n",  # speed only (tests/unit/test_precursor.py shows it)
        "precursor:\n  halving: {eta: 3}\n",  # halving is off in tiny.yaml
        "oip:\n  random: {count: 3}\n",  # starts come from the precursor in tiny.yaml
        "data:\n  url: https://example.org/mnist.npz\n",  # the pypi source reads no url
        "oip:\n  l1: 0.0\n  blur: 0\n",  # penalties off, as before they existed
        "oip:\n  bound: none\n",  # the seed's unbounded ascent, as before the key existed
    ],
)
def test_keys_that_cannot_change_a_result_plan_nothing(tiny_run, change):
    (tiny_run / "more.yaml").write_text(change)
    assert planned_rules(tiny_run, *BASE, "more.yaml") == []


def test_a_penalty_switched_on_reruns_the_ascents_not_the_screening(tiny_run):
    """One key in the schema and one function in the engine's registry make a new regularizer; it
    reaches the params of the jobs that ascend with the oip section's options, and only those."""
    (tiny_run / "more.yaml").write_text("oip:\n  blur: 0.5\n")
    planned = set(planned_rules(tiny_run, *BASE, "more.yaml"))
    assert {"oip", "oip_summary"} <= planned and not planned & {"cnn", "precursor", "dream", "kmeans"}, planned


def test_the_bounded_ascent_reruns_the_ascents_and_their_readers_only(tiny_run):
    (tiny_run / "more.yaml").write_text("oip:\n  bound: clip\n")
    planned = set(planned_rules(tiny_run, *BASE, "more.yaml"))
    assert {"oip", "oip_summary", "oip_figure"} <= planned, planned
    assert not planned & {"cnn", "precursor", "dream", "kmeans", "dataset_examples"}, planned


def _dry_run(work, *args):
    return snakemake(work, "-n", *args, check=False)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return workflow_copy(tmp_path_factory.mktemp("fresh"))


def _wildcards(out, rule, name):
    """Wildcard values of ``rule``'s jobs in a dry run's output."""
    values, current = [], None
    for line in out.splitlines():
        if line.startswith(("rule ", "localrule ")):
            current = line.split()[1].rstrip(":")
        elif current == rule and line.strip().startswith("wildcards:"):
            values += [w.split("=")[1] for w in line.split(":", 1)[1].split(", ") if w.strip().startswith(name)]
    return sorted(values)


def test_dash_dash_config_sets_lists_and_nested_keys(fresh):
    out = _dry_run(fresh, "--config", "maps=[56]", *BASE)
    assert out.returncode == 0, out.stderr[-2000:]
    assert _wildcards(out.stdout, "oip", "maps") == _wildcards(out.stdout, "precursor", "maps") == ["056"]
    out = _dry_run(fresh, "--config", "clusters={k: [10, 20]}", *BASE)
    assert out.returncode == 0, out.stderr[-2000:]
    assert _wildcards(out.stdout, "kmeans", "k") == ["008", "010", "020"]  # tiny's features_k is 8
    out = _dry_run(fresh, "--config", "maps=all", "maps_per_job=1", *BASE)  # one job per map: 128 wildcards
    assert len(_wildcards(out.stdout, "precursor", "maps")) == 128


def test_dash_dash_config_type_error_names_the_key(fresh):
    out = _dry_run(fresh, "--config", "maps=[x]", *BASE)
    assert out.returncode != 0 and "instance['maps'][0]" in out.stdout + out.stderr


def test_map_or_k_that_does_not_exist_fails_before_any_job(fresh):
    out = _dry_run(fresh, "results/oip/map_200.h5", *BASE)
    assert out.returncode != 0 and "conv3 has 128 maps, so map must be 000 to 127" in out.stdout + out.stderr
    out = _dry_run(fresh, "results/clusters/k_013.h5", *BASE)
    assert out.returncode != 0 and "K=13 is not configured" in out.stdout + out.stderr
    assert not (fresh / "resources").exists() and not (fresh / "logs").exists()


@pytest.fixture(scope="module")
def rerun(tiny_run, tmp_path_factory):
    """A copy of the tiny run in which map 046's OIP was rerun with `--config 'oip={epochs: 7}'`."""
    work = tmp_path_factory.mktemp("rerun") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    snakemake(work, "results/oip/map_046.h5", "--cores", "2", "--config", "oip={epochs: 7}", *BASE)
    return work


def test_dash_dash_config_value_reaches_the_job(rerun):
    result, attrs = store.read_map(rerun / "results/oip/map_046.h5", required=("loss_history",))
    assert attrs["params"]["epochs"] == 7 and result["loss_history"].shape[1] == 7
    assert attrs["params"]["step_size"] == 0.01  # the rest of the section stays (a deep merge)


def test_rerun_replaces_the_jobs_log(rerun):
    log = (rerun / "logs/oip/map_046.log").read_text()
    assert log.count("job started") == 1 and "× 7 epochs" in log
    assert "× 60 epochs" not in log  # the first run's lines (tiny: 60 epochs) are gone


def test_rerun_leaves_other_maps_untouched(tiny_run, rerun):
    for name in ("oip/map_056.h5", "precursor/map_046.h5"):
        a, _ = store.read_map(tiny_run / "results" / name)
        b, _ = store.read_map(rerun / "results" / name)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    mtime = lambda work: Path(work / "results/oip/map_056.h5").stat().st_mtime  # noqa: E731
    assert mtime(rerun) == mtime(tiny_run)
