"""End to end: maps_per_job computes a chunk of maps in one job, every map still bit-identical in its own file."""

import shutil

import numpy as np
import pytest

from helpers import planned_jobs, planned_rules, snakemake, workflow_copy
from mnist_dreams.plumbing import store

pytestmark = pytest.mark.e2e

BASE = ("--configfile", "config/tiny.yaml")
CHUNK = ("--config", "maps_per_job=2")  # tiny's maps 46 and 56: one chunk
PER_MAP = [f"results/{step}/map_{m:03d}.h5" for step in ("precursor", "oip", "dreams") for m in (46, 56)]


@pytest.fixture(scope="module")
def chunked(tiny_run, tmp_path_factory):
    """The tiny run copied, its per-map files deleted and rebuilt with maps_per_job=2."""
    work = tmp_path_factory.mktemp("chunks") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    for path in PER_MAP:
        (work / path).unlink()
    snakemake(work, *PER_MAP, "--cores", "2", *CHUNK, *BASE)
    return work


def test_one_job_per_chunk_wrote_every_maps_file_bit_identical(tiny_run, chunked):
    for step in ("precursor", "oip", "dreams"):
        assert (chunked / f"logs/{step}/maps_046_056.log").exists()  # one job for the chunk
        assert (chunked / f"benchmarks/{step}/maps_046_056.tsv").exists()
    for path in PER_MAP:
        alone, a_attrs = store.read_h5(tiny_run / path)
        chunk, c_attrs = store.read_h5(chunked / path)
        assert set(alone) == set(chunk) and a_attrs["map"] == c_attrs["map"]
        for key in alone:
            np.testing.assert_array_equal(alone[key], chunk[key], err_msg=f"{path}: {key}")


def test_chunk_job_logs_each_maps_progress(chunked):
    log = (chunked / "logs/oip/maps_046_056.log").read_text()
    assert "maps 46, 56: OIP of 8 candidates" in log and log.count("job started") == 1  # both maps in one batch


def test_switching_maps_per_job_reruns_no_screening_and_no_dream(tiny_run):
    planned = set(planned_rules(tiny_run, *CHUNK, *BASE))
    # Snakemake compares each output's input files: a chunk's OIP job reads both maps' screenings,
    # so the precursor-started OIPs rerun (to identical files), and a chunk's figures read both maps'
    # files, so they are drawn again; params and code are unchanged: no screening, no dream.
    assert not {r for r in planned if r.startswith(("precursor", "dream")) and not r.startswith("dream_figure")}
    layer = {"oip_summary", "oip_atlas", "oip_summary_table", "summary", "summary_table", "map_pages"}
    assert planned <= {"oip_maps_046_056", "oip_figure_maps_046_056", "dream_figure_maps_046_056", *layer}


def test_figures_are_drawn_per_chunk(chunked):
    snakemake(chunked, *[p.replace(".h5", ".png") for p in PER_MAP if "precursor" not in p], "--cores", "2", *CHUNK,
              *BASE)  # fmt: skip
    for step in ("oip", "dreams"):
        log = (chunked / f"logs/{step}/maps_046_056.figure.log").read_text()
        assert log.count("job started") == 1  # one process for both maps' figures
        for m in (46, 56):
            png = chunked / f"results/{step}/map_{m:03d}.png"
            assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_map_target_builds_its_chunk(tmp_path):
    work = workflow_copy(tmp_path)
    jobs = planned_jobs(work, "results/oip/map_056.h5", *CHUNK, *BASE)
    assert jobs == {"mnist": 1, "cnn": 1, "precursor_maps_046_056": 1, "oip_maps_046_056": 1}
