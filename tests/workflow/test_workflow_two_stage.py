"""End to end: `oip.start: two_stage` runs the precursor screening only for maps the random search missed."""

import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import snakemake
from mnist_dreams.plumbing import store

pytestmark = pytest.mark.e2e

MAPS = (1, 2, 3)  # on the tiny CNN: one dead map, one only the precursors wake, one random starts find
TWO_STAGE = "oip:\n  start: two_stage\n  random: {count: 2}\nmaps: [1, 2, 3]\n"


@pytest.fixture(scope="module")
def two_stage(tiny_run, tmp_path_factory):
    """The tiny run copied (its CNN is reused: same code, same params), then the two-stage OIPs."""
    work = tmp_path_factory.mktemp("two_stage") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    (work / "two.yaml").write_text(TWO_STAGE)
    snakemake(work, "results/oip/summary.tsv", "--cores", "2", "--configfile", "config/tiny.yaml", "two.yaml")
    return work


def _read(work, name):
    return store.read_map(work / "results" / name)  # maps 1, 2, 3: auto makes one chunk each


def test_precursor_jobs_ran_only_for_maps_random_starts_missed(two_stage):
    missed = []
    for m in MAPS:
        _, random = _read(two_stage, f"oip/map_{m:03d}.random.h5")
        screened = (two_stage / f"results/precursor/map_{m:03d}.two_stage.h5").exists()
        assert screened == (not random["found"]), m
        assert (two_stage / f"results/oip/map_{m:03d}.precursor.h5").exists() == screened
        assert (two_stage / f"logs/oip/map_{m:03d}.precursor.log").exists() == screened  # no job, no log
        if screened:
            missed.append(m)
            # one job screens and ascends: the OIP's candidates are the screening's top k, in order
            screening, _ = _read(two_stage, f"precursor/map_{m:03d}.two_stage.h5")
            ascended, attrs = _read(two_stage, f"oip/map_{m:03d}.precursor.h5")
            np.testing.assert_array_equal(ascended["candidate"], screening["top_indices"])
            assert attrs["procedure"] == "precursor"
    assert 0 < len(missed) < len(MAPS), "both stages must occur for this test to check anything"


def test_final_answer_is_the_random_result_if_found_else_the_precursor_one(two_stage):
    for m in MAPS:
        final, attrs = _read(two_stage, f"oip/map_{m:03d}.h5")
        random, r_attrs = _read(two_stage, f"oip/map_{m:03d}.random.h5")
        chosen, c_attrs = (random, r_attrs) if r_attrs["found"] else _read(two_stage, f"oip/map_{m:03d}.precursor.h5")
        assert set(final) == set(chosen)
        for key in chosen:
            np.testing.assert_array_equal(final[key], chosen[key])
        assert attrs["random_found"] == r_attrs["found"] and attrs["found"] == c_attrs["found"]
        assert attrs["found"] == bool(final["final_loss"].max() > 0)
        assert attrs["found_by"] == (attrs["stage"] if attrs["found"] else "none")
        assert c_attrs["params"]["start"] == attrs["stage"]


def test_summary_split_adds_up(two_stage):
    table = pd.read_csv(two_stage / "results/oip/summary.tsv", sep="\t", keep_default_na=False)
    computed = table[table["computed"].astype(str) == "True"]
    assert sorted(computed["map"]) == list(MAPS)
    counts = computed["found_by"].value_counts().to_dict()
    assert sum(counts.values()) == len(MAPS) and set(counts) <= {"random", "precursor", "none"}
    for _, row in computed.iterrows():
        _, attrs = _read(two_stage, f"oip/map_{row['map']:03d}.h5")
        assert row["found_by"] == attrs["found_by"]
    assert counts.get("random", 0) + counts.get("precursor", 0) == (computed["found"].astype(str) == "True").sum()


def test_a_chunk_screens_only_the_maps_it_missed_and_chooses_as_each_map_alone(two_stage):
    chunk = "results/oip/map_001-003.h5"  # maps_per_job 3: the three maps in one job per stage
    snakemake(two_stage, chunk, "--cores", "2", "--config", "maps_per_job=3", "--configfile", "config/tiny.yaml",
              "two.yaml")  # fmt: skip
    missed = [m for m in MAPS if not _read(two_stage, f"oip/map_{m:03d}.random.h5")[1]["found"]]
    assert list(store.read_maps(two_stage / "results/precursor/map_001-003.two_stage.h5")) == missed
    together = store.read_maps(two_stage / chunk)
    for m in MAPS:
        alone, attrs = _read(two_stage, f"oip/map_{m:03d}.h5")
        assert together[m][1]["found_by"] == attrs["found_by"]
        for key in alone:
            np.testing.assert_array_equal(together[m][0][key], alone[key], err_msg=f"map {m}: {key}")
