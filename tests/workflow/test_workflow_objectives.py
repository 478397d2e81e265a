"""Objectives end to end on the tiny run (a class; a minimized sum of a class, a neuron and a map's
mean): each in its own folder, each stored value recomputed from the stored images by NumPy on the
saved weights; a unit outside the layer stops the run before any job. Directions and dense units:
tests/unit/test_objectives.py; the same keys on users' models: test_workflow_own_model.py."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers import conv3_by_numpy, planned_rules, snakemake
from mnist_dreams.plumbing import store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e
BASE = ("--configfile", "config/tiny.yaml", "objectives.yaml")
OBJECTIVES = {  # a class; a minimized sum of a class, a neuron and a map's mean
    "three": {"terms": [{"kind": "class", "class": 3}]},
    "mix": {
        "minimize": True,
        "candidates": 3,
        "terms": [
            {"kind": "class", "class": 3},
            {"kind": "neuron", "channel": 1, "position": [1, 1], "weight": 0.5},
            {"kind": "channel", "channel": 0, "weight": 0.25},
        ],
    },
}


@pytest.fixture(scope="module")
def run(tiny_run, tmp_path_factory):
    """The tiny run with two objectives added: only their jobs run."""
    work = tmp_path_factory.mktemp("objectives") / "wf"
    shutil.copytree(tiny_run, work, symlinks=True)
    (work / "objectives.yaml").write_text(yaml.safe_dump({"objectives": OBJECTIVES}))
    assert planned_rules(work, *BASE) == ["objective", "objective_figure", "objective_gallery"]
    snakemake(work, "--cores", "2", *BASE)
    return work


def _activations(model, name, x):
    import keras

    return np.asarray(keras.Model(model.inputs, model.get_layer(name).output).predict(x, verbose=0), np.float64)


def _logits(model, x):
    """The output layer's scores before its softmax: dense1's activations times its weights, by NumPy."""
    kernel, bias = model.get_layer("output").get_weights()
    return _activations(model, "dense1", x) @ kernel + bias


def test_each_objective_in_its_own_folder_with_its_value_recomputed(run):
    model = models.load_model(run / "results/cnn/model.keras")
    three, attrs = store.read_h5(run / "results/objectives/three/oip.h5")
    assert attrs["objective"] == "three" and attrs["spec"]["terms"][0]["layer"] == "output"
    assert three["images"].shape == (4, 28, 28, 1) and attrs["class_score"] == "logit"
    np.testing.assert_allclose(three["final_value"], _logits(model, three["images"])[:, 3], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(three["start_value"], _logits(model, three["start_images"])[:, 3], rtol=1e-4, atol=1e-4)
    assert np.all(three["final_value"] > three["start_value"])

    mix, attrs = store.read_h5(run / "results/objectives/mix/oip.h5")
    x, terms = mix["images"], OBJECTIVES["mix"]["terms"]
    conv3 = conv3_by_numpy(model, x)  # NumPy convolutions of the saved weights
    expected = np.stack([_logits(model, x)[:, 3], conv3[:, 1, 1, 1], conv3[..., 0].mean(axis=(1, 2))], axis=1)
    np.testing.assert_allclose(mix["final_terms"], expected, rtol=1e-4, atol=1e-4)
    weights = [t.get("weight", 1.0) for t in terms]
    np.testing.assert_allclose(mix["final_value"], expected @ weights, rtol=1e-4, atol=1e-4)
    assert len(x) == 3 and np.all(mix["final_value"] < mix["start_value"])  # minimized
    # the same random starts for every objective of the run
    np.testing.assert_array_equal(mix["start_images"], three["start_images"][:3])
    for name in ("three", "mix"):
        assert (run / f"results/objectives/{name}/oip.png").stat().st_size > 10000
    assert (run / "results/objectives/gallery.png").stat().st_size > 5000


def test_one_objectives_change_reruns_that_objective_only(run):
    assert planned_rules(run, *BASE) == []
    Path(run / "objective_change.yaml").write_text(
        yaml.safe_dump({"objectives": {"three": {"terms": [{"kind": "class", "class": 4}]}}})
    )
    planned = snakemake(run, "-n", *BASE, "objective_change.yaml").stdout
    assert (
        "output: results/objectives/three/oip.h5" in planned and "output: results/objectives/mix/oip.h5" not in planned
    )
    planned = planned_rules(run, *BASE, "objective_change.yaml")
    assert planned == ["objective", "objective_figure", "objective_gallery"]


@pytest.mark.parametrize(
    "objective, message",
    [
        ({"terms": [{"kind": "class", "class": 10}]}, "class must be 0 to 9"),
        ({"terms": [{"kind": "neuron", "channel": 46, "position": [1, 3]}]}, "position column must be 0 to 2"),
        ({"terms": [{"kind": "direction", "layer": "conv1", "vector": [1, 2]}]}, "'conv1' has 32 channels"),
    ],
)
def test_a_unit_outside_the_layer_stops_the_run_before_any_job(run, objective, message):
    Path(run / "bad_objective.yaml").write_text(yaml.safe_dump({"objectives": {"bad": objective}}))
    before = {p: p.stat().st_mtime_ns for p in (run / "results").rglob("*") if p.is_file()}
    proc = snakemake(run, "--cores", "1", *BASE, "bad_objective.yaml", check=False)
    assert proc.returncode != 0 and message in proc.stderr and "objectives.bad.terms[0]" in proc.stderr
    assert {p: p.stat().st_mtime_ns for p in (run / "results").rglob("*") if p.is_file()} == before
