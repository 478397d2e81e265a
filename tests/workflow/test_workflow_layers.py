"""model.layer (issue 17): any layer of the seed's CNN with maps, one command each, in a folder of
its own beside conv3's; checked before any job; the stored losses are that layer's activations."""

import shutil

import numpy as np
import pandas as pd
import pytest

from helpers import conv3_by_numpy, planned_jobs, snakemake
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e

CONV2 = ["--configfile", "config/tiny.yaml", "--config", "model={layer: conv2}", "maps=[3, 60]"]


@pytest.fixture(scope="module")
def conv2_run(tiny_run, tmp_path_factory):
    work = tmp_path_factory.mktemp("layers") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    conv3 = {p: p.stat().st_mtime_ns for p in (work / "results/oip").glob("*")}
    planned = planned_jobs(work, *CONV2)
    snakemake(work, "--cores", "2", *CONV2)
    return work, planned, conv3


def test_another_layer_reuses_the_cnn_and_leaves_conv3_alone(conv2_run):
    work, planned, conv3 = conv2_run
    assert "cnn" not in planned and "mnist" not in planned
    assert planned["oip"] == 2 and planned["precursor"] == 2 and planned["dream"] == 2 and planned["deepdream"] == 1
    assert conv3 and {p: p.stat().st_mtime_ns for p in (work / "results/oip").glob("*")} == conv3
    layer = pd.read_csv(work / "results/conv2/oip/summary.tsv", sep="\t")
    assert len(layer) == 64 and sorted(layer[layer["computed"]]["map"]) == [3, 60]
    deep, attrs = store.read_h5(work / "results/conv2/dreams/layer_conv2.h5")  # deepdream.layers null: the layer
    assert attrs["params"]["layers"] == {"conv2": 1.0} and deep["dream"].shape == (112, 112)
    for name in ("oip/atlas.png", "dreams/gallery.png", "dreams/layer_conv2.png", "precursor/map_060.png"):
        assert (work / "results/conv2" / name).stat().st_size > 1000, name


def test_stored_losses_are_the_layers_activation_recomputed_by_numpy(conv2_run):
    work, _, _ = conv2_run
    model = models.load_model(work / "results/cnn/model.keras")
    for m in (3, 60):
        oip, attrs = store.read_map(work / f"results/conv2/oip/map_{m:03d}.h5")
        assert attrs["layer"] == "conv2" and attrs["map"] == m
        recomputed = conv3_by_numpy(model, oip["images"], layer="conv2")[..., m].mean(axis=(1, 2))
        np.testing.assert_allclose(oip["final_loss"], recomputed, rtol=1e-4, atol=1e-6)
        screening, _ = store.read_map(work / f"results/conv2/precursor/map_{m:03d}.h5")
        starts = conv3_by_numpy(model, screening["start_images"], layer="conv2")[..., m].mean(axis=(1, 2))
        assert (screening["top_loss"] >= starts - 1e-6).all()  # ascent from the starts never loses


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (["model={layer: dense1}"], "'dense1' of the seed's CNN outputs shape (70,), not maps"),
        (["model={layer: conv9}"], "layers with maps: conv1, pool1, conv2, pool2, conv3"),
        (["model={layer: conv1}", "maps=[5, 40]"], "names maps conv1 does not have (32 maps, 0 to 31)"),
        (["model={data: x.npz}"], "model.data: the seed CNN's conv3 is measured on MNIST's test set"),
        (["model={layer: conv1, data: x.npz}"], "model.data: x.npz: no such file or folder"),
    ],
)
def test_a_bad_layer_or_map_fails_before_any_job(tiny_run, config, message):
    proc = snakemake(tiny_run, "-n", "--configfile", "config/tiny.yaml", "--config", *config, check=False)
    assert proc.returncode != 0 and message in proc.stderr + proc.stdout


def test_maps_auto_takes_every_map_of_another_layer_and_the_showcase_of_conv3(tiny_run):
    # config/config.yaml (maps: auto), not tiny's explicit list; one job per map to count the maps
    per_map = "maps_per_job=1"
    assert planned_jobs(tiny_run, "--config", "model={layer: conv1}", per_map)["precursor"] == 32
    assert planned_jobs(tiny_run, "--config", "model={layer: conv2}", per_map)["oip"] == 64
    assert planned_jobs(tiny_run, "--config", per_map)["precursor"] == 5
