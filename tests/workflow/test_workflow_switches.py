"""Incremental equals fresh (issue 20), the switches CI affords: the tiny run switched to two_stage
(issue 20's own command) and back, each compared dataset by dataset with a run of that config from
scratch; and speed-only knobs, which must plan no job. The full list: ``make check-reruns``."""

import json
import shutil

import pytest

import reruns

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fresh(tiny_run, tmp_path_factory):
    """Fresh runs by config; tiny.yaml alone is the session's tiny run."""
    return reruns.FreshRuns(tmp_path_factory.mktemp("fresh"), known={json.dumps({}): tiny_run})


@pytest.fixture(scope="module")
def switched(tiny_run, fresh, tmp_path_factory):
    work = tmp_path_factory.mktemp("switched") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    return reruns.chain(work, fresh, reruns.CI_CHAIN)


def test_switch_to_two_stage_runs_the_random_stage_and_equals_a_fresh_run(switched):
    to_two_stage = switched[0]
    assert to_two_stage.planned.get("oip_random") == 2 and to_two_stage.planned.get("oip") == 2
    assert {"oip_summary", "summary"} <= set(to_two_stage.planned)
    assert to_two_stage.compared >= 15 and to_two_stage.ok, to_two_stage.differences


def test_switch_back_to_precursor_reruns_the_oip_and_equals_the_first_run(switched):
    back = switched[1]
    assert back.planned.get("oip") == 2 and "oip_random" not in back.planned
    assert "precursor" not in back.planned  # the screenings never went stale
    assert back.ok, back.differences


def test_summary_split_is_the_fresh_two_stage_runs(fresh):
    """The layer split the switched run reports (compared above) is a real two-stage one: every map
    counted once, by the stage its final OIP file names."""
    import pandas as pd

    from mnist_dreams.plumbing import store

    work = fresh(reruns.TWO_STAGE)
    table = pd.read_csv(work / "results/summary.tsv", sep="\t", keep_default_na=False).set_index("quantity")
    stages = [store.read_map(work / f"results/oip/map_{m}.h5")[1]["found_by"] for m in ("046", "056")]
    assert int(table.loc["oip_found_by_random", "ours"]) == stages.count("random")
    assert int(table.loc["oip_found_after_precursor", "ours"]) == stages.count("precursor")


# the other machines (--cores, the profiles) on a run of multi-map chunks: test_workflow_chunks
KNOBS = [k for k in reruns.SPEED_ONLY if not k.startswith(("--cores", "--jobs", "--profile", "no --cores"))]


@pytest.mark.parametrize("knob", KNOBS)
def test_speed_only_knob_plans_no_job(tiny_run, knob):
    assert reruns.planned(tiny_run, *reruns.SPEED_ONLY[knob]) == {}


def test_robust_ascent_reruns_the_oip_and_its_readers_only(tiny_run):
    """oip.scale/rotate at 0 (the defaults, said out loud) plan nothing: results made before the robust
    ascent existed stay valid; rotate 5 reruns the OIP and what reads it, never the CNN, the screening
    or the dataset examples."""
    assert reruns.planned(tiny_run, {"oip": {"rotate": 0, "scale": 0.0}}) == {}
    planned = reruns.planned(tiny_run, {"oip": {"rotate": 5}})
    assert planned.get("oip") and not {"cnn", "precursor", "dataset_examples", "mnist"} & set(planned), planned
