"""End to end on tiny.yaml: single-map dreams of 2 maps and the DeepDream on a 112-px photo."""

from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from helpers import planned_rules, snakemake
from mnist_dreams.ascent import dream, dream_file
from mnist_dreams.plumbing import backend, store
from mnist_dreams.subject import models

pytestmark = pytest.mark.e2e


def test_dreams_carve_the_map_into_the_photo(tiny_run):
    tiny = yaml.safe_load((tiny_run / "config/tiny.yaml").read_text())
    model = models.load_model(tiny_run / "results/cnn/model.keras")
    active = 0
    for m in tiny["maps"]:
        kept, attrs = store.read_map(tiny_run / f"results/dreams/map_{m:03d}.h5", required=("patterns", "blurry"))
        size = tiny["dream"]["size"]
        # nothing photo-sized in the file but the last blurry dream: the rest follows from it
        assert [k for k, v in kept.items() if v.size >= size * size] == ["blurry"]
        r = dream_file.finished(kept, attrs["params"])
        assert r["original"].shape == r["final"].shape == r["detailed"].shape == (size, size)
        before = backend.map_losses(model, "conv3", r["starts"][:1, :, :, None], m)[0]
        after = backend.map_losses(model, "conv3", r["patterns"][-1:, :, :, None], m)[0]
        if before > 0 or after > 0:
            active += 1
            assert after > before
        else:  # a map silent on the photo has no gradient: nothing is carved
            np.testing.assert_array_equal(r["patterns"], r["starts"])
        assert dream.pearson(r["detailed"], r["original"]) > 0.5
    assert active >= 1, "no tiny map fires on the photo: the test would check nothing"
    assert (tiny_run / "results/dreams/gallery.png").stat().st_size > 10_000


def test_deepdream_keeps_the_input_size(tiny_run):
    r, attrs = store.read_h5(tiny_run / "results/dreams/layer_conv3.h5", required=("dream", "octave_images"))
    assert r["dream"].shape == r["original"].shape == (112, 112)
    assert len(r["octave_images"]) == len(r["sizes"]) >= 4
    assert attrs["params"]["layers"] == {"conv3": 1.0}


def test_dream_changes_rerun_only_dream_jobs(tiny_run):
    base = ("--configfile", "config/tiny.yaml")
    Path(tiny_run / "d1.yaml").write_text("dream:\n  epochs: 21\n")
    # the map pages show each map's dream: written again too
    assert planned_rules(tiny_run, *base, "d1.yaml") == ["dream", "dream_figure", "dream_gallery", "map_pages"]
    photo = tiny_run / "photo.png"
    Image.fromarray(np.full((64, 64), 128, np.uint8)).save(photo)
    Path(tiny_run / "d2.yaml").write_text(f"dream:\n  image: {photo}\n")
    assert planned_rules(tiny_run, *base, "d2.yaml") == [
        "deepdream",
        "deepdream_figure",
        "dream",
        "dream_figure",
        "dream_gallery",
        "map_pages",
    ]
    Path(tiny_run / "d3.yaml").write_text("deepdream:\n  steps: 4\n")
    assert planned_rules(tiny_run, *base, "d3.yaml") == ["deepdream", "deepdream_figure"]


def test_deepdream_layers_name_the_file_and_a_request_for_others_fails_before_any_job(tiny_run):
    base = ("--configfile", "config/tiny.yaml")
    both = ["--config", "deepdream={layers: {conv2: 0.5, conv3: 1.0}}"]
    assert planned_rules(tiny_run, *base, *both) == ["deepdream", "deepdream_figure"]
    proc = snakemake(tiny_run, "-n", "results/dreams/layer_conv2+conv3.png", *base, *both)
    assert "layer_conv2+conv3.h5" in proc.stdout
    proc = snakemake(tiny_run, "-n", "results/dreams/layer_conv1.png", *base, check=False)
    wanted = "layer_conv1 requested, but deepdream.layers gives layer_conv3"
    assert proc.returncode != 0 and wanted in proc.stderr + proc.stdout
    proc = snakemake(tiny_run, "-n", *base, "--config", "deepdream={layers: {dense1: 1}}", check=False)
    wanted = "deepdream.layers: 'dense1' of the seed's CNN outputs shape (70,)"
    assert proc.returncode != 0 and wanted in proc.stderr + proc.stdout
