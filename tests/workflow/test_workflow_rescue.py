"""The seed's open question in the workflow (issue 19): rule rescue screens a finer grid for exactly
the maps a run left without an OIP, and its files hold what an independent NumPy path recomputes."""

import itertools
import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import conv3_by_numpy, planned_jobs, snakemake
from mnist_dreams.ascent import grids
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rescued(tiny_run, tiny_test_peaks, tmp_path_factory):
    """The tiny run with its weakest maps (the lowest test peaks: some never fire) and the rescue on."""
    work = tmp_path_factory.mktemp("rescue") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    maps = sorted(int(m) for m in np.argsort(tiny_test_peaks, kind="stable")[:6])
    config = ["--config", f"maps={maps}", "maps_per_job=6", "rescue={enabled: true}"]
    snakemake(work, "--cores", "2", "--configfile", "config/tiny.yaml", *config)
    return work, maps, config


def test_rescue_screens_exactly_the_maps_without_an_oip(rescued):
    work, maps, _ = rescued
    layer = pd.read_csv(work / "results/oip/summary.tsv", sep="\t", keep_default_na=False)
    computed = layer[layer["computed"].astype(str) == "True"]
    unfound = sorted(int(m) for m in computed[computed["found"].astype(str) == "False"]["map"])
    table = pd.read_csv(work / "results/rescue/summary.tsv", sep="\t")
    assert sorted(table["map"]) == unfound and set(unfound) <= set(maps)
    stored = sorted(p.name for p in (work / "results/rescue/maps").glob("map_*"))
    assert stored == sorted([f"map_{m:03d}.h5" for m in unfound] + [f"map_{m:03d}.precursor.h5" for m in unfound])
    summary = pd.read_csv(work / "results/summary.tsv", sep="\t", keep_default_na=False).set_index("quantity")
    assert summary.loc["finer_grid_maps_screened", "ours"] == str(len(unfound))
    assert summary.loc["finer_grid_maps_found", "ours"] == str(int(table["found"].sum()))
    assert (work / "results/rescue/atlas.png").stat().st_size > 1000


def test_rescue_files_match_a_numpy_recomputation(rescued):
    work, _, _ = rescued
    model = models.load_model(work / "results/cnn/model.keras")
    _, cnn = store.read_h5(work / "results/cnn/training.h5")
    values = [0.2, 0.5, 0.8]  # tiny.yaml's rescue.values; every start from itertools' order
    cells = np.array(list(itertools.product(values, repeat=9)))
    starts = ((cells @ grids.upscale_basis(3).T * 255.0 - cnn["pixel_mean"]) / cnn["pixel_std"]).astype(np.float32)
    act = conv3_by_numpy(model, starts.reshape(-1, 28, 28, 1))
    table = pd.read_csv(work / "results/rescue/summary.tsv", sep="\t")
    assert len(table), "the tiny CNN's weakest maps all had an OIP: nothing was rescued to check"
    for m in table["map"]:
        screening, s_attrs = store.read_h5(work / f"results/rescue/maps/map_{m:03d}.precursor.h5")
        assert s_attrs["dead"] == int((act[..., m].max(axis=(1, 2)) == 0).sum())
        np.testing.assert_allclose(
            screening["start_images"], starts[screening["top_indices"]].reshape(-1, 28, 28, 1), atol=1e-5
        )
        oip, attrs = store.read_h5(work / f"results/rescue/maps/map_{m:03d}.h5")
        np.testing.assert_allclose(
            oip["final_loss"], conv3_by_numpy(model, oip["images"])[..., m].mean(axis=(1, 2)), rtol=1e-4, atol=1e-6
        )
        assert attrs["procedure"] == "precursor" and attrs["peak_rss_mb"] > 0


def test_rescue_values_rerun_the_rescue_and_its_readers_only(rescued):
    work, _, config = rescued
    planned = planned_jobs(
        work, "--configfile", "config/tiny.yaml", *config[:-1], "rescue={enabled: true, values: [0.2, 0.4, 0.6, 0.8]}"
    )
    assert set(planned) == {
        "rescue",
        "rescue_summary",
        "rescue_summary_table",
        "rescue_atlas",
        "data_starts",  # the maps the rescue leaves get the data starts
        "summary",
        "summary_table",
    }
