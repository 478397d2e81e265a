"""End to end: one rule per step, chunks from the config alone (maps_per_job), one file per chunk,
each of its maps as computed alone; the plan the same under any --cores or profile; a one-map
target does one map's work; --forcerun/--until by the step's one name."""

import shutil

import numpy as np
import pytest
from PIL import Image

from helpers import planned_jobs, planned_rules, snakemake, workflow_copy
from mnist_dreams.plumbing import store
from mnist_dreams.report import sheets

pytestmark = pytest.mark.e2e

BASE = ("--configfile", "config/tiny.yaml")
CHUNK = ("--config", "maps_per_job=2")  # tiny's maps 46 and 56: one chunk, map_046-056
STEPS = ("precursor", "oip", "dreams")


@pytest.fixture(scope="module")
def chunked(tiny_run, tmp_path_factory):
    """The tiny run copied and its default target rebuilt with maps_per_job=2."""
    work = tmp_path_factory.mktemp("chunks") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    proc = snakemake(work, "--cores", "2", *CHUNK, *BASE)
    (work / "console.txt").write_text(proc.stdout + proc.stderr)
    return work


def test_one_job_per_chunk_wrote_one_file_with_each_map_as_computed_alone(tiny_run, chunked):
    for step in STEPS:
        log = (chunked / f"logs/{step}/map_046-056.log").read_text()
        assert log.count("job started") == 1  # one process for both maps
        together = store.read_maps(chunked / f"results/{step}/map_046-056.h5")
        assert list(together) == [46, 56]
        for m in (46, 56):
            alone, a_attrs = store.read_maps(tiny_run / f"results/{step}/map_{m:03d}.h5")[m]
            chunk, c_attrs = together[m]
            assert set(alone) == set(chunk) and a_attrs["map"] == c_attrs["map"] == m
            for key in alone:  # the layer engine computes every map of a batch as if alone
                np.testing.assert_array_equal(chunk[key], alone[key], err_msg=f"{step} {m}: {key}")


def test_a_chunks_figure_is_its_maps_figures_one_below_the_other(tiny_run, chunked):
    for step in ("oip", "dreams"):
        sheet = chunked / f"results/{step}/map_046-056.png"
        panels = sheets.crop(sheet)
        assert list(panels) == [46, 56]
        with Image.open(tiny_run / f"results/{step}/map_046.png") as alone:
            assert panels[46].size == alone.size  # the same figure, drawn the same way
        with Image.open(sheet) as whole:
            assert whole.height == sum(p.height for p in panels.values()) + sheets.RULE_PX
    pages = chunked / "results/oip/pages"
    for m in (46, 56):  # each map's page shows its own pictures, cut out of the sheets
        html = (pages / f"map_{m:03d}.html").read_text()
        for kind in ("oip", "dream"):
            assert f"src='map_{m:03d}.{kind}.png'" in html and (pages / f"map_{m:03d}.{kind}.png").stat().st_size > 5000


@pytest.mark.parametrize(
    "how",
    [("--cores", "1"), ("--cores", "16"), (), ("--profile", "profiles/gpu"), ("--profile", "profiles/slurm")],
    ids=["cores1", "cores16", "no-cores", "gpu-profile", "slurm-profile"],
)  # fmt: skip
def test_a_finished_run_plans_nothing_on_any_machine(chunked, how):
    assert planned_rules(chunked, *how, *CHUNK, *BASE) == []


def test_every_preset_and_map_list_has_the_same_rules(tmp_path):
    work = workflow_copy(tmp_path)

    def rules(*args):
        return snakemake(work, "--list-rules", *args).stdout.split()

    tiny = rules(*BASE)
    assert {"precursor", "oip_random", "oip_precursor", "oip", "oip_figure", "dream", "dream_figure"} <= set(tiny)
    for args in ((), ("--configfile", "config/paper.yaml"), ("--config", "maps=[3]", "maps_per_job=1")):
        assert rules(*args) == tiny, args


def test_a_one_map_target_computes_that_map_alone(tmp_path):
    work = workflow_copy(tmp_path)
    for target in ("results/oip/map_056.h5", "results/dreams/map_056.png"):
        jobs = planned_jobs(work, target, *CHUNK, *BASE)
        assert jobs == {"mnist": 1, "cnn": 1, **({"precursor": 1, "oip": 1} if "oip" in target else
                                                  {"dream": 1, "dream_figure": 1})}, target  # fmt: skip
        out = snakemake(work, "-n", target, *CHUNK, *BASE).stdout
        assert "maps=056" in out and "046-056" not in out


def test_a_knob_change_reruns_one_map_alone_on_a_finished_chunked_run(chunked):
    out = snakemake(chunked, "-n", "results/oip/map_056.h5", *CHUNK, "oip={epochs: 61}", *BASE).stdout
    assert "maps=056" in out and "map_046-056" not in out  # map 56 on its own: not its chunk of two


def test_forcerun_and_until_take_the_steps_one_name(chunked):
    assert planned_jobs(chunked, "--until", "oip", "--forcerun", "oip", *CHUNK, *BASE) == {"oip": 1}
    forced = planned_jobs(chunked, "--forcerun", "dream", *CHUNK, *BASE)
    assert forced["dream"] == 1 and forced["dream_figure"] == 1 and "oip" not in forced


@pytest.mark.parametrize(
    ("option", "rule", "key"),
    [("--forcerun", "oip_random", "oip.start: two_stage"), ("--until", "rescue", "rescue.enabled: true"),
     ("--forcerun", "objective", "objectives")],
)  # fmt: skip
def test_a_step_the_config_switches_off_names_the_key_that_switches_it_on(tiny_run, option, rule, key):
    proc = snakemake(tiny_run, "-n", option, rule, *BASE, check=False)
    assert proc.returncode != 0
    assert f"{option} {rule}: this run has no {rule} job" in proc.stdout + proc.stderr
    assert key in proc.stdout + proc.stderr
